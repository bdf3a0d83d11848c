"""Word (.docx) transcripts: labelled paragraphs, bold speaker names, or a transcription table.

Transcription services deliver either paragraphs ("Interviewer: ...", often with the name in bold and
no colon) or a table with a row per turn (time | speaker | text, or speaker | text). Paragraphs are
turned into lines and read by the same rules as .txt; tables are read row by row. For .docx, the
"line" in an error message is the paragraph number.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..errors import Errors, QualkitError
from ..models import Transcript
from .base import make_transcript
from .encoding import read_bytes
from .speakers import (LABEL_LINE, TIME, TurnBuilder, check_turns, parse_front_matter)
from .text import parse_text

_HEADER_WORDS = {"time", "timestamp", "time code", "timecode", "speaker", "name", "text", "transcript",
                 "dialogue", "utterance", "speech"}
_TIME_CELL = re.compile(rf"^[\[(]?({TIME})[\])]?$")


def read_word_transcript(path: Path, sha256: str) -> list[Transcript]:
    document = _open(path)
    lines = [line for paragraph in document.paragraphs for line in _paragraph_lines(paragraph)]
    tables = [table for table in document.tables if _is_transcript_table(table)]
    if tables:
        return [_from_tables(path, sha256, lines, tables)]
    if not any(line.strip() for line in lines):
        raise QualkitError(Errors.E024, path=path)
    return [parse_text("\n".join(lines), path, sha256, fmt="docx", encoding="docx")]


def _open(path: Path):
    import docx  # python-docx; imported here so text-only users never pay for it

    data = read_bytes(path)
    if not data.startswith(b"PK\x03\x04"):
        actual = "plain text" if b"\x00" not in data[:4096] else "binary data"
        raise QualkitError(Errors.E005, path=path, suffix=".docx", actual=actual, hint=".txt")
    try:
        return docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise QualkitError(Errors.E025, path=path, reason=type(err).__name__) from None
    except Exception as err:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise QualkitError(Errors.E025, path=path, reason=str(err).splitlines()[0][:80]) from None


def _paragraph_lines(paragraph) -> list[str]:
    """Paragraph text as lines, with a bold leading speaker name turned into 'Name:'."""
    text = paragraph.text
    bold = ""
    for run in paragraph.runs:
        if not run.text:
            continue
        if not run.bold:
            break
        bold += run.text
    label = bold.strip().rstrip(":").strip()
    if label and not LABEL_LINE.match(text) and len(label.split()) <= 3 and text.startswith(bold):
        text = f"{label}: {text[len(bold):].lstrip(': ')}"
    return text.split("\n")


def _row_cells(row) -> list[str]:
    """Cell texts of a row, with horizontally merged cells (repeated by python-docx) counted once."""
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        cells.append(cell.text.strip())
    return cells


def _is_transcript_table(table) -> bool:
    widths = {len(_row_cells(row)) for row in table.rows}
    return bool(table.rows) and widths <= {2, 3} and len(table.rows) >= 2


def _from_tables(path: Path, sha256: str, lines: list[str], tables) -> Transcript:
    front = parse_front_matter(lines)
    builder = TurnBuilder(interviewer_labels=front.interviewer_labels)
    row_number = 0
    for table in tables:
        for row in table.rows:
            row_number += 1
            cells = _row_cells(row)
            if all(cell.lower().rstrip(":") in _HEADER_WORDS for cell in cells if cell):
                continue
            time, speaker, text = _split_row(cells)
            if speaker:
                builder.start(speaker, text, time=time, line=row_number)
            else:
                builder.add(text)
    turns = builder.build()
    try:
        check_turns(turns, front.interviewer_labels)
    except QualkitError as err:
        raise err.located(path)
    preamble = "\n".join(l for l in lines[front.body_start:] if l.strip())
    return make_transcript(path, sha256, "docx", turns, case=front.case, attributes=front.attributes,
                           encoding="docx", preamble=preamble)


def _split_row(cells: list[str]) -> tuple[str | None, str, str]:
    """(time, speaker, text) from a 3-column row, or a 2-column speaker|text or time|text row."""
    if len(cells) == 3:
        time = _TIME_CELL.match(cells[0])
        return (time.group(1) if time else cells[0] or None), cells[1].rstrip(":").strip(), cells[2]
    first, text = cells
    time = _TIME_CELL.match(first)
    if time:
        match = LABEL_LINE.match(text)
        if match:
            return time.group(1), match.group("label"), match.group("text")
        return time.group(1), "", text
    return None, first.rstrip(":").strip(), text
