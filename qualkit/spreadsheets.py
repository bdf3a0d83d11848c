"""Every table qualkit writes as .csv or .xlsx goes through here, so that no cell runs as a formula.

Transcript text is the participants' words, and a turn may well begin with ``=``, ``+``, ``-`` or
``@`` ("- and then he left", "=== break ==="). A spreadsheet opening such a cell runs it as a
formula, which is how a crafted transcript attacks whoever opens the export (CSV/formula
injection). So, in one place for every writer:

- in .xlsx, text is written as text: openpyxl stores a string beginning with ``=`` as a formula,
  and :func:`excel_writer` turns every such cell back into a string cell before the file is saved;
- in .csv, which has no cell types, a text cell beginning with one of :data:`FORMULA_START` gets the
  usual leading single quote (``'=1+1``), which spreadsheets show and never evaluate.

Only text is touched: numbers stay numbers (a score of -0.4 in a numeric column, or a text cell
that is just a number such as "-3", which no spreadsheet runs), and the project database keeps the
verbatim text; only the exported copy is neutralised. So do the audits of personal data
(anonymise's audit.csv, the gate's pseudonyms.csv): they are records that qualkit and the
researcher read back, like the database, not exports.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import IO, Iterator

import pandas as pd

from .atomic import atomic_write

#: What makes a spreadsheet read a cell as a formula (tab and carriage return: what some read
#: as a cell break before one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, with a leading quote; anything else as
    it is (numbers, and text that is only a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def text_columns(frame: pd.DataFrame) -> list:
    """The columns that can hold text (object or string dtype); numeric ones cannot."""
    return [c for c in frame.columns
            if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its text cells neutralised (:func:`neutralise`); numeric columns untouched."""
    text = text_columns(frame)
    if not text:
        return frame
    frame = frame.copy()
    for column in text:
        frame[column] = frame[column].map(neutralise)
    return frame


def to_csv(frame: pd.DataFrame, handle: IO[str]) -> None:
    """The table as CSV into an open text file, formulas neutralised, without the index. Rows end
    in CRLF, as RFC 4180 has it: the csv module then quotes a cell holding a carriage return,
    which with bare newlines it leaves bare, so that a reader starts a row inside the cell (and
    a formula could begin that row)."""
    neutralised(frame).to_csv(handle, index=False, lineterminator="\r\n")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """The table as CSV at ``path``, written whole or not at all (:mod:`qualkit.atomic`)."""
    with atomic_write(path) as handle:
        to_csv(frame, handle)


def text_as_text(book) -> int:
    """Make every formula cell of an openpyxl workbook a string cell (qualkit never writes a
    formula, so each one is text that began with '='); returns how many there were."""
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed


@contextlib.contextmanager
def excel_writer(handle) -> Iterator[pd.ExcelWriter]:
    """``pd.ExcelWriter`` (openpyxl) whose sheets are saved with their text as text."""
    with pd.ExcelWriter(handle, engine="openpyxl") as writer:
        yield writer
        text_as_text(writer.book)


def write_xlsx(frame: pd.DataFrame, handle, sheet_name: str = "Sheet1") -> None:
    """One table as a one-sheet workbook into an open binary file, its text as text."""
    with excel_writer(handle) as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet_name)
