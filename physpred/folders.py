"""Output folders that the command-line front-ends check before doing any work."""

from __future__ import annotations

import tempfile
from pathlib import Path


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
