"""Imports follow the data flow world -> data -> models -> lit -> eval -> viz, never back up.

Read from the source (every ``import`` statement, also inside functions), so a lazy import
that climbs back up fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "physpred"
ORDER = ["types", "files", "world", "data", "models", "lit", "eval", "viz"]  # each may import those before it
ALLOWED_UP = {("eval", "viz")}  # the probe report draws its surprise figures with viz
NO_LIGHTNING = {"types", "world", "models"}  # the model itself is plain torch (data has its DataModules)


def imported(path: Path) -> set[str]:
    """Top-level names of every module that ``path`` imports (``physpred.lit`` -> ``physpred.lit``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package: Path) -> list[str]:
    """``file: imports X`` for each import that climbs back up the order."""
    found = []
    for path in sorted(package.rglob("*.py")):
        part = path.relative_to(package).parts[0].removesuffix(".py")
        if part not in ORDER:
            continue  # the command-line entry point and the package root tie everything together
        for name in imported(path):
            pieces = name.split(".")
            if pieces[0] in ("pytorch_lightning", "lightning") and part in NO_LIGHTNING:
                found.append(f"{path.relative_to(package.parent)}: imports {name}")
            if pieces[0] != "physpred" or len(pieces) < 2 or pieces[1] not in ORDER:
                continue
            if ORDER.index(pieces[1]) > ORDER.index(part) and (part, pieces[1]) not in ALLOWED_UP:
                found.append(f"{path.relative_to(package.parent)}: imports {name}")
    return found


def test_no_import_climbs_back_up() -> None:
    assert violations(PACKAGE) == []


def test_the_check_catches_a_climbing_import(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "models" / "bad.py").write_text("def f():\n    from physpred.lit import FuturePredictionModule\n")
    (tmp_path / "models" / "plain.py").write_text("import pytorch_lightning as pl\nfrom physpred.data import clips\n")
    (tmp_path / "data" / "bad.py").write_text("import physpred.eval.metrics\n")
    assert violations(tmp_path) == [
        "physpred/data/bad.py: imports physpred.eval.metrics".replace("physpred", tmp_path.name, 1),
        "physpred/models/bad.py: imports physpred.lit".replace("physpred", tmp_path.name, 1),
        "physpred/models/plain.py: imports pytorch_lightning".replace("physpred", tmp_path.name, 1),
    ]
