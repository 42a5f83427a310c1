"""Read GRASP (Jassim et al. 2023) as it is downloaded: a folder per property and label.

``root/P_<property>/<name>`` is a possible movie and ``root/IP_<property>/<name>`` the
impossible movie it is paired with: the two share a file name. Properties include
``Collision``, ``Continuity``, ``Gravity``, ``ObjectPermanence``, ``SolidityContinuity``,
``Unchangeableness`` and numbered variants (``Inertia2``).

What is taken from where: the folder and pairing rule from facebookresearch/jepa-intuitive-physics
``evaluation_code/evals/intuitive_physics/grasp_dataset.py`` (``P_{property}/{scene}`` and
``IP_{property}/{scene}``, labels 1 and 0), the property list from its ``utils.py``.
"""

from __future__ import annotations

from pathlib import Path

from physpred.data.layouts import ProbeEntry
from physpred.data.readers import is_video_file, natural_key


def is_grasp(root: Path) -> bool:
    """A folder with at least one ``P_*`` or ``IP_*`` folder."""
    return root.is_dir() and any(
        p.is_dir() and p.name.startswith(("P_", "IP_")) for p in root.iterdir()
    )


def read_grasp(root: Path) -> list[ProbeEntry]:
    """The movies of GRASP, sorted by id.

    Movie id = ``<P_ or IP_ folder>/<file name>``; block = the property; scene = pair =
    ``<property>/<file name>``.

    Raises:
        FileNotFoundError: a property has one of its two folders only, or a movie has no
            partner of the same name in the other folder (a half-copied download); the message
            names the first.
    """
    folders = {p.name: p for p in root.iterdir() if p.is_dir() and p.name.startswith(("P_", "IP_"))}
    properties = sorted({name.split("_", 1)[1] for name in folders}, key=natural_key)
    entries = []
    for prop in properties:
        possible, impossible = folders.get(f"P_{prop}"), folders.get(f"IP_{prop}")
        if possible is None or impossible is None:
            have, lack = ("P", "IP") if impossible is None else ("IP", "P")
            raise FileNotFoundError(
                f"{root}: {have}_{prop}/ has no {lack}_{prop}/ beside it; copy both folders"
            )
        names = {label: _movies(folder) for label, folder in ((True, possible), (False, impossible))}
        lonely = sorted(names[True] ^ names[False], key=natural_key)
        if lonely:
            where = f"P_{prop}" if lonely[0] in names[True] else f"IP_{prop}"
            other = f"IP_{prop}" if where == f"P_{prop}" else f"P_{prop}"
            raise FileNotFoundError(
                f"{root}: {where}/{lonely[0]} has no movie of the same name in {other}/ "
                f"({len(lonely)} unpaired); finish copying GRASP"
            )
        for label, folder in ((True, possible), (False, impossible)):
            for name in names[label]:
                scene = f"{prop}/{name}"
                entries.append(
                    ProbeEntry(f"{folder.name}/{name}", prop, scene, label, folder / name, scene)
                )
    if not entries:
        raise FileNotFoundError(f"{root}: the P_*/IP_* folders hold no video")
    return sorted(entries, key=lambda e: natural_key(e.video))


def _movies(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if is_video_file(p)}
