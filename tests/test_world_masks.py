"""Instance masks from the world: visible pixels of each part, ids by the scene's own lists
(stable over a movie and across a quadruplet), carried through splices, written with --masks
beside otherwise unchanged files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from physpred.world import generate_probes, generate_videos, samplers
from physpred.world.probes import BLOCKS, Setting
from physpred.world.render import mask_names, render_masks, render_video
from physpred.world.samplers import training_scene
from physpred.world.simulate import simulate
from physpred.world.splice import Movie, hidden_runs, same_frames, spliced

SETTING = Setting(frames=60, size=64, fps=15, gravity=200.0, masks=True)


def _quadruplet(block: str, seed: int, setting: Setting = SETTING):
    return BLOCKS[block](setting, np.random.default_rng(seed))


def _occlusion(size: int):
    """An occlusion scene (one object, one screen) and its trajectory."""
    scene = samplers.occlusion(np.random.default_rng(4), 60, 15, 200.0, moving_screen=False)
    return scene, simulate(scene, 60, 15)


@pytest.mark.parametrize("size", [64, 128])
def test_an_objects_mask_is_where_the_picture_shows_it(size: int) -> None:
    scene, trajectory = _occlusion(size)
    with_object = render_video(scene, trajectory, size, 15)
    without = render_video(scene, trajectory, size, 15, hidden=frozenset({0}))
    masks = render_masks(scene, trajectory, size, 15)
    assert masks.shape == (60, size, size) and masks.dtype == np.uint8
    drawn = np.any(with_object != without, axis=-1)  # (T, H, W): the object's anti-aliased pixels
    mask = masks == mask_names(scene)["object_1"]
    assert mask.any(), "the object is never visible"
    # The aliased silhouette lies inside the anti-aliased one, but for a pixel here and there at
    # a sliver (an object half out of the picture) whose anti-aliased share rounds to nothing.
    assert (mask & ~drawn).sum() <= 0.01 * mask.sum(), "mask pixels where the picture shows none"
    assert mask.sum() >= 0.5 * drawn.sum(), "the mask misses much of the object"
    # Its pixels have the object's colour (up to the highlight and the noise).
    colour = np.array(scene.things[0].colour, float)
    distance = np.linalg.norm(with_object[mask].astype(float) - colour, axis=-1)
    assert np.median(distance) < 20


def test_ids_follow_the_scene_and_stay_with_each_part_over_a_movie() -> None:
    scene = training_scene(np.random.default_rng(7), 40, 15, 200.0, {"occlusion": 1.0})
    names = mask_names(scene)
    assert list(names) == [f"object_{i}" for i in range(1, len(scene.things) + 1)] + [
        f"screen_{j}" for j in range(1, len(scene.screens) + 1)
    ] + [f"wall_{k}" for k in range(1, len(scene.slabs) + 1)]
    assert list(names.values()) == list(range(1, len(names) + 1))
    masks = render_masks(scene, simulate(scene, 40, 15), 64, 15)
    assert set(np.unique(masks)) <= {0, *names.values()}
    # A screen stands still: its id covers the same pixels in every frame.
    screen = masks == names["screen_1"]
    assert screen[0].any() and (screen == screen[0]).all()


@pytest.mark.parametrize("block", list(BLOCKS))
def test_a_quadruplet_agrees_on_ids(block: str) -> None:
    clips = _quadruplet(block, 0)
    for pair in (1, 2):
        names = [c.mask_names for c in clips if c.pair == pair]
        assert names[0] == names[1] and names[0]
    if block in ("O1", "O2", "O3"):  # one scene for all four movies
        assert all(c.mask_names == clips[0].mask_names for c in clips)
    for clip in clips:
        assert clip.masks.shape == clip.frames.shape[:3]
        assert set(np.unique(clip.masks)) <= {0, *clip.mask_names.values()}


@pytest.mark.parametrize("block", ["O1", "O2", "O3"])
def test_a_spliced_movie_takes_each_mask_from_its_frames_source(block: str) -> None:
    clips = _quadruplet(block, 1)
    possible = [c for c in clips if c.is_possible]
    for clip in (c for c in clips if not c.is_possible):
        own = clip.pair - 1  # the possible movie of the same pair starts it
        took_other = False
        for t in range(len(clip.frames)):
            sources = [p for p in possible if np.array_equal(clip.frames[t], p.frames[t])]
            assert sources, f"{block} frame {t} is new"
            if len(sources) == 1:  # the object shows: only one source has this picture
                assert np.array_equal(clip.masks[t], sources[0].masks[t])
                took_other |= sources[0] is not possible[own]
            else:  # hidden: both sources agree on the picture and the mask is one of theirs
                assert any(np.array_equal(clip.masks[t], s.masks[t]) for s in sources)
        assert took_other, "the splice never took a frame from the other movie"


def test_spliced_takes_frames_and_masks_together() -> None:
    rng = np.random.default_rng(0)
    a = Movie(rng.integers(0, 255, (6, 4, 4, 3), np.uint8), rng.integers(0, 9, (6, 4, 4), np.uint8))
    b = Movie(rng.integers(0, 255, (6, 4, 4, 3), np.uint8), rng.integers(0, 9, (6, 4, 4), np.uint8))
    out = spliced(a, b, 2, 5)
    for t, source in enumerate([a, a, b, b, b, a]):
        assert np.array_equal(out.frames[t], source.frames[t])
        assert np.array_equal(out.masks[t], source.masks[t])
    assert spliced(Movie(a.frames), Movie(b.frames), 2, 5).masks is None


def test_a_hidden_object_has_no_mask_pixels() -> None:
    scene, trajectory = _occlusion(64)
    a = render_video(scene, trajectory, 64, 15)
    b = render_video(scene, trajectory, 64, 15, hidden=frozenset({0}))
    shown = render_masks(scene, trajectory, 64, 15)
    gone = render_masks(scene, trajectory, 64, 15, hidden=frozenset({0}))
    object_id = mask_names(scene)["object_1"]
    assert not (gone == object_id).any(), "a hidden thing is masked"
    same = same_frames(a, b)
    runs = hidden_runs(same)  # the object shows before and after: it is behind the screen
    assert runs
    for start, stop in runs:
        assert not (shown[start:stop] == object_id).any(), "the object is masked behind the screen"
    # Where more than the anti-aliased fringe of the object shows (a few pixels, as it slips
    # behind the screen), it is masked.
    showing = np.any(a != b, axis=-1).sum(axis=(1, 2)) > 8  # (T,)
    assert (shown[showing] == object_id).any(axis=(1, 2)).all(), "a visible object has no mask"


def test_o2s_box_keeps_the_balls_id() -> None:
    clips = _quadruplet("O2", 2)
    ball, box = (next(c for c in clips if c.event == e) for e in ("ball", "box"))
    object_id = ball.mask_names["object_1"]
    assert (ball.masks == object_id).any() and (box.masks == object_id).any()


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


TINY = {
    "videos": 3,
    "frames": 12,
    "size": 32,
    "fps": 15,
    "seed": 3,
    "progress": False,
    "workers": 1,
}


def test_videos_with_masks_add_files_and_a_key_and_change_nothing_else(tmp_path: Path) -> None:
    generate_videos(tmp_path / "plain", **TINY)
    generate_videos(tmp_path / "masked", masks=True, **TINY)
    plain, masked = _files(tmp_path / "plain"), _files(tmp_path / "masked")
    assert not [name for name in plain if "masks" in name]
    extra = sorted(set(masked) - set(plain))
    assert extra == [f"videos/{i:06d}.masks.npz" for i in range(3)]
    for name in plain:
        if name != "manifest.jsonl":
            assert masked[name] == plain[name], name
    lines = [json.loads(line) for line in masked["manifest.jsonl"].decode().splitlines()]
    assert [e.pop("masks") for e in lines] == extra
    assert lines == [json.loads(line) for line in plain["manifest.jsonl"].decode().splitlines()]
    with np.load(tmp_path / "masked" / extra[0]) as data:
        masks, names = data["masks"], json.loads(str(data["names"]))
    assert masks.shape == (12, 32, 32) and masks.dtype == np.uint8
    assert names and set(np.unique(masks)) <= {0, *names.values()}
    assert not list((tmp_path / "masked").rglob(".*.tmp*")), "temporary files left behind"


def test_a_video_whose_masks_are_gone_is_made_again(tmp_path: Path) -> None:
    generate_videos(tmp_path, masks=True, **TINY)
    before = _files(tmp_path)
    (tmp_path / "videos" / "000001.masks.npz").unlink()
    generate_videos(tmp_path, masks=True, **TINY)
    after = _files(tmp_path)
    assert after.keys() == before.keys()
    with np.load(tmp_path / "videos" / "000001.masks.npz") as data:
        assert data["masks"].shape == (12, 32, 32)


PROBES = {
    "scenes": 1,
    "blocks": "O1,S1",
    "size": 32,
    "frames": 48,
    "seed": 5,
    "progress": False,
    "workers": 1,
}


def test_probes_with_masks_add_png_masks_and_a_header_key_and_change_nothing_else(
    tmp_path: Path,
) -> None:
    generate_probes(tmp_path / "plain", **PROBES)
    generate_probes(tmp_path / "masked", masks=True, **PROBES)
    plain, masked = _files(tmp_path / "plain"), _files(tmp_path / "masked")
    assert not [name for name in plain if "masks" in name]
    for name, data in plain.items():
        if name.endswith("status.json"):
            header = json.loads(masked[name])["header"]
            names = header.pop("masks")
            assert header == json.loads(data)["header"]
            assert names == {"object_1": 1, "screen_1": 2} or "wall_1" in names
            movie = tmp_path / "masked" / Path(name).parent
            pngs = sorted((movie / "masks").iterdir())
            assert [p.name for p in pngs] == [f"masks_{t:03d}.png" for t in range(1, 49)]
            mask = cv2.imread(str(pngs[-1]), cv2.IMREAD_UNCHANGED)
            assert mask.shape == (32, 32) and mask.dtype == np.uint8
            assert set(np.unique(mask)) <= {0, *names.values()}
        else:
            assert masked[name] == data, name


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [(False, True, "made with no --masks"), (True, False, "made with --masks")],
)
def test_a_rerun_must_ask_for_masks_as_the_first_run_did(
    tmp_path: Path, first: bool, second: bool, said: str
) -> None:
    from physpred.world.generate import WorldError

    generate_videos(tmp_path / "v", masks=first, **TINY)
    with pytest.raises(WorldError, match=said):
        generate_videos(tmp_path / "v", masks=second, **TINY)
    generate_probes(tmp_path / "p", masks=first, **{**PROBES, "blocks": "O1"})
    with pytest.raises(WorldError, match=said):
        generate_probes(tmp_path / "p", masks=second, **{**PROBES, "blocks": "O1"})


def test_masks_of_a_restyled_scene_keep_its_ids() -> None:
    scene, trajectory = _occlusion(64)
    box = replace(scene, things=(replace(scene.things[0], shape="box"),))
    assert mask_names(box) == mask_names(scene)


def test_the_cli_passes_masks_on(tmp_path: Path) -> None:
    from physpred.world.cli import main

    common = ["--frames", "48", "--frame_size", "32", "--num_workers", "1", "--masks"]
    assert main(["videos", "--out", str(tmp_path / "v"), "--videos", "1", *common]) == 0
    assert (tmp_path / "v" / "videos" / "000000.masks.npz").is_file()
    assert (
        main(
            [
                "probes",
                "--out",
                str(tmp_path / "p"),
                "--scenes_per_block",
                "1",
                "--blocks",
                "I1",
                *common,
            ]
        )
        == 0
    )
    assert len(list((tmp_path / "p").glob("I1/01/*/masks/masks_048.png"))) == 4
