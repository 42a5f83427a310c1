"""Probe datasets: IntPhys layout, CSV manifests, prefix pairing, and broken probes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import write_video
from PIL import Image

from physpred.data import IncompleteSceneError, ProbeDataModule, ProbeDataset, VideoReadError
from physpred.data.pairs import common_prefix_length, match_pairs, thumbnails
from physpred.types import ProbeMovie

T, SIZE = 20, 32


def quadruplet() -> dict[str, np.ndarray]:
    """Movies A (square crosses), B (no square), C = A[:8] + B[8:], D = B[:12] + A[12:].

    Returns:
        name -> (T, SIZE, SIZE, 3) uint8.
    """
    background = np.full((T, SIZE, SIZE, 3), 90, dtype=np.uint8)
    a = background.copy()
    for t in range(T):
        a[t, 12:20, t : t + 8] = (230, 40, 40)
    b = background
    c = np.concatenate([a[:8], b[8:]])
    d = np.concatenate([b[:12], a[12:]])
    return {"A": a, "B": b, "C": c, "D": d}


# IntPhys movie number -> (quadruplet movie, is_possible); the order hides the answer.
LAYOUT = {"1": ("C", False), "2": ("A", True), "3": ("D", False), "4": ("B", True)}


def write_intphys(root: Path, labels: bool = True) -> Path:
    movies = quadruplet()
    for number, (name, possible) in LAYOUT.items():
        folder = root / "O1" / "07" / number / "scene"
        folder.mkdir(parents=True)
        for t, frame in enumerate(movies[name]):
            Image.fromarray(frame).save(folder / f"scene_{t + 1:03d}.png")
        if labels:
            status = {"header": {"is_possible": possible, "block": "O1"}}
            (folder.parent / "status.json").write_text(json.dumps(status))
    return root


def test_intphys_example_pairs_by_prefix(shared_data: Path) -> None:
    dataset = ProbeDataset(shared_data / "intphys_example", frame_size=32)
    assert dataset.movies == ["O1/01/1", "O1/01/2", "O1/01/3", "O1/01/4"]
    assert dataset.scenes == {"O1/01": dataset.movies}
    assert [e.is_possible for e in dataset.entries] == [True, True, False, False]
    # 1 and 3 share the first 20 frames (the ball vanishes behind the screen in 3), 2 and 4 too.
    assert dataset.pairs == [("O1/01/1", "O1/01/3"), ("O1/01/2", "O1/01/4")]


def test_synthetic_quadruplet_items_and_pairs(tmp_path: Path) -> None:
    dataset = ProbeDataset(write_intphys(tmp_path / "probes"))
    movie = dataset[1]
    assert isinstance(movie, ProbeMovie)
    assert (movie.video, movie.block, movie.scene, movie.is_possible) == (
        "O1/07/2",
        "O1",
        "O1/07",
        True,
    )
    assert movie.frames.shape == (T, 3, SIZE, SIZE) and movie.frames.dtype == torch.uint8
    assert dataset.pairs == [("O1/07/2", "O1/07/1"), ("O1/07/4", "O1/07/3")]
    assert dataset.pairs is dataset.pairs  # computed once


def test_csv_manifest_of_lossy_mp4_finds_the_same_pairs(tmp_path: Path) -> None:
    movies = quadruplet()
    rows = ["video,block,scene,is_possible,event"]
    for number, (name, possible) in LAYOUT.items():
        write_video(tmp_path / f"m{number}.mp4", movies[name], lossless=False)
        rows.append(f"m{number}.mp4,O1,07,{str(possible).lower()},{name}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    dataset = ProbeDataset(tmp_path)
    assert dataset.scenes == {"O1/07": ["m1.mp4", "m2.mp4", "m3.mp4", "m4.mp4"]}
    assert dataset.pairs == [("m2.mp4", "m1.mp4"), ("m4.mp4", "m3.mp4")]
    assert [e.event for e in dataset.entries] == ["C", "A", "D", "B"]
    assert ProbeDataset(tmp_path / "manifest.csv").movies == dataset.movies
    # the pairs of one event, by the impossible movie's event, as item indices
    assert dataset.event_pairs("O1", "C") == [(1, 0)] and dataset.event_pairs("O1", "D") == [(3, 2)]
    assert dataset.event_pairs("O1", "A") == [] and dataset.event_pairs("O2", "C") == []


def test_missing_labels_give_none_and_no_pairs(tmp_path: Path) -> None:
    dataset = ProbeDataset(write_intphys(tmp_path / "probes", labels=False))
    assert len(dataset) == 4 and dataset[0].is_possible is None
    assert dataset.pairs == []


def test_match_pairs_rules() -> None:
    frames = torch.from_numpy(quadruplet()["A"]).permute(0, 3, 1, 2)
    a = thumbnails(frames)
    other = thumbnails(torch.flip(frames, dims=[0]))
    assert common_prefix_length(a, a) == T
    assert common_prefix_length(a, a[:5]) == 5
    assert common_prefix_length(a, other) == 0
    # one possible movie: everything pairs with it
    assert match_pairs({"p": a}, {"x": other, "y": a}) == [("p", "x"), ("p", "y")]
    # a tie (prefix 0 with both) goes to the first possible movie
    assert match_pairs({"p": a, "q": a}, {"x": other}) == [("p", "x")]
    # ... unless the generator wrote down which pair the movies belong to
    assert match_pairs({"p": a, "q": a}, {"x": other}, {"x": "2", "q": "2"}) == [("q", "x")]
    # the prefix rule comes first: a pair id does not override a longer prefix
    assert match_pairs({"p": a, "q": other}, {"x": a}, {"x": "2", "q": "2"}) == [("p", "x")]
    assert match_pairs({}, {"x": a}) == []
    # a quadruplet never gives two impossible movies one partner (one pair would cross draws)
    assert match_pairs({"p": a, "q": a}, {"x": other, "y": other}) == [("p", "x"), ("q", "y")]
    assert match_pairs({"p": a, "q": a}, {"x": other, "y": a}, {"x": "2", "q": "2"}) == [
        ("q", "x"),
        ("p", "y"),
    ]
    assert match_pairs({"p": a, "q": other}, {"x": a, "y": a}) == [("p", "x"), ("q", "y")]


def test_unknown_layout_lists_the_accepted_ones(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match="IntPhys.*\n.*CSV manifest"):
        ProbeDataset(tmp_path)


def test_probe_datamodule_yields_movies_and_names_broken_files(tmp_path: Path) -> None:
    root = write_intphys(tmp_path / "probes")
    module = ProbeDataModule(str(root), frame_size=16)
    module.setup("predict")
    movies = list(module.predict_dataloader())
    assert [m.video for m in movies] == module.dataset.movies
    assert movies[0].frames.shape == (T, 3, 16, 16)
    (root / "O1" / "07" / "3" / "scene" / "scene_005.png").write_bytes(b"garbage")
    with pytest.raises(VideoReadError, match="O1/07/3/scene/scene_005.png"):
        list(module.predict_dataloader())


def test_generated_probes_pair_as_their_generator_says(tmp_path: Path) -> None:
    world = pytest.importorskip("physpred.world")
    root = tmp_path / "probes"
    world.generate_probes(out=root, scenes=1, size=32, frames=48, seed=3, workers=1)
    dataset = ProbeDataset(root)
    by_id = {entry.video: entry for entry in dataset.entries}
    for possible, impossible in dataset.pairs:
        assert by_id[possible].is_possible and by_id[impossible].is_possible is False
        assert by_id[possible].pair == by_id[impossible].pair, (possible, impossible)
    assert len(dataset.pairs) == 2 * len(dataset.scenes)


@pytest.mark.parametrize(
    ("remove", "reason"),
    [
        ("O1/07/2", "1 possible and 2 impossible movies; a quadruplet has 2 and 2"),
        ("O1/07/3/scene", "no frames in movie O1/07/3"),
    ],
)
def test_an_incomplete_scene_stops_or_is_left_out(tmp_path: Path, remove: str, reason: str) -> None:
    root = write_intphys(tmp_path / "probes")
    write_intphys(tmp_path / "other")  # a second, complete scene O1/08
    (tmp_path / "other" / "O1" / "07").rename(root / "O1" / "08")
    shutil.rmtree(root / remove)
    with pytest.raises(IncompleteSceneError, match=f"scene O1/07 is incomplete \\({reason}\\)"):
        ProbeDataset(root)
    dataset = ProbeDataset(root, incomplete="skip")
    assert dataset.left_out == {"O1/07": reason}
    assert list(dataset.scenes) == ["O1/08"] and len(dataset) == 4
    assert dataset.pairs == [("O1/08/2", "O1/08/1"), ("O1/08/4", "O1/08/3")]


def test_a_scene_of_only_unlabelled_movies_is_complete(tmp_path: Path) -> None:
    root = write_intphys(tmp_path / "probes", labels=False)
    shutil.rmtree(root / "O1" / "07" / "4")
    assert ProbeDataset(root).left_out == {}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("m2.mp4,O1,07,maybe", "manifest.csv:3: is_possible must be true/false/1/0 or empty, got 'maybe'"),
        ("m2.mp4,O1,07", "manifest.csv:3: no value for is_possible; every row needs"),
        (",O1,07,true", "manifest.csv:3: no value for video; every row needs"),
    ],
)
def test_bad_csv_rows_name_the_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    rows = ["video,block,scene,is_possible", "m1.mp4,O1,07,true", row]
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=re.escape(f"{tmp_path / message}")):
        ProbeDataset(tmp_path)
