"""What goes into a report, gathered once and passed through the privacy gate, before any format.

The Word document, the Markdown file and the spreadsheet show the same content, so the content is
built (and checked for names) in one place and each writer only lays it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd

from ..coding import Codebook, hierarchical


@dataclass
class ReportContent:
    title: str
    codebook: pd.DataFrame                  # code, label, parent, definition
    frequencies: dict[str, pd.DataFrame]    # "role"/"area" -> themes x values: cases coded
    totals: dict[str, pd.Series]            # "role"/"area" -> cases per value
    quotes: pd.DataFrame                    # extract_quotes columns
    typology: tuple | None = None           # header, rows, bold rows (the typology table's layout)
    typology_note: str = ""
    topics: pd.DataFrame | None = None      # topic, size, label, top words
    summary: dict[str, object] = field(default_factory=dict)


#: What XML 1.0 (docx, xlsx) cannot hold: C0 controls other than tab, newline and return, and the
#: two non-characters. The project keeps the verbatim text; a report shows a space.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value):
    """``value`` with what XML cannot hold made a space (strings, lists, tables of them)."""
    if isinstance(value, str):
        return _NOT_XML.sub(" ", value)
    if isinstance(value, pd.DataFrame):
        return value.map(xml_safe)
    if isinstance(value, (list, tuple)):
        return type(value)(xml_safe(v) for v in value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    return value


def printable(content: "ReportContent") -> "ReportContent":
    """The content as Word and Excel can store it."""
    return replace(content, title=xml_safe(content.title), codebook=xml_safe(content.codebook),
                   quotes=xml_safe(content.quotes), typology=xml_safe(content.typology),
                   typology_note=xml_safe(content.typology_note),
                   topics=xml_safe(content.topics), summary=xml_safe(content.summary))


def codebook_table(codebook: Codebook) -> pd.DataFrame:
    return pd.DataFrame([{"code": c.id, "label": c.label, "parent": c.parent or "",
                          "definition": c.definition} for c in codebook.codes])


def theme_frequencies(segments: pd.DataFrame, result, codebook: Codebook,
                      attributes: pd.DataFrame | None, by: str) -> tuple[pd.DataFrame, pd.Series]:
    """Per theme, how many cases of each ``by`` value (role, area) have at least one coded segment:
    qualitative reports count people, not sentences."""
    decisions = hierarchical(result.decisions, codebook)
    index = {c: j for j, c in enumerate(result.codes)}
    groups = (attributes[by] if attributes is not None and by in attributes.columns
              else pd.Series(dtype=str)).reindex(segments["case"].unique()).fillna("(not given)")
    totals = groups.value_counts().sort_index()
    rows = {}
    for theme in codebook.themes:
        coded = set(segments.loc[decisions[:, index[theme]].astype(bool), "case"])
        rows[codebook.code(theme).label] = {value: sum(1 for case, v in groups.items()
                                                       if v == value and case in coded)
                                            for value in totals.index}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(totals.index))
    frame.index.name = "theme"
    return frame, totals


def gate_content(content: ReportContent, gate, where: str) -> ReportContent:
    """Every text that came from a transcript, through the gate (redacts, or refuses in strict)."""
    content.quotes = gate.frame(content.quotes, ["quote"], where=where)
    if content.topics is not None:
        text_columns = [c for c in content.topics.columns if c.startswith("example")]
        content.topics = gate.frame(content.topics, text_columns, where=where)
    return content
