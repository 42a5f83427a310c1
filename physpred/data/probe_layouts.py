"""Which benchmark a probe folder holds, and how to read it.

Each layout is read as it is downloaded (see its module); :func:`detect_layout` recognises
one from the files it must have, and :func:`read_probe_set` reads it into
:class:`~physpred.data.layouts.ProbeEntry` rows. A folder that looks like a layout but lacks a
part stops with one line naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from physpred.data.grasp import is_grasp, read_grasp
from physpred.data.inflevel import is_inflevel, read_inflevel
from physpred.data.intphys2 import intphys2_splits, is_intphys2_split, read_intphys2
from physpred.data.layouts import ACCEPTED_PROBE_LAYOUTS, ProbeEntry, find_probe_movies


@dataclass(frozen=True)
class ProbeLayout:
    """One benchmark's layout.

    Attributes:
        name: what ``--layout`` takes.
        benchmark: its name in reports.
        read: root -> the movies.
        per_label: possible (and impossible) movies of a complete labelled scene.
        declared_pairs: the layout names each movie's partner (``ProbeEntry.pair``), so pairs
            are read, not found by the longest shared prefix.
    """

    name: str
    benchmark: str
    read: Callable[[Path], list[ProbeEntry]]
    per_label: int
    declared_pairs: bool


def _read_csv(root: Path) -> list[ProbeEntry]:
    if not (root.suffix.lower() == ".csv" or (root / "manifest.csv").is_file()):
        raise FileNotFoundError(f"{root}: a CSV manifest is a .csv file or a folder with manifest.csv")
    return find_probe_movies(root)


LAYOUTS = {
    layout.name: layout
    for layout in (
        ProbeLayout("intphys", "IntPhys", find_probe_movies, 2, False),
        ProbeLayout("csv", "CSV manifest", _read_csv, 2, False),
        ProbeLayout("intphys2", "IntPhys 2", read_intphys2, 2, True),
        ProbeLayout("grasp", "GRASP", read_grasp, 1, True),
        ProbeLayout("inflevel", "InfLevel-lab", read_inflevel, 1, True),
    )
}


def detect_layout(root: str | Path) -> str:
    """The name of the layout ``root`` is in.

    Raises:
        FileNotFoundError: root is missing, is the top folder of the IntPhys 2 download (a
            split must be chosen), or is in no known layout (the message lists them).
    """
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv" or (root / "manifest.csv").is_file():
        return "csv"
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder; accepted layouts:\n{ACCEPTED_PROBE_LAYOUTS}")
    if is_intphys2_split(root):
        return "intphys2"
    splits = intphys2_splits(root)
    if splits:
        raise FileNotFoundError(
            f"{root} holds the IntPhys 2 splits {', '.join(splits)}: pass one, e.g. "
            f"--data {root / splits[0]}"
        )
    if is_grasp(root):
        return "grasp"
    if is_inflevel(root):
        return "inflevel"
    return "intphys"  # find_probe_movies names the accepted layouts when this is none


def read_probe_set(root: str | Path, layout: str | None = None) -> tuple[ProbeLayout, list[ProbeEntry]]:
    """The layout of ``root`` (detected unless given) and its movies.

    Raises:
        ValueError: ``layout`` is not a known name.
        FileNotFoundError, ValueError: the folder is not in that layout or is half-copied
            (one line naming what is missing).
    """
    name = detect_layout(root) if layout is None else layout
    if name not in LAYOUTS:
        raise ValueError(f"--layout {name}: unknown; choose one of {', '.join(LAYOUTS)}")
    chosen = LAYOUTS[name]
    return chosen, chosen.read(Path(root))
