"""Importers: one module per file format, all producing :class:`qualkit.models.Transcript`.

Formats are looked up in a registry keyed by file suffix, in the manner of spaCy's registries, so a
new format is one decorated function and no change to the callers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import Errors, QualkitError
from ..models import Transcript
from .base import file_sha256
from .subtitles import read_subtitle_transcript
from .tabular import TableOptions, read_table, read_table_transcripts
from .text import parse_text, read_text_transcript
from .word import read_word_transcript

Reader = Callable[[Path, str, TableOptions], list[Transcript]]
READERS: dict[str, Reader] = {}


def register_reader(*suffixes: str) -> Callable[[Reader], Reader]:
    def decorate(function: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix] = function
        return function
    return decorate


register_reader(".txt", ".md")(lambda path, sha, _options: read_text_transcript(path, sha))
register_reader(".docx")(lambda path, sha, _options: read_word_transcript(path, sha))
register_reader(".vtt", ".srt")(lambda path, sha, _options: read_subtitle_transcript(path, sha))
register_reader(".csv", ".xlsx")(read_table_transcripts)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_file(path: str | Path, options: TableOptions = TableOptions(),
              sha256: str | None = None) -> list[Transcript]:
    """Read one file into transcripts (one for a transcript, one per case for a table).

    Raises :class:`QualkitError` naming the file for anything wrong with the input.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        if not path.exists():
            raise QualkitError(Errors.E001, path=path)
        raise QualkitError(Errors.E006, path=path, suffix=path.suffix or "(none)",
                           known=", ".join(sorted(READERS)))
    try:
        sha256 = sha256 or file_sha256(path)
    except FileNotFoundError:
        raise QualkitError(Errors.E001, path=path) from None
    except OSError as err:
        raise QualkitError(Errors.E002, path=path, reason=err.strerror or type(err).__name__) from None
    try:
        return reader(path, sha256, options)
    except QualkitError as err:
        raise err.located(path)


__all__ = ["READERS", "TableOptions", "file_sha256", "is_supported", "parse_text", "read_file",
           "read_table", "register_reader"]
