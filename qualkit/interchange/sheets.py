"""Codings and case attributes as spreadsheets, for tools and people that work in tables.

The case sheet has the shape NVivo's "Import Classification Sheet" reads (and qualkit's own
``--cases``): the first column names the case, one column per attribute. The codings sheet has a
row per segment, code and coder: the long format statistics packages and Excel pivot tables use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from ..errors import Errors, QualkitError
from ..privacy import PrivacyGate
from ..spreadsheets import to_csv, write_xlsx
from ..store import Project
from .project_data import current_codings

WHAT = ("codings", "cases")
FORMATS = ("csv", "xlsx")
CODING_SHEET = ["segment_id", "case", "code", "source", "score"]


@dataclass
class SheetExport:
    path: Path
    rows: int
    redacted: int


def coding_sheet(project: Project) -> pd.DataFrame:
    """One row per current segment, code and coder (a coded span shorter than its segment counts
    for the segment)."""
    frame = current_codings(project).rename(columns={"code_id": "code"})[CODING_SHEET]
    return frame.drop_duplicates(["segment_id", "code", "source"], keep="last").reset_index(drop=True)


def case_sheet(project: Project) -> pd.DataFrame:
    """One row per case, first column the case, then one column per attribute (empty if unset)."""
    return project.cases().fillna("")


def export_sheet(project: Project, out: str | Path, what: str = "codings",
                 gate: PrivacyGate | None = None, fmt: str | None = None) -> SheetExport:
    """Write the codings or the case sheet as .csv or .xlsx (from ``fmt``, else the suffix)."""
    out, gate = Path(out), gate or PrivacyGate()
    fmt = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    frame = coding_sheet(project) if what == "codings" else case_sheet(project)
    if frame.empty:
        raise QualkitError(Errors.E135, path=project.path, what=what,
                           fix="code the transcripts first ('qualkit code ... --project P')"
                           if what == "codings" else "import transcripts or a case sheet first.")
    before = gate.redacted
    gate.know(project.current_turns())  # the pseudonyms every export of the project uses
    text_columns = ["case"] if what == "codings" else list(frame.columns)
    frame = gate.frame(frame.astype({c: object for c in text_columns}), text_columns, where=str(out))
    if fmt == "xlsx":
        with atomic_write(out, "wb") as handle:
            write_xlsx(frame, handle, sheet_name=what)
    else:
        with atomic_write(out) as handle:
            to_csv(frame, handle)
    return SheetExport(out, len(frame), gate.redacted - before)
