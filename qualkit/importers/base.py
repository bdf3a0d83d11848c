"""What every importer shares: building the Transcript and hashing the source."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..models import Case, Transcript, Turn


def file_sha256(path: Path) -> str:
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
