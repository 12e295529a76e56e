"""Output files are checked before a tool does its work, so a slow audit or drill never ends in
"cannot write the report"."""

from __future__ import annotations

import os
from pathlib import Path

from toms import interruption


class OutputPathError(Exception):
    """An output path the tool could not write: the message names the option and the path."""


def check_output_file(path: Path, option: str) -> None:
    """`path` can be created or overwritten as a file."""
    if path.is_dir():
        raise OutputPathError(f"{option} {path}: is a folder; expected a file name")
    parent = path.parent
    if not parent.is_dir():
        raise OutputPathError(f"{option} {path}: the folder {parent} does not exist")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{option} {path}: the file is not writable")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: the folder {parent} is not writable")


def check_output_folder(path: Path, option: str) -> None:
    """`path` is a writable folder, or can be created as one (its nearest existing parent is writable)."""
    if path.exists():
        if not path.is_dir():
            raise OutputPathError(f"{option} {path}: is a file; expected a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputPathError(f"{option} {path}: the folder is not writable")
        return
    existing = next(parent for parent in path.absolute().parents if parent.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: cannot be created, {existing} is not a writable folder")


def write_text(path: Path, content: str, option: str) -> None:
    """Writes the whole file or, on failure, leaves none behind (a partial file could read as a pass)."""
    temporary = path.with_name(f".{path.name}.partial")
    # A signal that ends the command (toms/interruption.py) waits for the file, so none is left half-written.
    with interruption.held():
        try:
            temporary.write_text(content, encoding="utf-8")
            temporary.replace(path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise OutputPathError(f"{option} {path}: cannot be written: {error}") from None
