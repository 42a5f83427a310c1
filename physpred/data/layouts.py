"""Find the videos and probe movies under a root folder, in the layouts physpred reads.

Training videos: ``root/manifest.jsonl`` (written by ``physpred world videos``; one JSON object
per line with ``path`` relative to root, ``frames``, and ``masks`` where the video has an
instance-mask file), else every video file under root.

Probe movies: the IntPhys layout ``root/<block>/<scene>/<movie>/scene/*.png`` with optional
``status.json`` (``{"header": {"is_possible": bool}}``) and optional instance masks
``<movie>/masks/*.png`` (ids by name in ``header.masks``), or a CSV manifest
(``video,block,scene,is_possible``; ``video`` relative to the CSV's folder), given as the CSV
file itself or as a folder holding ``manifest.csv``.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from physpred.data.probe_checks import parse_header, summarise
from physpred.data.readers import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, is_video_file, natural_key

ACCEPTED_VIDEO_LAYOUTS = (
    "  - DIR/manifest.jsonl (from `physpred world videos`) listing DIR/videos/*.mp4\n"
    f"  - any folder with video files ({', '.join(VIDEO_EXTENSIONS)}), searched recursively"
)
ACCEPTED_PROBE_LAYOUTS = (
    "  - IntPhys: DIR/<block>/<scene>/<movie>/scene/*.png (+ optional <movie>/status.json)\n"
    "  - CSV manifest: a .csv file, or DIR/manifest.csv, with columns "
    "video,block,scene,is_possible (video paths relative to the CSV)\n"
    "  - IntPhys 2: one split, DIR/metadata.csv and DIR/Videos/*.mp4\n"
    "  - GRASP: DIR/P_<property>/<name> and DIR/IP_<property>/<name>\n"
    "  - InfLevel-lab: DIR/<property>/*.mp4 and DIR/<property>.csv (V-JEPA's index)"
)


@dataclass(frozen=True)
class VideoEntry:
    """One training video.

    Attributes:
        path: the file.
        num_frames: its frame count when a manifest says so, else None (probe the file).
        masks: its instance-mask file when a manifest says so, else None (look beside it).
        kind: the scene kind a manifest gives (``physpred world videos``: ``"fall"``,
            ``"support"``, ...), else None; for benchmarks that read one kind of scene.
    """

    path: Path
    num_frames: int | None
    masks: Path | None = None
    kind: str | None = None


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
        masks: the folder of its instance masks (``<movie>/masks``), None when it has none.
        mask_names: mask id by part name (``header.masks``); empty when absent.
        tags: what the benchmark breaks its score down by (``{"difficulty": "Hard"}``),
            beside the block; empty for IntPhys and CSV manifests.
        first_frame: 0-based source frame the movie starts at; earlier frames are cut (the
            familiarisation part of an InfLevel trial).
    """

    video: str
    block: str
    scene: str
    is_possible: bool | None
    path: Path
    pair: str | None = None
    event: str | None = None
    violation_frames: tuple[int, ...] = ()
    masks: Path | None = None
    mask_names: dict[str, int] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    first_frame: int = 0


def find_videos(root: str | Path, allow_outside_root: bool = False) -> list[VideoEntry]:
    """The training videos under ``root``, from its manifest or by scanning (sorted by path).

    Args:
        root: the dataset folder.
        allow_outside_root: accept manifest paths that are absolute or climb out of ``root``
            (``../other/a.mp4``); refused by default, since a manifest copied or edited by hand
            then reads files nobody meant to train on.

    Raises:
        FileNotFoundError: root is missing, or holds no video in an accepted layout.
        ValueError: a manifest line is not a JSON object with a ``path`` string, has a
            ``frames`` that is not a positive whole number, or leaves the folder; the message
            names the file and line.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root}: no such folder; accepted layouts:\n{ACCEPTED_VIDEO_LAYOUTS}"
        )
    manifest = root / "manifest.jsonl"
    if manifest.is_file():
        return _read_jsonl_manifest(manifest, allow_outside_root)
    entries = [VideoEntry(p, None) for p in sorted(root.rglob("*")) if is_video_file(p)]
    if not entries:
        raise FileNotFoundError(
            f"{root}: no videos found; accepted layouts:\n{ACCEPTED_VIDEO_LAYOUTS}"
        )
    return entries


def _read_jsonl_manifest(manifest: Path, allow_outside_root: bool) -> list[VideoEntry]:
    entries = []
    for number, line in enumerate(manifest.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{manifest}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not valid JSON ({error}); fix or delete the line") from None
        if not isinstance(record, dict) or not isinstance(record.get("path"), str):
            raise ValueError(f"{where}: expected a JSON object with a 'path' string")
        frames = record.get("frames")
        if frames is not None and (type(frames) is not int or frames < 1):
            raise ValueError(
                f"{where}: 'frames' must be a positive whole number or absent, got {frames!r}"
            )
        masks = record.get("masks")
        if masks is not None and not isinstance(masks, str):
            raise ValueError(f"{where}: 'masks' must be a path string or absent, got {masks!r}")
        kind = record.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise ValueError(f"{where}: 'kind' must be a string or absent, got {kind!r}")
        paths = [_inside(manifest, where, p, allow_outside_root) for p in (record["path"], masks)]
        entries.append(VideoEntry(paths[0], frames, paths[1], kind))
    return entries


def _inside(manifest: Path, where: str, text: str | None, allow_outside_root: bool) -> Path | None:
    """A manifest's path ``text`` (None stays None) as a path, refused where it leaves the
    manifest's folder unless allowed."""
    if text is None:
        return None
    path = Path(os.path.normpath(text))  # lexical: symlinks inside root are fine
    if not allow_outside_root and (path.is_absolute() or path.parts[:1] == ("..",)):
        raise ValueError(
            f"{where}: path {text!r} leaves {manifest.parent}; move the file into "
            "the folder, or allow it with allow_outside_root=True (--data.allow_outside_root true)"
        )
    return manifest.parent / path


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
    # A movie is a folder with frames or a label: one whose frames were deleted must still be
    # seen, or its scene would silently lose a movie (see incomplete_scenes).
    movies = set()
    if root.is_dir():
        movies |= {folder.parent for folder in root.glob("*/*/*/scene") if folder.is_dir()}
        movies |= {status.parent for status in root.glob("*/*/*/status.json") if status.is_file()}
    entries = [_intphys_entry(root, movie) for movie in sorted(movies)]
    if not entries:
        raise FileNotFoundError(
            f"{root}: no probe movies found; accepted layouts:\n{ACCEPTED_PROBE_LAYOUTS}"
        )
    return sorted(entries, key=lambda e: natural_key(e.video))


