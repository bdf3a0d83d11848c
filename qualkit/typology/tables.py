"""The typology's outputs as an evaluator uses them: a row per case, the report's typology table
(Markdown and Word) and the case-by-dimension framework matrix with a quote in each cell.

A cell reads in the table's own words when the case's value fits its type ("Improved (hugely)" for a
transformative DIY case), and in the value's plain words when it departs from it, so a reader sees at
once where a case is a poor fit for its type.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from .classify import UNCLASSIFIED, CaseType
from .scheme import Typology

SUCCESS_MARK = "yes"


def cell_text(typology: Typology, result: CaseType, dimension_id: str) -> str:
    """A case's value on one dimension, in its type's wording when the value fits the type."""
    value = result.dimensions[dimension_id].value
    if value is None:
        return ""
    kind = typology.type(result.best_match) if result.best_match else None
    if kind is not None and value in kind.cell(dimension_id).values and \
            len(kind.cell(dimension_id).values) == 1:
        return kind.cell(dimension_id).text
    return typology.dimension(dimension_id).value(value).text


def cases_frame(typology: Typology, results: list[CaseType]) -> pd.DataFrame:
    """``cases.csv``: type, confidence, runner-up, each dimension's value and the evidence."""
    rows = []
    for result in results:
        label = (typology.type(result.type).label if result.type != UNCLASSIFIED else UNCLASSIFIED)
        row = {"case": result.case, "type": result.type, "type_label": label,
               "confidence": round(result.confidence, 3), "runner_up": result.runner_up or "",
               "runner_up_confidence": round(result.runner_up_confidence, 3)}
        row.update({d: cell_text(typology, result, d) for d in typology.dimension_ids})
        evidence = [s for d in typology.dimension_ids for s in result.dimensions[d].evidence]
        row["evidence"] = ";".join(dict.fromkeys(evidence))
        row["overridden"] = ";".join(d for d in typology.dimension_ids
                                     if result.dimensions[d].source == "human")
        row["notes"] = result.reason
        rows.append(row)
    columns = ["case", "type", "type_label", "confidence", "runner_up", "runner_up_confidence",
               *typology.dimension_ids, "evidence", "overridden", "notes"]
    return pd.DataFrame(rows, columns=columns)


def case_matrix(typology: Typology, results: list[CaseType], quotes: dict[tuple[str, str], str]
                ) -> pd.DataFrame:
    """The framework matrix: a row per case, a cell per dimension holding the value, a short quote
    (``quotes`` maps (case, dimension) to it) and where the quote comes from."""
    rows = []
    for result in results:
        row = {"case": result.case, "type": result.type}
        for dimension_id in typology.dimension_ids:
            found = result.dimensions[dimension_id]
            text = cell_text(typology, result, dimension_id) or "(no evidence)"
            quote = quotes.get((result.case, dimension_id))
            if found.source == "human":
                row[dimension_id] = f"{text} [set by researcher]"
            elif quote:
                row[dimension_id] = f'{text}: "{quote}" ({found.evidence[0]})'
            else:
                row[dimension_id] = f"{text} [{found.reason}]"
        rows.append(row)
    return pd.DataFrame(rows, columns=["case", "type", *typology.dimension_ids])


def type_counts(results: list[CaseType]) -> Counter:
    return Counter(result.type for result in results)


def table_rows(typology: Typology, counts: Counter | None, suppress: bool = False
               ) -> tuple[list[str], list[list[str]]]:
    """The typology table's layout (as the study's report prints it): header, then one row per type in file order, blocks by ``group_by``."""
    dimensions = [d for d in typology.dimensions if d.id != typology.group_by]
    header = ["#", typology.dimension(typology.group_by).label if typology.group_by else "",
              "Case type", *[d.label for d in dimensions], "Apparently successful", "Cases"]
    if not typology.group_by:
        header.pop(1)
    rows, previous = [], None
    for number, kind in enumerate(typology.types, start=1):
        row = [str(number)]
        if typology.group_by:
            block = kind.cell(typology.group_by).text
            row.append(block if block != previous else "")
            previous = block
        row += [kind.label, *[kind.cell(d.id).text for d in dimensions],
                SUCCESS_MARK if kind.successful else "", _count(kind.id, counts, suppress)]
        rows.append(row)
    return header, rows


def block_first_rows(typology: Typology, counts: Counter | None, suppress: bool = False
                     ) -> tuple[list[str], list[list[str]]]:
    """:func:`table_rows` with the block column first, as a Word table merges it down the page."""
    header, rows = table_rows(typology, counts, suppress)
    if typology.group_by:
        header = [header[1], header[0], *header[2:]]
        rows = [[row[1], row[0], *row[2:]] for row in rows]
    return header, rows


def _count(type_id: str, counts: Counter | None, suppress: bool) -> str:
    if counts is None:
        return ""
    if suppress:
        return "present" if counts.get(type_id) else "none"
    return str(counts.get(type_id, 0))


def typology_markdown(typology: Typology, counts: Counter | None, suppress: bool = False) -> str:
    """The typology table as a Markdown document."""
    header, rows = table_rows(typology, counts, suppress)
    lines = [f"# {typology.title or typology.name}", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    lines.append("")
    if counts is not None:
        unclassified = counts.get(UNCLASSIFIED, 0)
        if suppress:
            lines.append(typology.counts_note or "Counts per type are not shown (small sample).")
        else:
            lines.append(f"{sum(counts.values())} cases; {unclassified} unclassified.")
            if unclassified and suppress is False:
                lines[-1] += " Unclassified cases are listed with their reasons in cases.csv."
    lines.append("Apparently successful types are marked 'yes'.")
    return "\n".join(lines) + "\n"


def write_typology_docx(typology: Typology, counts: Counter | None, handle,
                        suppress: bool = False) -> None:
    """The typology table as a Word document: landscape, so that seven dimensions fit."""
    import docx
    from docx.enum.section import WD_ORIENT

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(typology.title or typology.name, level=1)
    add_typology_table(document, typology, counts, suppress)
    document.save(handle)


def typology_widths(columns: int) -> list[float]:
    """Block, number, type, the dimensions, success and count, on a landscape page (~24 cm)."""
    dimensions = columns - 5
    return [2.4, 0.8, 2.6, *[min(2.6, 15.5 / max(dimensions, 1))] * dimensions, 1.6, 1.2]


def add_typology_table(document, typology: Typology, counts: Counter | None,
                       suppress: bool = False) -> None:
    """The typology table's layout in a Word document: stage blocks merged down their column, successful
    types in bold, and the note on counts."""
    from ..docx_tables import add_table

    header, rows = block_first_rows(typology, counts, suppress)
    add_table(document, header, rows, bold_rows=[k.successful for k in typology.types],
              merge_first_column=bool(typology.group_by),
              widths_cm=typology_widths(len(header)) if typology.group_by else None)
    if counts is not None and suppress:
        document.add_paragraph(typology.counts_note or "Counts per type are not shown.")
    document.add_paragraph("Apparently successful types are in bold and marked 'yes'.")
