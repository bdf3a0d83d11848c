"""The report as a Word document with real styles: Title, Heading 1/2, a table of contents field
that Word (or LibreOffice) fills in, tables, a chart, and quotes in the Quote style."""

from __future__ import annotations

import io

import pandas as pd

from ..docx_tables import add_table
from ..typology.tables import typology_widths
from .content import ReportContent
from .layout import QUOTE_SECTIONS, codebook_rows, frequency_rows, quote_groups, topic_rows


def write_docx(content: ReportContent, chart_png: bytes, handle) -> None:
    import docx
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    document = docx.Document()
    document.add_heading(content.title, level=0)
    for key, value in content.summary.items():
        document.add_paragraph(f"{key}: {value}", style="List Bullet")
    document.add_heading("Contents", level=1)
    _toc(document)

    document.add_heading("Codebook", level=1)
    header, rows = codebook_rows(content.codebook)
    add_table(document, header, rows, font_pt=8, widths_cm=[4.5, 4.0, 8.0])

    document.add_heading("Themes by role and area", level=1)
    for by, table in content.frequencies.items():
        document.add_heading(f"Cases coded with each theme, by {by}", level=2)
        header, rows = frequency_rows(table, content.totals[by])
        add_table(document, header, rows, font_pt=8)
    document.add_picture(io.BytesIO(chart_png), width=Cm(16))
    document.add_paragraph("Figure 1. Cases coded with each theme, by role.", style="Caption")

    if content.typology is not None:
        section = document.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        document.add_heading("Case typology", level=1)
        header, rows, bold = content.typology
        add_table(document, header, rows, bold_rows=bold, merge_first_column=True, font_pt=7,
                  widths_cm=typology_widths(len(header)))
        if content.typology_note:
            document.add_paragraph(content.typology_note)
        section = document.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = section.page_height, section.page_width

    if content.topics is not None and not content.topics.empty:
        document.add_heading("Topics", level=1)
        header, rows = topic_rows(content.topics)
        add_table(document, header, rows, font_pt=8)

    for kind, title in QUOTE_SECTIONS:
        groups = quote_groups(content.quotes, kind)
        if not groups:
            continue
        document.add_heading(title, level=1)
        for label, quotes in groups:
            document.add_heading(label, level=2)
            for row in quotes.itertuples():
                document.add_paragraph(f"\u201c{row.quote}\u201d {row.attribution}", style="Quote")
    _update_fields_on_open(document)
    document.save(handle)


def _toc(document) -> None:
    """A TOC field (headings 1-2); Word fills it in on opening, LibreOffice on conversion."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = document.add_paragraph().add_run()
    parts = [("w:fldChar", {"w:fldCharType": "begin"}, None),
             ("w:instrText", {"xml:space": "preserve"}, 'TOC \\o "1-2" \\h \\z \\u'),
             ("w:fldChar", {"w:fldCharType": "separate"}, None),
             ("w:t", {}, "Update this field (F9) to list the sections."),
             ("w:fldChar", {"w:fldCharType": "end"}, None)]
    for tag, attributes, text in parts:
        element = OxmlElement(tag)
        for key, value in attributes.items():
            element.set(qn(key), value)
        if text is not None:
            element.text = text
        run._r.append(element)


def _update_fields_on_open(document) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement("w:updateFields")
    element.set(qn("w:val"), "true")
    document.settings.element.append(element)


def headings(path) -> list[tuple[str, str]]:
    """(style, text) of every heading of a report: what a reader navigates by."""
    import docx

    return [(p.style.name, p.text) for p in docx.Document(path).paragraphs
            if p.style.name.startswith(("Heading", "Title"))]


def as_frames(path) -> list[pd.DataFrame]:
    """Every table of a Word document as a DataFrame (first row as header)."""
    import docx

    frames = []
    for table in docx.Document(path).tables:
        cells = [[cell.text for cell in row.cells] for row in table.rows]
        frames.append(pd.DataFrame(cells[1:], columns=cells[0]))
    return frames
