"""The report as Markdown: the same sections as the Word document, for the web or a repository."""

from __future__ import annotations

from .content import ReportContent
from .layout import QUOTE_SECTIONS, codebook_rows, frequency_rows, quote_groups, topic_rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def clean(cell: str) -> str:
        return str(cell).replace("|", "/").replace("\n", " ")

    lines = ["| " + " | ".join(map(clean, header)) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(map(clean, row)) + " |" for row in rows] + [""]


def write_markdown(content: ReportContent, chart_name: str) -> str:
    lines = [f"# {content.title}", ""]
    lines += [f"- {key}: {value}" for key, value in content.summary.items()] + [""]
    lines += ["## Codebook", "", *_table(*codebook_rows(content.codebook))]
    lines += ["## Themes by role and area", ""]
    for by, table in content.frequencies.items():
        lines += [f"### Cases coded with each theme, by {by}", "",
                  *_table(*frequency_rows(table, content.totals[by]))]
    lines += [f"![Cases coded with each theme, by role]({chart_name})", ""]
    if content.typology is not None:
        header, rows, _ = content.typology
        lines += ["## Case typology", "", *_table(header, rows)]
        if content.typology_note:
            lines += [content.typology_note, ""]
    if content.topics is not None and not content.topics.empty:
        lines += ["## Topics", "", *_table(*topic_rows(content.topics))]
    for kind, title in QUOTE_SECTIONS:
        groups = quote_groups(content.quotes, kind)
        if groups:
            lines += [f"## {title}", ""]
        for label, quotes in groups:
            lines += [f"### {label}", ""]
            for row in quotes.itertuples():
                lines += [f"> \u201c{row.quote}\u201d {row.attribution}", ""]
    return "\n".join(lines).rstrip() + "\n"
