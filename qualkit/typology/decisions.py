"""Researchers' overrides of typology cells, and the record of every typing in the project.

The researcher has the last word on a cell: an override sheet (case, dimension, value) wins over
whatever the codings say, and the project keeps it as a human decision beside the machine's, so a
later reader can tell which cells a person set and when.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Errors, QualkitError
from ..importers import read_table
from ..store import Project
from .classify import CaseType
from .scheme import Dimension, Typology

OVERRIDE_COLUMNS = ("case", "dimension", "value")


def read_overrides(path: str | Path, typology: Typology,
                   known_cases: set[str] | None = None) -> dict[str, dict[str, str]]:
    """case -> dimension -> value id. A value may be given by its id, its text, or a type's
    wording for it ("Improved (hugely)")."""
    path = Path(path)
    frame = read_table(path)
    for column in OVERRIDE_COLUMNS:
        if column not in frame.columns:
            raise QualkitError(Errors.E030, path=path, column=column, columns=", ".join(frame.columns),
                               option="overrides", what=f"{column} of each override")
    found: dict[str, dict[str, str]] = {}
    for line, row in enumerate(frame.to_dict("records"), start=2):
        case, dimension_id, value = (str(row[c]).strip() for c in OVERRIDE_COLUMNS)
        if known_cases is not None and case not in known_cases:
            raise QualkitError(Errors.E110, path=path, line=line, what="case", value=case,
                               where="the overrides", known=", ".join(sorted(known_cases)[:12]))
        if dimension_id not in typology.dimension_ids:
            raise QualkitError(Errors.E110, path=path, line=line, what="dimension", value=dimension_id,
                               where="the overrides", known=", ".join(typology.dimension_ids))
        found.setdefault(case, {})[dimension_id] = _value_id(typology, typology.dimension(
            dimension_id), value, path, line)
    return found


def _value_id(typology: Typology, dimension: Dimension, given: str, path: Path, line: int) -> str:
    names = {v.id.lower(): v.id for v in dimension.values}
    names.update({v.text.lower(): v.id for v in dimension.values})
    for kind in typology.types:
        cell = kind.cell(dimension.id)
        if len(cell.values) == 1:
            names.setdefault(cell.text.lower(), cell.values[0])
    if given.lower() not in names:
        raise QualkitError(Errors.E110, path=path, line=line, what=f"{dimension.id} value",
                           value=given, where="the overrides", known=", ".join(dimension.value_ids))
    return names[given.lower()]


def store_typing(project: Project, typology: Typology, results: list[CaseType],
                 overrides_source: str = "overrides", unless_unchanged: bool = False) -> int:
    """Record each case's type and cell values; human overrides as ``human:<source>``. Every call
    adds a dated typing (the history of a typology's use); with ``unless_unchanged``, none is added
    when the latest stored typing already says the same (a re-run of ``qualkit run``)."""
    rows = []
    for result in results:
        rows.append((result.case, None, result.type, result.confidence, "derived", []))
        for dimension_id, found in result.dimensions.items():
            if found.value is None:
                continue
            source = f"human:{overrides_source}" if found.source == "human" else "derived"
            rows.append((result.case, dimension_id, found.value, found.confidence, source,
                         found.evidence))
    detail = {"cases": len(results), "typology_sha256": typology.sha256,
              "overrides": sum(r.source == "human" for res in results
                               for r in res.dimensions.values())}
    return project.add_typing(typology, rows, detail, unless_unchanged=unless_unchanged)
