"""Quotes as a workbook: one sheet per theme or type, the way report writers sort them."""

from __future__ import annotations

import re

import pandas as pd

from ..spreadsheets import excel_writer
from .layout import QUOTE_SECTIONS, quote_groups

SHEET_COLUMNS = ["rank", "quote", "attribution", "case", "segment_id", "start", "end", "score"]


def sheet_name(label: str, taken: set[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name, and no two alike."""
    base = re.sub(r"[\[\]:*?/\\]", "-", label)[:31] or "quotes"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def write_quotes_xlsx(quotes: pd.DataFrame, handle) -> None:
    taken: set[str] = set()
    with excel_writer(handle) as writer:  # text as text: a quote is never a formula
        groups = [group for kind, _ in QUOTE_SECTIONS for group in quote_groups(quotes, kind)]
        if not groups:
            pd.DataFrame(columns=SHEET_COLUMNS).to_excel(writer, sheet_name="quotes", index=False)
        for label, frame in groups:
            name = sheet_name(label, taken)
            frame[SHEET_COLUMNS].to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.column_dimensions["B"].width = 90  # the quote
            sheet.column_dimensions["C"].width = 22
