"""Rows and groups shared by the report's formats, so Word, Markdown and Excel say the same thing."""

from __future__ import annotations

import pandas as pd

QUOTE_SECTIONS = (("code", "Quotes by theme"), ("type", "Quotes by case type"),
                  ("topic", "Quotes by topic"))


def codebook_rows(codebook: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    rows = [[("\u2003" if row.parent else "") + row.label, row.code, row.definition]
            for row in codebook.itertuples()]
    return ["Code", "Id", "Definition"], rows


def frequency_rows(table: pd.DataFrame, totals: pd.Series) -> tuple[list[str], list[list[str]]]:
    header = ["Theme", *[f"{value} (n={totals[value]})" for value in table.columns]]
    return header, [[theme, *[str(v) for v in row]] for theme, row in table.iterrows()]


def topic_rows(topics: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    found = topics[topics["topic"] != -1]
    return ["Topic", "Segments", "Label"], [[str(r.topic), str(r.size), str(r.label)]
                                            for r in found.itertuples()]


def quote_groups(quotes: pd.DataFrame, kind: str) -> list[tuple[str, pd.DataFrame]]:
    """(label, quotes in rank order) for each group of one kind, in order of first appearance."""
    if quotes.empty or kind not in quotes.columns:
        return []
    mine = quotes[quotes[kind].astype(str) != ""]
    labels = mine["group_label"] if "group_label" in mine.columns else mine[kind]
    return [(str(label), frame.sort_values("rank"))
            for label, frame in mine.groupby(labels.astype(str), sort=False)]
