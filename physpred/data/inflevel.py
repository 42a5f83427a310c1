"""Read InfLevel-lab (Weihs et al. 2022) as V-JEPA's evaluation reads it.

``root/<property>/<location>__<property>__<cover>__<object>__<code>[__<direction>].mp4`` for
the properties ``continuity``, ``gravity`` and ``solidity``; the two movies of a pair differ in
``code`` only (continuity: ``vv`` possible with ``vi``, ``ii`` with ``iv``; gravity and
solidity: ``ui`` with ``uv``, ``cv`` with ``ci``). Each trial opens with familiarisation
(priming) that must not be scored; where it ends is not in the name, so the pairs, labels and
cut frames come from ``root/<property>.csv`` as V-JEPA ships them
(facebookresearch/jepa-intuitive-physics ``evaluation_code/auxiliary_data_loading_files/inflevel/``:
``vid1_path, ..., vid1_end_priming_2, vid1_label, vid2_path, ...``).

The cut (``inflevel_dataset.py`` without priming): a movie starts one frame after
``end_priming_2``, and the one whose remainder is longer drops its first frames until both
remainders have one length.
"""

from __future__ import annotations

import csv
from pathlib import Path

from physpred.data.layouts import ProbeEntry
from physpred.data.readers import video_info

PROPERTIES = ("continuity", "gravity", "solidity")
NEEDED = (
    "vid1_path", "vid1_end_priming_2", "vid1_label", "vid2_path", "vid2_end_priming_2", "vid2_label"
)


def is_inflevel(root: Path) -> bool:
    """A folder with a ``continuity``, ``gravity`` or ``solidity`` folder or index CSV."""
    return any((root / p).is_dir() or (root / f"{p}.csv").is_file() for p in PROPERTIES)


def parse_name(path: str) -> dict[str, str]:
    """The fields of an InfLevel file name.

    Example: ``continuity/center__continuity__darkbluecup__duck__vv__LR.mp4`` ->
    ``{"location": "center", "property": "continuity", "cover": "darkbluecup",
    "object": "duck", "code": "vv", "direction": "LR"}``.

    Raises:
        ValueError: fewer than five ``__``-separated fields.
    """
    fields = Path(path).name.removesuffix(".mp4").split("__")
    if len(fields) not in (5, 6):
        raise ValueError(
            f"{path}: expected <location>__<property>__<cover>__<object>__<code>[__<direction>].mp4"
        )
    names = ("location", "property", "cover", "object", "code", "direction")
    return dict(zip(names, fields, strict=False))


def read_inflevel(root: Path) -> list[ProbeEntry]:
    """The movies of InfLevel-lab, each cut after its familiarisation, sorted by id.

    Movie id = its path without ``.mp4``; block = the property; scene = pair = the name with
    the pair's two codes (``vv-vi``); tags: ``codes`` (the pair's codes).

    Raises:
        FileNotFoundError: a property folder has no index CSV beside it, or a movie the index
            lists is missing (a half-copied download).
        ValueError: an index CSV lacks a column, or the two movies of a row differ in more
            than their code; the message names the file and line.
    """
    entries = []
    for prop in PROPERTIES:
        index = root / f"{prop}.csv"
        if not index.is_file():
            if (root / prop).is_dir():
                raise FileNotFoundError(
                    f"{index} not found: copy evaluation_code/auxiliary_data_loading_files/"
                    f"inflevel/{prop}.csv from facebookresearch/jepa-intuitive-physics (it "
                    "says where each trial's familiarisation ends)"
                )
            continue
        entries += _read_index(root, index)
    if not entries:
        raise FileNotFoundError(f"{root}: no InfLevel index ({', '.join(PROPERTIES)}.csv)")
    return sorted(entries, key=lambda e: e.video)


def _read_index(root: Path, index: Path) -> list[ProbeEntry]:
    with index.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [(reader.line_num, row) for row in reader]
    if not rows or not set(NEEDED) <= set(rows[0][1]):
        raise ValueError(f"{index}: needs a header row with columns {', '.join(NEEDED)}")
    entries = []
    for line, row in rows:
        where = f"{index}:{line}"
        paths = [root / row["vid1_path"], root / row["vid2_path"]]
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(f"{where}: {path} not found; finish copying InfLevel")
        one, two = parse_name(row["vid1_path"]), parse_name(row["vid2_path"])
        if {k: v for k, v in one.items() if k != "code"} != {
            k: v for k, v in two.items() if k != "code"
        }:
            raise ValueError(f"{where}: the two movies of a pair may differ in their code only")
        labels = [row["vid1_label"].strip(), row["vid2_label"].strip()]
        if sorted(labels) != ["impossible", "possible"]:
            raise ValueError(f"{where}: labels must be one possible and one impossible, got {labels}")
        try:
            ends = [int(row["vid1_end_priming_2"]), int(row["vid2_end_priming_2"])]
        except ValueError:
            raise ValueError(f"{where}: end_priming_2 must be whole frame numbers") from None
        starts = trimmed_starts([video_info(p).num_frames for p in paths], ends)
        codes = f"{one['code']}-{two['code']}"
        scene = "__".join(codes if k == "code" else v for k, v in one.items())
        scene = f"{one['property']}/{scene}"
        names = (row["vid1_path"], row["vid2_path"])
        for path, label, start, name in zip(paths, labels, starts, names, strict=True):
            entries.append(
                ProbeEntry(
                    video=name.removesuffix(".mp4"),
                    block=one["property"],
                    scene=scene,
                    is_possible=label == "possible",
                    path=path,
                    pair=scene,
                    tags={"codes": codes},
                    first_frame=start,
                )
            )
    return entries


def trimmed_starts(lengths: list[int], priming_ends: list[int]) -> list[int]:
    """The first frame each movie of a pair keeps: after familiarisation, to one length.

    Example: lengths 400 and 398, familiarisation ends 329 and 329: the first is 2 frames
    longer after its familiarisation, so it starts at 332 and the second at 330, and both keep
    68 frames (V-JEPA keeps ``frames[end + 1 + excess:]`` of the longer one).

    Args:
        lengths: frames of the two movies.
        priming_ends: 0-based last familiarisation frame of each (``end_priming_2``).
    """
    excess = (lengths[0] - priming_ends[0]) - (lengths[1] - priming_ends[1])
    return [priming_ends[0] + 1 + max(excess, 0), priming_ends[1] + 1 + max(-excess, 0)]
