"""Probe sets checked as the benchmark defines them, before any movie is scored.

Pure functions over :class:`~physpred.data.layouts.ProbeEntry` lists (and frame counts read
beforehand), so that every layout gets the same checks:

- names that become output file names stay inside the output folder (:func:`unsafe_names`);
- a status.json header has the types the benchmark gives it (:func:`parse_header`);
- the movies of a scene are distinct and of one frame count (after a layout's explicit trim,
  ``ProbeEntry.first_frame``), with violation frames inside the movie (:func:`scene_problems`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

LISTED = 3
"""Items named in a message before the rest are counted (``a, b, c and 9997 more``)."""


def summarise(items: Sequence[str], limit: int = LISTED) -> str:
    """The first ``limit`` items and a count of the rest: a message stays one short line."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def plain_name(name: str) -> bool:
    """True for a name that is safe as one path component (no separator, not ``.``/``..``)."""
    return bool(name) and name not in (".", "..") and not {"/", "\\", "\0"} & set(name)


def inside_name(name: str) -> bool:
    """True for a relative path that stays where it is put (no ``..``, not absolute)."""
    return bool(name) and "\0" not in name and not name.startswith(("/", "\\")) and ".." not in re.split(r"[/\\]", name)


def unsafe_names(entries: Sequence[Any]) -> list[str]:
    """Names that would lead out of an output folder, as ``block 'x/../y'``.

    A block's name becomes the name of its plot (``surprise_<block>.png``): it must be a plain
    name. A movie id becomes the path of its stored scores (``movies/<id>.npz``) and may hold
    folders, but must not climb out; scene ids are held to the same rule.
    """
    bad = {f"block {e.block!r}" for e in entries if not plain_name(e.block)}
    bad |= {f"scene {e.scene!r}" for e in entries if not inside_name(e.scene)}
    bad |= {f"movie {e.video!r}" for e in entries if not inside_name(e.video)}
    return sorted(bad)


def parse_header(header: object, where: str) -> dict[str, Any]:
    """The fields physpred reads from a status.json ``header``, type-checked.

    Args:
        header: the ``header`` value of a status.json.
        where: the file, for messages.

    Returns:
        ``{"is_possible": bool, "pair": str | None, "event": str | None,
        "violation_frames": tuple[int, ...]}``.

    Raises:
        ValueError: one line naming the file and the field: ``is_possible`` not a JSON boolean
            (``"false"`` would count as possible), ``pair`` not a string or whole number,
            ``event`` not a string, ``violation_frames`` not a list of whole numbers >= 1.
    """
    if not isinstance(header, dict):
        raise ValueError(f'{where}: expected {{"header": {{"is_possible": true|false}}}}')
    label = header.get("is_possible")
    if type(label) is not bool:
        raise ValueError(
            f"{where}: header.is_possible must be true or false (a JSON boolean), got {label!r}; "
            "fix the file"
        )
    pair = header.get("pair")
    if pair is not None and (type(pair) not in (str, int)):
        raise ValueError(f"{where}: header.pair must be a string or a whole number, got {pair!r}")
    event = header.get("event")
    if event is not None and not isinstance(event, str):
        raise ValueError(f"{where}: header.event must be a string, got {event!r}")
    frames = header.get("violation_frames") or []
    if not isinstance(frames, list) or any(type(f) is not int or f < 1 for f in frames):
        raise ValueError(
            f"{where}: header.violation_frames must be a list of frame numbers >= 1, "
            f"got {frames!r}"
        )
    return {
        "is_possible": label,
        "pair": None if pair is None else str(pair),
        "event": event,
        "violation_frames": tuple(frames),
    }


def scene_problems(entries: Sequence[Any], frame_counts: Mapping[str, int]) -> dict[str, str]:
    """The scenes that break the benchmark's definition, with the reason for each.

    A scene must hold distinct movies (a duplicated manifest row would score a movie twice and
    drop its sibling), all of one frame count (a movie cut short changes the
    windows it is scored on, and its score with them), with violation frames inside the movie
    (an out-of-range frame would silently drop the event's expectation row). Label counts and
    movies without frames are :func:`physpred.data.layouts.incomplete_scenes`' job.

    Args:
        entries: the probe movies.
        frame_counts: movie id -> its number of frames as scored (0: none).

    Returns:
        scene id -> reason, in scene order.
    """
    scenes: dict[str, list[Any]] = {}
    for entry in entries:
        scenes.setdefault(entry.scene, []).append(entry)
    problems = {}
    for scene, movies in scenes.items():
        ids = Counter(m.video for m in movies)
        paths = Counter(Path(m.path).resolve() for m in movies)
        twice = sorted({m.video for m in movies if ids[m.video] > 1 or paths[Path(m.path).resolve()] > 1})
        counts = {m.video: frame_counts.get(m.video, 0) for m in movies}
        lengths = Counter(counts.values())
        late = [
            f"{m.video} frame {max(m.violation_frames)}"
            for m in movies
            if m.violation_frames and max(m.violation_frames) > counts[m.video] > 0
        ]
        if twice:
            problems[scene] = f"movie {summarise(twice)} listed twice; the movies of a scene must be distinct"
        elif len(lengths) > 1 and 0 not in lengths:
            usual = lengths.most_common(1)[0][0]
            odd = [f"{v} has {n}" for v, n in counts.items() if n != usual]
            problems[scene] = f"movies differ in length: {summarise(odd)}, the others {usual} frames"
        elif late:
            problems[scene] = f"violation frames past the movie's end ({summarise(late)})"
    return problems
