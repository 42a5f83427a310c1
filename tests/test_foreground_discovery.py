"""benchmarks/foreground_discovery.py: which perceptions it measures."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.foreground_discovery import _perceptions

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "perception" / "foreground_split_touching.yaml"


def _args(**given: object) -> argparse.Namespace:
    options = {"perception": None, "threshold": [0.05, 0.1], "opening": 0, "resting": 15, "scenery": 0, "ghosts": 0.0, "min_area": 4, "min_frames": 1}
    return argparse.Namespace(**{**options, **given})


def test_one_perception_per_threshold_from_the_options() -> None:
    built = _perceptions(_args())
    assert [p.threshold for _, p in built] == [0.05, 0.1] and all(not p.split_touching for _, p in built)


def test_a_perception_yaml_is_built_whole() -> None:
    [(label, perception)] = _perceptions(_args(perception=CONFIG))
    assert label == str(CONFIG)
    assert perception.split_touching and perception.track_static_objects and perception.min_frames == 3
