"""Transcripts as editable text units, so that anonymised copies keep their format.

Each format is opened as a list of units (a line, a Word paragraph, a caption line, a spreadsheet
cell) that the detector reads and the redactor rewrites; ``save`` writes the same format back with
only the redacted units changed (Word formatting, caption timings and sheet columns survive).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from ..atomic import atomic_write
from ..errors import Errors, QualkitError
from ..importers.encoding import decode, read_bytes
from ..importers.tabular import read_table
from ..spreadsheets import to_csv, write_xlsx


@dataclass
class Unit:
    where: str          # "line 12", "paragraph 4", "row 3, text"
    line: int | None
    text: str


class TextDocument:
    """.txt and .md: one unit per line; written back in the file's own encoding."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text, self.encoding = decode(read_bytes(path), path)
        self.units = [Unit(f"line {i}", i, line) for i, line in enumerate(self.text.split("\n"), 1)]
        self._original = [unit.text for unit in self.units]

    def save(self, target: Path) -> None:
        data = "\n".join(_front_matter_safe([u.text for u in self.units], self._original))
        with atomic_write(target, "wb") as handle:
            handle.write(data.encode(self.encoding))


class CaptionDocument(TextDocument):
    """.vtt and .srt: caption text and voice tags are units; headers, numbers and timings are not."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.units = [u for u in self.units if u.text.strip() and "-->" not in u.text
                      and not u.text.strip().isdigit() and u.text.strip() != "WEBVTT"]
        self._all = self.text.split("\n")

    def save(self, target: Path) -> None:
        lines = list(self._all)
        for unit in self.units:
            lines[unit.line - 1] = unit.text
        with atomic_write(target, "wb") as handle:
            handle.write("\n".join(lines).encode(self.encoding))


def _front_matter_safe(lines: list[str], original: list[str]) -> list[str]:
    """Redacted front-matter values quoted where YAML would misread them: 'name: [person 1]' is a
    list to YAML (and the importer refuses it), 'name: '[person 1]'' is the placeholder."""
    if not original or original[0].strip() != "---":
        return lines
    closing = next((i for i in range(1, len(original)) if original[i].strip() in ("---", "...")), 0)
    lines = list(lines)
    for i in range(1, closing):
        match = _YAML_ENTRY.match(lines[i])
        if lines[i] == original[i] or not match:
            continue
        try:
            value = yaml.safe_load(f"value: {match.group('value')}")["value"]
        except (yaml.YAMLError, TypeError):
            value = None
        if not isinstance(value, (str, int, float, bool)):
            lines[i] = match.group("key") + "'" + match.group("value").replace("'", "''") + "'"
    return lines


_YAML_ENTRY = re.compile(r"^(?P<key>[ \t]*[^\s:#'\"][^:]*:[ \t]+)(?P<value>.*?)[ \t]*$")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class WordDocument:
    """.docx: one unit per paragraph (tables included); replacements edit the text runs in place,
    so bold speaker names and other formatting stay as they were."""

    def __init__(self, path: Path) -> None:
        import docx

        from ..importers.word import DOCX_FIX
        from ..safezip import check_archive

        self.path = path
        check_archive(path, DOCX_FIX)  # python-docx inflates every part whole: refuse a bomb first
        try:
            self.document = docx.Document(str(path))
        except Exception as err:  # python-docx raises several types for a damaged package
            raise QualkitError(Errors.E025, path=path, reason=str(err).splitlines()[0][:80]) from None
        self._texts = [p.findall(f".//{W}t") for p in self.document.element.body.iter(f"{W}p")]
        self.units = [Unit(f"paragraph {i}", i, "".join(t.text or "" for t in texts))
                      for i, texts in enumerate(self._texts, 1)]
        self._original = [unit.text for unit in self.units]

    def save(self, target: Path) -> None:
        new = _front_matter_safe([unit.text for unit in self.units], self._original)
        for text, texts, original in zip(new, self._texts, self._original):
            if text != original:
                _rewrite_runs(texts, original, text)
        buffer = io.BytesIO()
        self.document.save(buffer)
        with atomic_write(target, "wb") as handle:
            handle.write(buffer.getvalue())


def _rewrite_runs(texts, original: str, new: str) -> None:
    """Put ``new`` into the paragraph's w:t elements, changing only those whose text changed.

    The common prefix and suffix of old and new text stay in their runs; the changed middle goes
    into the first run it touches and the other runs it covered are emptied.
    """
    prefix = 0
    while prefix < min(len(original), len(new)) and original[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(original), len(new)) - prefix
           and original[-1 - suffix] == new[-1 - suffix]):
        suffix += 1
    old_end, middle = len(original) - suffix, new[prefix:len(new) - suffix]
    cursor, placed = 0, False
    for element in texts:
        text = element.text or ""
        start, end = cursor, cursor + len(text)
        cursor = end
        if end <= prefix or start >= old_end:
            continue
        keep_left = text[:max(0, prefix - start)]
        keep_right = text[max(0, old_end - start):] if end > old_end else ""
        element.text = keep_left + ("" if placed else middle) + keep_right
        element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        placed = True
    if not placed and texts:
        texts[-1].text = (texts[-1].text or "") + middle


class TableDocument:
    """.csv and .xlsx: every non-empty cell is a unit (row numbers as a spreadsheet shows them)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frame = read_table(path)
        self.units = []
        self._cells = []
        for column in self.frame.columns:
            for position, value in enumerate(self.frame[column]):
                if str(value).strip():
                    self.units.append(Unit(f"row {position + 2}, {column}", position + 2, str(value)))
                    self._cells.append((position, column))

    def save(self, target: Path) -> None:
        frame = self.frame.copy()
        for unit, (position, column) in zip(self.units, self._cells):
            frame.at[position, column] = unit.text
        if target.suffix.lower() == ".xlsx":
            buffer = io.BytesIO()
            write_xlsx(frame, buffer)
            with atomic_write(target, "wb") as handle:
                handle.write(buffer.getvalue())
        else:
            with atomic_write(target) as handle:
                to_csv(frame, handle)


OPENERS: dict[str, Callable[[Path], object]] = {
    ".txt": TextDocument, ".md": TextDocument, ".vtt": CaptionDocument, ".srt": CaptionDocument,
    ".docx": WordDocument, ".csv": TableDocument, ".xlsx": TableDocument,
}


def open_document(path: str | Path):
    from ..importers.base import regular_file

    path = Path(path)
    opener = OPENERS.get(path.suffix.lower())
    if opener is None:
        raise QualkitError(Errors.E006, path=path, suffix=path.suffix or "(none)",
                           known=", ".join(sorted(OPENERS)))
    try:
        return opener(regular_file(path))
    except QualkitError as err:
        raise err.located(path)