def _intphys_entry(root: Path, movie: Path) -> ProbeEntry:
    block, scene, name = movie.relative_to(root).parts
    status = movie / "status.json"
    fields: dict[str, Any] = {"is_possible": None}
    header: Any = {}
    if status.is_file():
        try:
            saved = json.loads(status.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(
                f'{status}: not valid JSON ({error}); expected {{"header": {{"is_possible": true|false}}}}'
            ) from error
        header = saved.get("header") if isinstance(saved, dict) else None
        fields = parse_header(header, str(status))
    names = (header or {}).get("masks") or {}
    if not isinstance(names, dict):
        raise ValueError(
            f'{status}: header.masks must map part names to ids, e.g. {{"object_1": 1}}'
        )
    masks = movie / "masks" if (movie / "masks").is_dir() else None
    return ProbeEntry(
        f"{block}/{scene}/{name}", block, f"{block}/{scene}", path=movie / "scene", masks=masks, mask_names=names, **fields
    )


class IncompleteSceneError(ValueError):
    """A labelled probe scene is not a full quadruplet; pairing it could cross draws.

    Attributes:
        scene: the scene id (``"G1/02"``).
        reason: what is wrong with it, one line.
    """

    def __init__(self, root: Path, scene: str, reason: str) -> None:
        super().__init__(f"{root}: scene {scene} is incomplete ({reason})")
        self.scene, self.reason = scene, reason


def incomplete_scenes(entries: Sequence[ProbeEntry], per_label: int = 2) -> dict[str, str]:
    """The scenes that cannot be scored as they are, with the reason for each.

    A labelled scene must hold exactly ``per_label`` possible and as many impossible movies
    (two: a quadruplet; one: a benchmark whose scenes are pairs, GRASP and InfLevel): with one movie
    missing, the prefix rule pairs the orphan with a movie of the other draw and the accuracy
    moves without a word. Any movie, labelled or not, must have frames. Unlabelled scenes (a
    test set) may hold any number of movies; they form no pairs.

    Args:
        entries: the probe movies, as found by :func:`find_probe_movies`.
        per_label: possible (and impossible) movies of a complete scene.

    Returns:
        scene id -> reason, in scene order; empty when every scene is complete.
    """
    scenes: dict[str, list[ProbeEntry]] = {}
    for entry in entries:
        scenes.setdefault(entry.scene, []).append(entry)
    problems = {}
    for scene, movies in scenes.items():
        empty = [m.video for m in movies if not _has_frames(m.path)]
        counts = [sum(m.is_possible is label for m in movies) for label in (True, False, None)]
        if empty:
            problems[scene] = f"no frames in movie {summarise(empty)}"
        elif counts[2] < len(movies) and counts != [per_label, per_label, 0]:
            unlabelled = f", {counts[2]} unlabelled" if counts[2] else ""
            whole = "a quadruplet" if per_label == 2 else "a scene of this layout"
            problems[scene] = (
                f"{counts[0]} possible and {counts[1]} impossible movies{unlabelled}; "
                f"{whole} has {per_label} and {per_label}"
            )
    return problems


def _has_frames(path: Path) -> bool:
    """A non-empty video file, or a folder holding at least one image."""
    if path.is_dir():
        return any(p.suffix.lower() in IMAGE_EXTENSIONS for p in path.iterdir())
    return path.is_file() and path.stat().st_size > 0


def _read_csv_manifest(manifest: Path) -> list[ProbeEntry]:
    with manifest.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a BOM is no header
        reader = csv.DictReader(handle)
        rows = [(reader.line_num, row) for row in reader]
    needed = ["video", "block", "scene", "is_possible"]
    if not rows or not set(needed) <= set(rows[0][1]):
        raise ValueError(f"{manifest}: needs a header row with columns {sorted(needed)}")
    entries = []
    for line, row in rows:
        empty = [name for name in needed[:3] if not row[name]]
        if empty or row["is_possible"] is None:  # None: the row has fewer cells than the header
            raise ValueError(
                f"{manifest}:{line}: no value for {', '.join(empty or ['is_possible'])}; every "
                "row needs video, block, scene and an is_possible cell (empty when unknown)"
            )
        label = row["is_possible"].strip().lower()
        if label not in ("true", "false", "1", "0", ""):
            raise ValueError(
                f"{manifest}:{line}: is_possible must be true/false/1/0 or empty, "
                f"got {row['is_possible']!r}"
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
