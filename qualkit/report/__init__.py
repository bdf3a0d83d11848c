"""Reports a writer can start from: ``report.docx``, ``report.md`` and ``quotes.xlsx``.

    content, chart = build_report(corpus, codings, typing=typing, quotes=quotes,
                                  topics_dir="out/topics")
    write_report(content, chart, "out/report", gate)

The content is gathered once (codebook, theme frequencies by role and area, the typology table,
topics, the best quotes per theme and type), passed through the privacy gate, then laid out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from ..charts import bar_chart_png
from ..coding import Codings
from ..corpus import Corpus
from ..quotes import extract_quotes
from .content import ReportContent, codebook_table, gate_content, printable, theme_frequencies
from .markdown import write_markdown
from .sheets import write_quotes_xlsx
from .word import write_docx

CHART = "themes_by_role.png"


def build_report(corpus: Corpus, codings: Codings, *, typing=None, quotes: pd.DataFrame | None = None,
                 coder=None, topics_dir: str | Path | None = None, per_group: int = 3,
                 title: str | None = None, screen=None) -> tuple[ReportContent, bytes]:
    """Everything the report shows, from the stages' outputs: the corpus, its ``codings``, the
    cases' ``typing`` (a :class:`qualkit.typology.TypologyResult`, or None to leave the typology
    out) and the ``quotes``; without quotes, ``coder`` chooses them (``screen`` passes over
    candidates the privacy check would redact)."""
    from ..typology.tables import block_first_rows

    codebook = codings.codebook
    segments = codings.segments
    frequencies, totals = {}, {}
    for by in ("role", "area"):
        frequencies[by], totals[by] = theme_frequencies(segments, codings.result, codebook,
                                                        corpus.attributes, by)
    types = [] if typing is None else [t for t in typing.typology.types if typing.counts().get(t.id)]
    if quotes is None:
        quotes = extract_quotes(segments, coder, codes=codebook.themes,
                                types=[t.id for t in types], typology_result=typing,
                                per_group=per_group, attributes=corpus.attributes, balance="role",
                                embedder=coder.embedder_, screen=screen, coded=codings.result)
    else:  # the caller's quotes, cut to this report's number per group
        quotes = quotes[quotes["rank"] <= per_group].reset_index(drop=True)
    labels = {**{c.id: c.label for c in codebook.codes}, **{t.id: t.label for t in types}}
    quotes = quotes.copy()
    quotes["group_label"] = [labels.get(c or t, c or t) for c, t in zip(quotes["code"],
                                                                        quotes["type"])]
    content = ReportContent(
        title=title or f"{codebook.title or codebook.name}: findings",
        codebook=codebook_table(codebook), frequencies=frequencies, totals=totals, quotes=quotes,
        topics=_topics(topics_dir),
        summary={"Cases": segments["case"].nunique(), "Respondent segments": len(segments),
                 "Codebook": f"{codebook.name} ({len(codebook.codes)} codes)"})
    if typing is not None:
        header, rows = block_first_rows(typing.typology, typing.counts())
        content.typology = (header, rows, [t.successful for t in typing.typology.types])
        unclassified = typing.counts().get("unclassified", 0)
        content.typology_note = (f"{len(typing.cases)} cases typed; {unclassified} unclassified. "
                                 "Apparently successful types are in bold.")
    chart = bar_chart_png(frequencies["role"], "Cases coded with each theme, by role", "cases")
    return content, chart


def _topics(topics_dir) -> pd.DataFrame | None:
    path = Path(topics_dir) / "topics.csv" if topics_dir else None
    return pd.read_csv(path) if path is not None and path.is_file() else None


def write_report(content: ReportContent, chart: bytes, out_dir: str | Path, gate) -> list[Path]:
    """``report.docx``, ``report.md`` (with its chart) and ``quotes.xlsx`` in ``out_dir``, after the
    privacy gate; each file is written whole or not at all."""
    out_dir = Path(out_dir)
    content = printable(gate_content(content, gate, where=str(out_dir)))
    written = {"report.docx": lambda h: write_docx(content, chart, h),
               "quotes.xlsx": lambda h: write_quotes_xlsx(content.quotes, h),
               CHART: lambda h: h.write(chart)}
    paths = []
    for name, write in written.items():
        with atomic_write(out_dir / name, "wb") as handle:
            write(handle)
        paths.append(out_dir / name)
    with atomic_write(out_dir / "report.md") as handle:
        handle.write(write_markdown(content, CHART))
    return paths + [out_dir / "report.md"]


__all__ = ["ReportContent", "build_report", "write_report"]
