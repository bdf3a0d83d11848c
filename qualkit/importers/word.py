"""Word (.docx) transcripts: labelled paragraphs, bold speaker names, or a transcription table.

Transcription services deliver either paragraphs ("Interviewer: ...", often with the name in bold and
no colon) or a table with a row per turn (time | speaker | text, or speaker | text). Paragraphs are
turned into lines and read by the same rules as .txt; tables are read row by row. For .docx, the
"line" in an error message is the paragraph number.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from ..errors import Errors, QualkitError
from ..models import INTERVIEWER_LABELS, Transcript
from ..safezip import ReadBudget
from .base import make_transcript
from .encoding import read_bytes
from .speakers import (LABEL_LINE, TIME, TurnBuilder, check_turns, parse_front_matter)
from .text import parse_text

_HEADER_WORDS = {"time", "timestamp", "time code", "timecode", "speaker", "name", "text", "transcript",
                 "dialogue", "utterance", "speech"}
_CONVENTIONAL_LABELS = INTERVIEWER_LABELS | {"respondent", "interviewee", "participant", "r", "a"}
_TIME_CELL = re.compile(rf"^[\[(]?({TIME})[\])]?$")


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCUMENT_PART = "word/document.xml"
#: what to do about a document whose text part the read limits refuse (see ``qualkit.safezip``)
DOCX_FIX = ("open it in Word and save it again as .docx; if it is genuine, split the transcript "
            "into smaller files.")


def read_word_transcript(path: Path, sha256: str) -> list[Transcript]:
    body = _open_body(path)
    paragraphs = [(list(_runs(p)), _is_heading(p)) for p in body.iterchildren(f"{W}p")]
    labels = _bold_labels(runs for runs, _ in paragraphs)
    lines = [line for runs, heading in paragraphs
             for line in ([f"# {_text(runs)}"] if heading else _paragraph_lines(runs, labels))]
    tables = [rows for rows in (_table_rows(t) for t in body.iterchildren(f"{W}tbl"))
              if _is_transcript_table(rows)]
    if tables:
        return [_from_tables(path, sha256, lines, tables)]
    if not any(line.strip() for line in lines):
        raise QualkitError(Errors.E024, path=path)
    return [parse_text("\n".join(lines), path, sha256, fmt="docx", encoding="docx")]


def _open_body(path: Path):
    """The document body's XML element.

    Only ``word/document.xml`` is parsed: python-docx's ``Document()`` also parses styles, numbering,
    settings and theme parts that a transcript never needs, which made .docx import ten times slower
    than .txt. Parsing uses python-docx's own hardened XML parser. The part is read under the
    limits of ``qualkit.safezip``: a 5 MB .docx can inflate to gigabytes.
    """
    from docx.oxml.parser import parse_xml

    data = read_bytes(path)
    if not data.startswith(b"PK\x03\x04"):
        actual = "plain text" if b"\x00" not in data[:4096] else "binary data"
        raise QualkitError(Errors.E005, path=path, suffix=".docx", actual=actual, hint=".txt")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            root = parse_xml(ReadBudget(path, DOCX_FIX).read(package, _DOCUMENT_PART))
    except QualkitError:
        raise
    except KeyError:
        raise QualkitError(Errors.E025, path=path, reason=f"no {_DOCUMENT_PART}") from None
    except Exception as err:  # zipfile and lxml raise many types for a damaged package
        raise QualkitError(Errors.E025, path=path, reason=str(err).splitlines()[0][:80]) from None
    body = root.find(f"{W}body")
    if body is None:
        raise QualkitError(Errors.E025, path=path, reason="no document body")
    return body


def _runs(paragraph):
    """(text, bold) for each run, with tabs and line breaks as characters, as Word shows them."""
    for run in paragraph.iter(f"{W}r"):
        pieces = []
        for child in run:
            if child.tag == f"{W}t":
                pieces.append(child.text or "")
            elif child.tag == f"{W}tab":
                pieces.append("\t")
            elif child.tag in (f"{W}br", f"{W}cr"):
                pieces.append("\n")
        bold = run.find(f"{W}rPr/{W}b")
        yield "".join(pieces), bold is not None and bold.get(f"{W}val") not in ("0", "false")


def _text(runs: list[tuple[str, bool]]) -> str:
    return "".join(piece for piece, _ in runs)


def _leading_bold(runs: list[tuple[str, bool]]) -> str:
    bold = ""
    for piece, is_bold in runs:
        if not piece:
            continue
        if not is_bold:
            break
        bold += piece
    return bold


def _bold_labels(paragraphs) -> set[str]:
    """Bold leading words that are speaker names: short, and either a conventional label or the
    opener of at least two paragraphs.

    A speaker speaks more than once; a respondent's emphasised first word ("**Never** again") does
    not recur as a paragraph opener, so it is left as text.
    """
    counts: dict[str, int] = {}
    for runs in paragraphs:
        label = _leading_bold(runs).strip().rstrip(":").strip()
        if label and len(label.split()) <= 3 and _text(runs).strip() != _leading_bold(runs).strip():
            counts[label] = counts.get(label, 0) + 1
    return {label for label, n in counts.items()
            if n >= 2 or label.lower() in _CONVENTIONAL_LABELS}


def _paragraph_lines(runs: list[tuple[str, bool]], labels: set[str]) -> list[str]:
    """Paragraph text as lines, with a bold leading speaker name turned into 'Name:'."""
    text, bold = _text(runs), _leading_bold(runs)
    label = bold.strip().rstrip(":").strip()
    if label in labels and not LABEL_LINE.match(text) and text.startswith(bold):
        text = f"{label}: {text[len(bold):].lstrip(': ')}"
    return text.split("\n")


def _is_heading(paragraph) -> bool:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    name = (style.get(f"{W}val") or "") if style is not None else ""
    return name.startswith(("Heading", "Title", "Subtitle"))


def _table_rows(table) -> list[list[str]]:
    """Cell texts per row; a merged cell appears once, as it does in the document's XML."""
    return [["\n".join(_text(list(_runs(p))) for p in cell.iter(f"{W}p")).strip()
             for cell in row.iterchildren(f"{W}tc")]
            for row in table.iterchildren(f"{W}tr")]


def _is_transcript_table(rows: list[list[str]]) -> bool:
    return len(rows) >= 2 and {len(cells) for cells in rows} <= {2, 3}


def _from_tables(path: Path, sha256: str, lines: list[str], tables) -> Transcript:
    front = parse_front_matter(lines)
    builder = TurnBuilder(interviewer_labels=front.interviewer_labels)
    row_number = 0
    for rows in tables:
        for cells in rows:
            row_number += 1
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
