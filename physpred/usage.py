"""What the command-line front-ends share about user mistakes: one-line messages, the debug
switch that shows the full traceback instead, and output folders checked before any work."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DEBUG_VARIABLE = "PHYSPRED_DEBUG"
"""Set to 1 to see the full traceback of an error that is otherwise printed on one line."""


def debug_enabled() -> bool:
    """True when ``PHYSPRED_DEBUG`` is set to anything but empty or ``0``."""
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def one_line(error: BaseException | str) -> str:
    """An error's message (or any text) on one line; an error's type name when it is empty.

    Continuation lines are joined in parentheses: ``first (second; third)``.
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__ if isinstance(error, BaseException) else ""
    return lines[0] + (f" ({'; '.join(lines[1:])})" if len(lines) > 1 else "")


def unwritable_reason(folder: Path) -> str | None:
    """Why files cannot be written under ``folder`` (created when missing), or None if they can.

    Nothing is left behind: the nearest existing ancestor must be a folder in which a file can
    be created, and the test file is anonymous.

    Args:
        folder: the output folder, existing or not.

    Returns:
        One line naming the path at fault, or None.
    """
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        return f"cannot write in {existing} ({error.strerror})"
    return None
