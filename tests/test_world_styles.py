"""Other looks for probes and other mixes of scene kinds for training videos."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from physpred.world.cli import main
from physpred.world.samplers import parse_kinds, training_scene
from physpred.world.styles import DAPPLE_RANGE, restyle


def test_styles_are_pixelwise_maps() -> None:
    frames = np.random.default_rng(0).integers(0, 256, (3, 4, 4, 3), dtype=np.uint8)
    assert restyle(frames, "standard") is frames
    assert np.array_equal(restyle(frames, "negative"), 255 - frames)
    swapped = restyle(frames, "swapped")
    assert np.array_equal(swapped[..., 0], 255 - frames[..., 2])
    assert np.array_equal(255 - swapped[..., ::-1], frames)  # invertible: shared frames stay shared
    pixels = np.array([[[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]]], np.uint8)
    grey = restyle(pixels, "grey")
    assert grey.dtype == np.uint8 and np.array_equal(grey[..., 0], [[[76, 150, 29, 18]]])  # BT.601
    assert (grey == grey[..., :1]).all()
    flat = np.full((2, 40, 40, 3), 200, np.uint8)
    dappled = restyle(flat, "dappled")
    assert np.array_equal(dappled[0], dappled[1]) and (dappled == dappled[..., :1]).all()
    assert dappled.min() == round(200 * DAPPLE_RANGE[0]) and dappled.max() == 250  # 200 x 1.25
    assert np.array_equal(restyle(flat, "dappled"), dappled)  # the same pattern in every movie
    with pytest.raises(ValueError, match="--style"):
        restyle(frames, "sepia")


def test_probe_style_changes_pixels_not_structure(tmp_path: Path) -> None:
    common = ["--scenes", "1", "--blocks", "O1", "--size", "32", "--frames", "48", "--workers", "1"]
    assert main(["probes", "--out", str(tmp_path / "a"), *common]) == 0
    assert main(["probes", "--out", str(tmp_path / "b"), *common, "--style", "negative"]) == 0
    for movie in ("1", "2", "3", "4"):
        a, b = (tmp_path / d / "O1" / "01" / movie for d in ("a", "b"))
        header_a = json.loads((a / "status.json").read_text())["header"]
        header_b = json.loads((b / "status.json").read_text())["header"]
        assert header_b.pop("style") == "negative" and header_a.pop("style") == "standard"
        assert header_a == header_b  # same scenes, same violation frames
        frame = "scene/scene_030.png"
        pixels_a = cv2.imread(str(a / frame))
        assert np.array_equal(cv2.imread(str(b / frame)), 255 - pixels_a)


def test_parse_kinds_and_its_errors() -> None:
    assert parse_kinds("occlusion=3, gap=1.5") == {"occlusion": 3.0, "gap": 1.5}
    for text, message in [("warp=1", "KIND=WEIGHT"), ("gap", "KIND=WEIGHT"), ("gap=0", "positive"),
                          ("gap=x", "positive"), ("", "at least one")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            parse_kinds(text)


def test_kinds_choose_the_scenes() -> None:
    rng = np.random.default_rng(0)
    kinds = {training_scene(rng, 60, 15, 200.0, {"gap": 1.0}).kind for _ in range(10)}
    assert kinds == {"gap"}


def test_videos_kinds_option_is_checked(tmp_path: Path, capsys) -> None:
    argv = ["videos", "--out", str(tmp_path), "--videos", "1", "--frames", "6", "--size", "32"]
    assert main([*argv, "--kinds", "nothing=1"]) == 2
    assert "--kinds" in capsys.readouterr().err
    assert main([*argv, "--kinds", "fall=1", "--workers", "1"]) == 0
    entry = json.loads((tmp_path / "manifest.jsonl").read_text().splitlines()[0])
    assert entry["kind"] == "fall"
