"""Find the videos and probe movies under a root folder, in the layouts physpred reads.

Training videos: ``root/manifest.jsonl`` (written by ``physpred world videos``; one JSON object
per line with ``path`` relative to root and ``frames``), else every video file under root.

Probe movies: the IntPhys layout ``root/<block>/<scene>/<movie>/scene/*.png`` with optional
``status.json`` (``{"header": {"is_possible": bool}}``), or a CSV manifest
(``video,block,scene,is_possible``; ``video`` relative to the CSV's folder), given as the CSV
file itself or as a folder holding ``manifest.csv``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from physpred.data.readers import VIDEO_EXTENSIONS, is_video_file, natural_key

ACCEPTED_VIDEO_LAYOUTS = (
    "  - DIR/manifest.jsonl (from `physpred world videos`) listing DIR/videos/*.mp4\n"
    f"  - any folder with video files ({', '.join(VIDEO_EXTENSIONS)}), searched recursively"
)
ACCEPTED_PROBE_LAYOUTS = (
    "  - IntPhys: DIR/<block>/<scene>/<movie>/scene/*.png (+ optional <movie>/status.json)\n"
    "  - CSV manifest: a .csv file, or DIR/manifest.csv, with columns "
    "video,block,scene,is_possible (video paths relative to the CSV)"
)


@dataclass(frozen=True)
class VideoEntry:
    """One training video.

    Attributes:
        path: the file.
        num_frames: its frame count when a manifest says so, else None (probe the file).
    """

    path: Path
    num_frames: int | None


@dataclass(frozen=True)
class ProbeEntry:
    """One probe movie (frames not loaded).

    Attributes:
        video: id, the movie's path relative to the root (``"O1/01/3"``).
        block: block name (``"O1"``).
        scene: scene id (``"O1/01"``).
        is_possible: label, None when unknown.
        path: a video file or a folder of frames.
        pair: the pair id a probe generator wrote down (``header.pair``, CSV column ``pair``),
            used only to break ties of the prefix rule; None when absent.
        event: what happens in the movie (``header.event``, CSV column ``event``, e.g.
            ``"vanish"``), for per-event reports only; None when absent.
        violation_frames: 1-based frames where the movie differs from its pair partner
            (``header.violation_frames``, written by ``physpred world probes``), for the
            window-by-window diagnostics; empty when absent.
    """

    video: str
    block: str
    scene: str
    is_possible: bool | None
    path: Path
    pair: str | None = None
    event: str | None = None
    violation_frames: tuple[int, ...] = ()


def find_videos(root: str | Path) -> list[VideoEntry]:
    """The training videos under ``root``, from its manifest or by scanning (sorted by path).

    Raises:
        FileNotFoundError: root is missing, or holds no video in an accepted layout.
        ValueError: a manifest line is not valid JSON or lacks ``path``.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root}: no such folder; accepted layouts:\n{ACCEPTED_VIDEO_LAYOUTS}"
        )
    manifest = root / "manifest.jsonl"
    if manifest.is_file():
        return _read_jsonl_manifest(manifest)
    entries = [VideoEntry(p, None) for p in sorted(root.rglob("*")) if is_video_file(p)]
    if not entries:
        raise FileNotFoundError(
            f"{root}: no videos found; accepted layouts:\n{ACCEPTED_VIDEO_LAYOUTS}"
        )
    return entries


def _read_jsonl_manifest(manifest: Path) -> list[VideoEntry]:
    entries = []
    for number, line in enumerate(manifest.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            path = manifest.parent / record["path"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(
                f"{manifest}:{number}: expected a JSON object with a 'path' key ({error})"
            ) from error
        frames = record.get("frames")
        entries.append(VideoEntry(path, int(frames) if frames is not None else None))
    return entries


def find_probe_movies(root: str | Path) -> list[ProbeEntry]:
    """The probe movies under ``root`` (IntPhys layout or CSV manifest), sorted by id.

    Raises:
        FileNotFoundError: root is in no accepted layout (the message lists them).
        ValueError: a CSV manifest is malformed.
    """
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv":
        return _read_csv_manifest(root)
    if (root / "manifest.csv").is_file():
        return _read_csv_manifest(root / "manifest.csv")
    scenes = sorted(root.glob("*/*/*/scene")) if root.is_dir() else []
    entries = [_intphys_entry(root, folder) for folder in scenes if folder.is_dir()]
    if not entries:
        raise FileNotFoundError(
            f"{root}: no probe movies found; accepted layouts:\n{ACCEPTED_PROBE_LAYOUTS}"
        )
    return sorted(entries, key=lambda e: natural_key(e.video))


def _intphys_entry(root: Path, scene_folder: Path) -> ProbeEntry:
    movie = scene_folder.parent
    block, scene, name = movie.relative_to(root).parts
    status = movie / "status.json"
    header: dict[str, Any] = {}
    if status.is_file():
        try:
            header = json.loads(status.read_text())["header"]
            is_possible = header["is_possible"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(
                f'{status}: expected {{"header": {{"is_possible": true|false}}}} ({error})'
            ) from error
    else:
        is_possible = None
    pair = str(header["pair"]) if header.get("pair") is not None else None
    return ProbeEntry(
        f"{block}/{scene}/{name}",
        block,
        f"{block}/{scene}",
        is_possible,
        scene_folder,
        pair,
        header.get("event"),
        tuple(int(f) for f in header.get("violation_frames") or ()),
    )


def _read_csv_manifest(manifest: Path) -> list[ProbeEntry]:
    with manifest.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    needed = {"video", "block", "scene", "is_possible"}
    if not rows or not needed <= set(rows[0]):
        raise ValueError(f"{manifest}: needs a header row with columns {sorted(needed)}")
    entries = []
    for row in rows:
        label = row["is_possible"].strip().lower()
        if label not in ("true", "false", "1", "0", ""):
            raise ValueError(
                f"{manifest}: is_possible must be true/false/1/0 or empty, got {row['is_possible']!r}"
            )
        entries.append(
            ProbeEntry(
                video=row["video"],
                block=row["block"],
                scene=f"{row['block']}/{row['scene']}",
                is_possible=None if label == "" else label in ("true", "1"),
                path=manifest.parent / row["video"],
                pair=row.get("pair") or None,
                event=row.get("event") or None,
            )
        )
    return sorted(entries, key=lambda e: natural_key(e.video))
