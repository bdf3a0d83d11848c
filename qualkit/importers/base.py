"""What every importer shares: building the Transcript and hashing the source."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from ..errors import Errors, QualkitError
from ..models import Case, Transcript, Turn


def regular_file(path: Path) -> Path:
    """``path`` when it is a regular file (or a link to one); otherwise the error that says what
    it is. A FIFO, a device or ``/dev/zero`` named ``*.txt`` would make a read wait or run forever."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        raise QualkitError(Errors.E001, path=path) from None
    except (OSError, RuntimeError) as err:  # ELOOP: a symlink loop
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise QualkitError(Errors.E002, path=path, reason=reason) from None
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        raise QualkitError(Errors.E141, path=path, kind=kind)
    return Path(path)


def file_sha256(path: Path) -> str:
    regular_file(path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_transcript(path: Path, sha256: str, fmt: str, turns: list[Turn], *, case: str | None = None,
                    attributes: dict[str, str] | None = None, encoding: str = "utf-8",
                    preamble: str = "") -> Transcript:
    """The case id defaults to the file stem, the way NVivo names a case after its source."""
    return Transcript(case=Case(id=case or path.stem, attributes=dict(attributes or {})),
                      source=str(path), format=fmt, sha256=sha256, turns=tuple(turns),
                      encoding=encoding, preamble=preamble)
