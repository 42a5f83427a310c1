"""Read one split of IntPhys 2 (Bordes et al. 2025) as it is downloaded.

A split folder (``Debug``, ``Main`` or ``HeldOut``) holds ``metadata.csv`` and ``Videos/``.
Each row of ``metadata.csv`` names a video (``filename``, or ``name`` in some copies, without
``.mp4``), its scene (``SceneIndex``), its ``type`` (``1_Possible``, ``1_Impossible``,
``2_Possible``, ``2_Impossible``: two pairs per scene), its ``condition`` (``permanence``,
``immutability``, ``immutability_texture``, ``continuity``, ``continuity_swap``, ``solidity``),
its environment ``env`` and its ``game_name``. HeldOut comes without labels: its rows may lack
``type`` and ``condition``, and without a ``metadata.csv`` every video under ``Videos/`` is read.

What is taken from where (facebookresearch/IntPhys2): the columns and the path rule from
``IntPhys2_transformers.py``; the condition groups, the difficulty of each environment and the
camera of each game from ``ComputeScoreIntPhys2.ipynb``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from physpred.data.layouts import ProbeEntry
from physpred.data.readers import natural_key

# ComputeScoreIntPhys2.ipynb: the four conditions the paper reports, and the variants of each
CONDITIONS = {
    "permanence": "permanence",
    "immutability": "immutability",
    "immutability_texture": "immutability",
    "continuity": "continuity",
    "continuity_swap": "continuity",
    "solidity": "solidity",
}
# ComputeScoreIntPhys2.ipynb: the Main split's Easy / Medium / Hard sub-splits by environment
DIFFICULTY = {
    "BasicLevel_0": "Easy",
    **dict.fromkeys(["SaltFlats_0", "DesertMap_0", "RaceTrack_0", "TropicalIsland_0"], "Medium"),
    **dict.fromkeys(
        ["PLVDaylight_0", "Egypt_0", "RuralAustralia03_0", "ParkingGarage_0", "None"], "Hard"
    ),
}
# ComputeScoreIntPhys2.ipynb: fixed- and moving-camera games of the Main split
CAMERA = {
    **dict.fromkeys(
        ["FixedMarryPoppins", "FixedJumpSolidity", "RotatingCup", "HotAirBallon",
         "SphereFallingDown", "SolidityFallingFlat"],
        "fixed",
    ),
    **dict.fromkeys(
        ["SphereFallingDownSoldity", "BoxSoldity", "Scaffoling", "CameraSolidity", "JumpSolidity",
         "Box", "MovingAroundOccluder", "JailStone", "PrisonCell", "Restaurant"],
        "moving",
    ),
}
TYPES = ("1_Possible", "1_Impossible", "2_Possible", "2_Impossible")


def is_intphys2_split(root: Path) -> bool:
    """A folder with ``Videos/`` (a split of IntPhys 2; HeldOut may come without its list)."""
    return (root / "Videos").is_dir()


def intphys2_splits(root: Path) -> list[str]:
    """The IntPhys 2 split folders directly under ``root`` (the unpacked download's top folder)."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and is_intphys2_split(p))


def read_intphys2(root: Path) -> list[ProbeEntry]:
    """The movies of one IntPhys 2 split, sorted by id.

    Movie id = the file name without ``.mp4`` (what the leaderboard's submission names);
    block = the condition (its variants folded in); scene = ``SceneIndex``; pair =
    ``<scene>/<1 or 2>``; tags: ``difficulty`` and ``camera`` where the environment and game
    are known, ``variant`` (the raw condition).

    Raises:
        FileNotFoundError: a video listed in ``metadata.csv`` is not in ``Videos/`` (a
            half-copied split), or the split holds no video.
        ValueError: ``metadata.csv`` lacks a column it needs, or a ``type`` is not one of
            :data:`TYPES`; the message names the file and line.
    """
    metadata = root / "metadata.csv"
    if not metadata.is_file():  # HeldOut copied without its list: every video, unlabelled
        return _videos_only(root)
    with metadata.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [(reader.line_num, row) for row in reader]
    columns = set(rows[0][1]) if rows else set()
    name_column = "filename" if "filename" in columns else "name"
    labelled = "type" in columns
    needed = {name_column, "SceneIndex"} | ({"condition"} if labelled else set())
    if not rows or not needed <= columns:
        raise ValueError(
            f"{metadata}: needs a header row with columns {sorted(needed)} "
            f"(found {sorted(columns)}); is this an IntPhys 2 split?"
        )
    entries = [_entry(root, metadata, line, row, name_column, labelled) for line, row in rows]
    kinds: dict[str, list[str]] = {}
    for entry in entries:
        if entry.pair is not None:
            kinds.setdefault(entry.scene, []).append(f"{entry.pair}/{entry.is_possible}")
    repeated = [scene for scene, seen in kinds.items() if len(seen) != len(set(seen))]
    if repeated:
        raise ValueError(f"{metadata}: scene {repeated[0]} lists a type twice; each type once")
    missing = [e.path.name for e in entries if not e.path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"{root}: {len(missing)} of {len(entries)} videos listed in metadata.csv are not in "
            f"Videos/ (first: {missing[0]}); finish copying the split"
        )
    return sorted(entries, key=lambda e: natural_key(e.video))


def _entry(
    root: Path, metadata: Path, line: int, row: dict[str, str], name_column: str, labelled: bool
) -> ProbeEntry:
    name = Path(row[name_column].strip()).name.removesuffix(".mp4")
    scene = row["SceneIndex"].strip()
    if not name or not scene:
        raise ValueError(f"{metadata}:{line}: empty {name_column} or SceneIndex")
    kind = row.get("type", "").strip() if labelled else ""
    if labelled and kind not in TYPES:
        raise ValueError(f"{metadata}:{line}: type must be one of {', '.join(TYPES)}, got {kind!r}")
    variant = (row.get("condition") or "").strip()
    tags = {"variant": variant} if variant else {}
    if row.get("env", "").strip() in DIFFICULTY:
        tags["difficulty"] = DIFFICULTY[row["env"].strip()]
    if row.get("game_name", "").strip() in CAMERA:
        tags["camera"] = CAMERA[row["game_name"].strip()]
    return ProbeEntry(
        video=name,
        block=CONDITIONS.get(variant, variant or "heldout"),
        scene=scene,
        is_possible=None if not kind else kind.endswith("_Possible"),
        path=root / "Videos" / f"{name}.mp4",
        pair=f"{scene}/{kind[0]}" if kind else None,
        tags=tags,
    )


def _videos_only(root: Path) -> list[ProbeEntry]:
    videos = sorted((root / "Videos").glob("*.mp4"), key=lambda p: natural_key(p.name))
    if not videos:
        raise FileNotFoundError(f"{root}: no metadata.csv and no Videos/*.mp4")
    return [ProbeEntry(p.stem, "heldout", p.stem, None, p) for p in videos]
