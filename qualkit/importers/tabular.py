"""Open-text responses from a spreadsheet (.csv, .xlsx): one row is one segment.

Survey exports and pre-segmented data sets arrive as tables. A row's text is never split or merged,
its id becomes the segment id (so codings can be joined back to the sheet), and the other columns
become attributes of the row's case: the ``case`` column's value, or the row itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..errors import Errors, QualkitError
from ..models import RESPONDENT, Transcript, Turn, speaker_role
from .base import make_transcript
from .encoding import read_bytes, decode, sniff_container


@dataclass(frozen=True)
class TableOptions:
    """Which columns hold what. ``None`` means: use the conventional name when it is present."""

    text_column: str = "text"
    id_column: str | None = None
    case_column: str | None = None


def read_table(path: Path, sheet: int | str = 0) -> pd.DataFrame:
    """Read a .csv or .xlsx as strings, with no value guessed into a number or a date."""
    data = read_bytes(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            if not data.startswith(b"PK\x03\x04"):
                raise QualkitError(Errors.E005, path=path, suffix=".xlsx", actual="not a workbook",
                                   hint=".csv")
            frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, dtype=str, engine="openpyxl")
        else:
            container = sniff_container(data)
            if container:
                raise QualkitError(Errors.E005, path=path, suffix=suffix, actual=container[0],
                                   hint=container[1])
            text, _ = decode(data, path)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            if not isinstance(frame.index, pd.RangeIndex):  # pandas made the extra fields an index
                raise QualkitError(Errors.E033, path=path, line=2, reason="rows have more fields "
                                   "than the header; put text holding commas in double quotes")
    except QualkitError:
        raise
    except Exception as err:  # pandas and openpyxl raise many types for a malformed sheet
        raise QualkitError(Errors.E033, path=path, reason=str(err).splitlines()[0][:100]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.fillna("")


def _column(frame: pd.DataFrame, path: Path, name: str, option: str, what: str) -> str:
    if name not in frame.columns:
        # a quoted header may hold line breaks, which would split the message's one line
        columns = ", ".join(" ".join(column.split()) for column in frame.columns)
        raise QualkitError(Errors.E030, path=path, column=" ".join(name.split()), columns=columns,
                           option=option, what=what)
    return name


def read_table_transcripts(path: Path, sha256: str, options: TableOptions = TableOptions()
                           ) -> list[Transcript]:
    frame = read_table(path)
    text_col = _column(frame, path, options.text_column, "text-column", "response text")
    id_col = (_column(frame, path, options.id_column, "id-column", "row ids") if options.id_column
              else ("id" if "id" in frame.columns else None))
    case_col = (_column(frame, path, options.case_column, "case-column", "case ids")
                if options.case_column else ("case" if "case" in frame.columns else None))
    speaker_col = "speaker" if "speaker" in frame.columns else None
    attribute_cols = [c for c in frame.columns if c not in {text_col, id_col, case_col, speaker_col}]

    by_case: dict[str, list[Turn]] = {}
    attributes: dict[str, dict[str, str]] = {}
    first_row_of_id: dict[str, int] = {}
    for position, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row))
        row_number = position + 2  # 1-based, after the header row, as a spreadsheet shows it
        text = values[text_col].strip()
        if not text:
            continue
        row_id = (values[id_col].strip() if id_col else "") or f"{path.stem}:{row_number}"
        if row_id in first_row_of_id:
            raise QualkitError(Errors.E031, path=path, line=row_number,
                               value=" ".join(row_id.split()), first=first_row_of_id[row_id],
                               second=row_number)
        first_row_of_id[row_id] = row_number
        case = values[case_col].strip() if case_col and values[case_col].strip() else row_id
        speaker = values[speaker_col].strip() if speaker_col and values[speaker_col].strip() \
            else "Respondent"
        turns = by_case.setdefault(case, [])
        turns.append(Turn(index=len(turns), speaker=speaker, role=speaker_role(speaker),
                          text=text, line=row_number, segment_ids=(row_id,)))
        case_attributes = attributes.setdefault(case, {})
        for column in attribute_cols:
            if values[column].strip() and column not in case_attributes:
                case_attributes[column] = values[column].strip()
    if not by_case:
        raise QualkitError(Errors.E032, path=path)
    by_case = {case: _lone_speaker_answers(turns) for case, turns in by_case.items()}
    fmt = path.suffix.lower().lstrip(".")
    return [make_transcript(path, sha256, fmt, turns, case=case, attributes=attributes[case],
                            encoding="table") for case, turns in by_case.items()]


def _lone_speaker_answers(turns: list[Turn]) -> list[Turn]:
    """A case whose rows all have one speaker is that speaker's answers: nobody asks the questions.
    A sheet of quotes from providers names them 'facilitator' or 'moderator', words that mark the
    researcher in a transcript; read by the label alone, every such quote was dropped as a
    question and never coded."""
    if len({turn.speaker for turn in turns}) > 1 or turns[0].role == RESPONDENT:
        return turns
    return [replace(turn, role=RESPONDENT) for turn in turns]
