"""Tiny copies of each benchmark's downloaded layout, written by the tests (real H.264 mp4s).

Every movie is a few frames of ``index_frames`` (red = frame number) shifted by a per-movie
offset, so movies differ and a test can tell which frames it got.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from conftest import index_frames, write_video

SIZE = 32


def movie(path: Path, num_frames: int, offset: int) -> Path:
    """An mp4 of ``num_frames`` frames whose red channel is ``offset + frame number``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = index_frames(num_frames + offset, SIZE, SIZE)[offset:]
    return write_video(path, np.ascontiguousarray(frames))


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# IntPhys 2: two scenes of four; scene 7 a permanence scene of the Easy environment and a
# fixed camera, scene 9 a continuity_swap scene of a Hard environment and a moving camera.
INTPHYS2_ROWS = [
    (7, "1_Possible", "permanence", "BasicLevel_0", "RotatingCup"),
    (7, "1_Impossible", "permanence", "BasicLevel_0", "RotatingCup"),
    (7, "2_Possible", "permanence", "BasicLevel_0", "RotatingCup"),
    (7, "2_Impossible", "permanence", "BasicLevel_0", "RotatingCup"),
    (9, "1_Possible", "continuity_swap", "Egypt_0", "Box"),
    (9, "1_Impossible", "continuity_swap", "Egypt_0", "Box"),
    (9, "2_Possible", "continuity_swap", "Egypt_0", "Box"),
    (9, "2_Impossible", "continuity_swap", "Egypt_0", "Box"),
]


def intphys2_split(root: Path, frames: int = 12, labelled: bool = True) -> Path:
    """A split folder: metadata.csv + Videos/<scene>_<type>.mp4 (HeldOut-like when unlabelled)."""
    rows = []
    for number, (scene, kind, condition, env, game) in enumerate(INTPHYS2_ROWS):
        name = f"v{scene}_{kind}"
        movie(root / "Videos" / f"{name}.mp4", frames, 3 * number)
        row: dict[str, object] = {"filename": name, "SceneIndex": scene}
        if labelled:
            row |= {"type": kind, "condition": condition, "env": env, "game_name": game}
        rows.append(row)
    write_csv(root / "metadata.csv", rows)
    return root


GRASP_MOVIES = {"Collision": ["a.mp4", "b.mp4"], "Gravity": ["c.mp4"]}


def grasp(root: Path, frames: int = 12) -> Path:
    """P_<property>/<name> and IP_<property>/<name> for :data:`GRASP_MOVIES`."""
    number = 0
    for prop, names in GRASP_MOVIES.items():
        for name in names:
            for label in ("P", "IP"):
                movie(root / f"{label}_{prop}" / name, frames, 3 * number)
                number += 1
    return root


# InfLevel: (property, vid1 name, vid1 frames, vid2 name, vid2 frames, end_priming_2)
INFLEVEL_PAIRS = [
    ("continuity", "center__continuity__cup__duck__vv__LR", 20, "center__continuity__cup__duck__vi__LR", 18, 5),
    ("continuity", "center__continuity__cup__duck__ii__LR", 18, "center__continuity__cup__duck__iv__LR", 18, 5),
    ("gravity", "left__gravity__bigcup__ball__ui", 16, "left__gravity__bigcup__ball__uv", 17, 3),
]  # fmt: skip


def inflevel(root: Path) -> Path:
    """<property>/<name>.mp4 and V-JEPA's index <property>.csv for :data:`INFLEVEL_PAIRS`."""
    rows: dict[str, list[dict[str, object]]] = {}
    for number, (prop, one, n1, two, n2, end) in enumerate(INFLEVEL_PAIRS):
        movie(root / prop / f"{one}.mp4", n1, 2 * number)
        movie(root / prop / f"{two}.mp4", n2, 2 * number + 1)
        row: dict[str, object] = {}
        for key, name, label in (("vid1", one, "possible"), ("vid2", two, "impossible")):
            row |= {
                f"{key}_path": f"{prop}/{name}.mp4",
                f"{key}_start_priming_1": 0,
                f"{key}_end_priming_1": 0,
                f"{key}_start_priming_2": end - 2,
                f"{key}_end_priming_2": end,
                f"{key}_label": label,
            }
        rows.setdefault(prop, []).append(row)
    for prop, prop_rows in rows.items():
        write_csv(root / f"{prop}.csv", prop_rows)
    return root
