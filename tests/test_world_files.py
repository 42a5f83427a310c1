"""Files made by the world generator: determinism, resume, mp4 round trip, IntPhys layout."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from physpred.world import generate_probes, generate_videos
from physpred.world.generate import derive_seed
from physpred.world.render import render_video
from physpred.world.samplers import training_scene
from physpred.world.simulate import simulate

TINY = {"videos": 4, "frames": 12, "size": 32, "fps": 15, "seed": 3, "progress": False}
PROBES = {"scenes": 1, "blocks": "O3,G1", "size": 32, "frames": 48, "seed": 5, "progress": False}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_videos_are_byte_identical_with_one_or_two_workers(tmp_path: Path) -> None:
    generate_videos(tmp_path / "one", workers=1, **TINY)
    generate_videos(tmp_path / "two", workers=2, **TINY)
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert len(one) == TINY["videos"] + 1
    assert one == two


def test_probes_are_byte_identical_with_one_or_two_workers(tmp_path: Path) -> None:
    generate_probes(tmp_path / "one", workers=1, **PROBES)
    generate_probes(tmp_path / "two", workers=2, **PROBES)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_manifest_lists_every_video(tmp_path: Path) -> None:
    manifest = generate_videos(tmp_path, workers=1, **TINY)
    entries = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert [e["path"] for e in entries] == [f"videos/{i:06d}.mp4" for i in range(TINY["videos"])]
    for entry in entries:
        assert {
            "path",
            "frames",
            "fps",
            "size",
            "seed",
            "kind",
            "objects",
            "gravity_px",
        } <= entry.keys()
        assert (entry["frames"], entry["fps"], entry["size"]) == (12, 15, 32)
    assert not list(tmp_path.rglob(".*.tmp*")), "temporary files left behind"


def test_rerun_resumes(tmp_path: Path) -> None:
    generate_videos(tmp_path, workers=1, **TINY)
    kept = tmp_path / "videos" / "000001.mp4"
    lost = tmp_path / "videos" / "000002.mp4"
    stamp, content = kept.stat().st_mtime_ns, lost.read_bytes()
    lost.unlink()
    generate_videos(tmp_path, workers=1, **{**TINY, "videos": 5})
    assert kept.stat().st_mtime_ns == stamp, "a finished video was rewritten"
    assert lost.read_bytes() == content
    assert len((tmp_path / "manifest.jsonl").read_text().splitlines()) == 5


def test_probe_rerun_keeps_finished_quadruplets(tmp_path: Path) -> None:
    options = {**PROBES, "blocks": "O1"}
    assert generate_probes(tmp_path, workers=1, **options) == ["O1/01"]
    status = tmp_path / "O1" / "01" / "1" / "status.json"
    stamp = status.stat().st_mtime_ns
    assert generate_probes(tmp_path, workers=1, **{**options, "scenes": 2}) == ["O1/02"]
    assert status.stat().st_mtime_ns == stamp
    assert not list((tmp_path / "O1").glob(".*")), "temporary folders left behind"


@pytest.mark.parametrize("reader", ["decord", "pyav"])
def test_mp4_round_trip(tmp_path: Path, reader: str) -> None:
    options = {**TINY, "videos": 1, "frames": 20, "size": 64}
    generate_videos(tmp_path, workers=1, **options)
    path = str(tmp_path / "videos" / "000000.mp4")
    if reader == "decord":
        decord = pytest.importorskip("decord")
        video = decord.VideoReader(path)
        decoded, fps = video.get_batch(list(range(len(video)))).asnumpy(), video.get_avg_fps()
    else:
        with av.open(path) as container:
            fps = float(container.streams.video[0].average_rate)
            decoded = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    scene = training_scene(np.random.default_rng(derive_seed(3, "train", 0)), 20, 15, 200.0)
    rendered = render_video(scene, simulate(scene, 20, 15), 64, 15)
    assert decoded.shape == rendered.shape == (20, 64, 64, 3)
    assert fps == pytest.approx(15.0)
    error = decoded.astype(float) - rendered.astype(float)
    psnr = 10 * np.log10(255**2 / np.mean(error**2))
    # yuv420p halves colour resolution: coloured edges err most, the mean stays small.
    assert np.abs(error).mean() < 3.0 and psnr > 30, (np.abs(error).mean(), psnr)


def test_probe_layout_and_labels_spread_over_movie_numbers(tmp_path: Path) -> None:
    generate_probes(tmp_path, workers=1, **{**PROBES, "scenes": 8, "blocks": "I1"})
    labels: dict[int, set[bool]] = {n: set() for n in range(1, 5)}
    for scene in sorted((tmp_path / "I1").iterdir()):
        movies = sorted(p.name for p in scene.iterdir())
        assert movies == ["1", "2", "3", "4"]
        headers = [json.loads((scene / m / "status.json").read_text())["header"] for m in movies]
        assert sorted(h["is_possible"] for h in headers) == [False, False, True, True]
        for number, header in enumerate(headers, start=1):
            labels[number].add(header["is_possible"])
            assert header["block"] == "I1" and header["pair"] in (1, 2)
            assert min(header["violation_frames"]) > 20
        pngs = sorted((scene / "1" / "scene").iterdir())
        assert [p.name for p in pngs[:2]] == ["scene_001.png", "scene_002.png"] and len(pngs) == 48
    assert all(seen == {True, False} for seen in labels.values()), labels
