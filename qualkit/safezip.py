"""Reading what hostile archives hold (.qdpx projects, .docx transcripts, and the files a project
names on disk), with bounded memory.

A zip member declares how large it inflates, and deflate can pack about 1,000 bytes into one, so a
5 MB archive can hold gigabytes: read whole, it exhausts memory. So every member is checked before
it is read (its declared size, its compression ratio, and what the archive has already given), and
then read in pieces with a hard cap, because the declared size is only what the archive says.
Each refusal is one catalogue line naming the member, with the caller's fix.

The limits, and why:

- :data:`MEMBER_LIMIT` (500 MB): the most one member may inflate to. The largest real input seen
  is a 200 MB transcript (issue 25, item 22); a project.qde or a text source is plain XML or text,
  so twice that, and more, leaves room without letting one member take gigabytes.
- :data:`TOTAL_LIMIT` (1 GB): all the members read from one archive together. Only what qualkit
  reads counts: a .qdpx may also hold gigabytes of video, which is never read.
- :data:`RATIO_LIMIT` (500:1) above :data:`RATIO_FLOOR` (8 MB): transcripts deflate about 3:1,
  project XML about 16:1 (a generated 50,000-code codebook) and Word's styles.xml 29:1; even lines
  of nothing but spaces stay under 300:1. Bombs sit at deflate's ceiling, about 1,030:1. Members
  under the floor may compress as well as they like: they cannot exhaust memory.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import Errors, QualkitError

MB = 1_000_000  # decimal, as the messages (and most file managers) count
MEMBER_LIMIT = 500 * MB
TOTAL_LIMIT = 1000 * MB
RATIO_LIMIT = 500
RATIO_FLOOR = 8 * MB
_PIECE = 1 << 20  # bytes inflated at a time while reading


def size_text(size: int) -> str:
    """'1.5 GB'-style sizes for messages (decimal units, as file managers show them)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


@dataclass
class ReadBudget:
    """What may still be read out of one archive (or for one project); ``fix`` ends every message
    it raises."""

    path: Path
    fix: str
    member_limit: int = MEMBER_LIMIT
    total_limit: int = TOTAL_LIMIT
    ratio_limit: int = RATIO_LIMIT
    ratio_floor: int = RATIO_FLOOR
    used: int = 0

    def check(self, info: zipfile.ZipInfo, label: str | None = None) -> None:
        """Raise before reading a member whose header already shows it is too large. ``label``
        names it in messages (by default its quoted name)."""
        self._check(info.file_size, label or f"'{info.filename}'", info.compress_size)

    def _check(self, size: int, label: str, packed: int | None = None) -> None:
        if size > self.member_limit:
            raise self._error(Errors.E152, label, size=size_text(size),
                              limit=size_text(self.member_limit))
        if packed is not None and size > self.ratio_floor and size > self.ratio_limit * max(packed, 1):
            raise self._error(Errors.E153, label, ratio=size // max(packed, 1),
                              size=size_text(size), packed=size_text(packed),
                              limit=self.ratio_limit)
        if self.used + size > self.total_limit:
            raise self._error(Errors.E154, label, limit=size_text(self.total_limit))

    def check_all(self, archive: zipfile.ZipFile) -> None:
        """Check every member, for a reader that inflates all of them (python-docx does)."""
        for info in archive.infolist():
            self.check(info)
            self.used += info.file_size

    def read(self, archive: zipfile.ZipFile, member: str, label: str | None = None) -> bytes:
        """The member's bytes, checked first and then read with a hard cap."""
        info = archive.getinfo(member)
        label = label or f"'{member}'"
        self.check(info, label)
        with archive.open(info) as stream:
            data = read_capped(stream, info.file_size, lambda: self._error(
                Errors.E155, label, size=size_text(info.file_size)))
        self.used += len(data)
        return data

    def read_file(self, path: Path, name: str) -> bytes:
        """A file on disk, under the same limits as a member (it may be a 100 GB file, or grow);
        ``name`` says which in messages."""
        with path.open("rb") as handle:
            self._check(os.fstat(handle.fileno()).st_size, name)
            data = read_capped(handle, self.member_limit, lambda: self._error(
                Errors.E152, name, size=f"over {size_text(self.member_limit)}",
                limit=size_text(self.member_limit)))
        self.used += len(data)
        return data

    def _error(self, template: str, member: str, **fields: object) -> QualkitError:
        return QualkitError(template, path=self.path, member=member, fix=self.fix, **fields)


def read_capped(stream: BinaryIO, cap: int, too_long) -> bytes:
    """At most ``cap`` bytes of ``stream``; one byte more raises ``too_long()``, so memory stays
    bounded however much the stream would give."""
    pieces, total = [], 0
    while True:
        piece = stream.read(min(_PIECE, cap - total + 1))
        if not piece:
            return b"".join(pieces)
        total += len(piece)
        if total > cap:
            raise too_long()
        pieces.append(piece)


def check_archive(path: Path, fix: str) -> None:
    """Raise if a member of the zip at ``path`` is over the limits, before a reader that inflates
    every member whole (python-docx) opens it. A file that is not a readable zip is left for that
    reader to refuse in its own words."""
    try:
        with zipfile.ZipFile(path) as archive:
            ReadBudget(Path(path), fix).check_all(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError,
            OSError):
        return
