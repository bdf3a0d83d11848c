"""Outputs are written whole or not at all: a temp file in the same folder, then an atomic rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from .errors import Errors, QualkitError

TEMP_SUFFIX = ".qualkit-tmp"


def remove_leftovers(folder: str | Path) -> int:
    """Delete temp files that a killed process left under ``folder`` (a rename it never made);
    the outputs themselves were never touched. Returns how many were removed."""
    removed = 0
    for leftover in Path(folder).rglob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                 newline: str | None = "") -> Iterator[IO]:
    """Open a temp file next to ``path``; on success flush, fsync and rename it over ``path``."""
    path = Path(path)
    if os.path.lexists(path) and (path.is_symlink() or not path.is_file()):
        kind = "a link" if path.is_symlink() else "a folder" if path.is_dir() else "a device or pipe"
        raise QualkitError(Errors.E142, path=path, reason=f"{kind} is there, not a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as err:
        raise QualkitError(Errors.E142, path=path, reason=err.strerror or type(err).__name__) from None
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; an output is an ordinary file
        os.replace(temp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(err, OSError) and not isinstance(err, FileNotFoundError):  # disk full ...
            raise QualkitError(Errors.E142, path=path,
                               reason=err.strerror or type(err).__name__) from None
        raise
