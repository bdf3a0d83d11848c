"""Turn the bytes of a transcript into text without guessing wrong or losing a character.

Transcripts arrive from Word on Windows (cp1252), from Notepad (UTF-16 with a BOM), and from every
modern tool (UTF-8, with or without a BOM). We decide from evidence in a fixed order, and refuse
files that are not text at all rather than importing garbage that later ends up in a report.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import Errors, QualkitError

_MAGIC = {
    b"PK\x03\x04": ("a zip archive (a .docx or .xlsx file?)", ".docx or .xlsx"),
    b"%PDF": ("a PDF document", ".pdf, then convert it to .docx or .txt"),
    b"\xd0\xcf\x11\xe0": ("an old Word/Excel (OLE) document", ".doc, then save it as .docx"),
    b"{\\rtf": ("an RTF document", ".rtf, then save it as .docx or .txt"),
}


def sniff_container(data: bytes) -> tuple[str, str] | None:
    """Return (what the bytes are, the name they deserve) for well-known non-text formats."""
    for magic, found in _MAGIC.items():
        if data.startswith(magic):
            return found
    return None


def read_bytes(path: Path) -> bytes:
    from .base import regular_file

    regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise QualkitError(Errors.E002, path=path, reason=err.strerror or type(err).__name__) from None
    if not data.strip():
        raise QualkitError(Errors.E003, path=path)
    return data


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode transcript bytes; return (text with universal newlines, encoding name)."""
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data[3:], "utf-8", path), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict(data, "utf-16", path), "utf-16"
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise QualkitError(Errors.E004, path=path, offset=nul)
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _strict(data, "cp1252", path), "cp1252"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise QualkitError(Errors.E003, path=path)
    return text, encoding


def _strict(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise QualkitError(Errors.E007, path=path, byte=hex(data[err.start]), offset=err.start) from None


def read_text(path: Path, expected_suffix: str) -> tuple[str, str]:
    """Read a text-format transcript, refusing files whose content belies their name."""
    data = read_bytes(path)
    container = sniff_container(data)
    if container:
        actual, hint = container
        raise QualkitError(Errors.E005, path=path, suffix=expected_suffix, actual=actual, hint=hint)
    return decode(data, path)
