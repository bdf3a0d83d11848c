"""Word tables that read like the report's: a header row in bold, small type, merged blocks."""

from __future__ import annotations


def add_table(document, header: list[str], rows: list[list[str]], *, style: str = "Table Grid",
              font_pt: float = 8, bold_rows: list[bool] | None = None,
              merge_first_column: bool = False, widths_cm: list[float] | None = None):
    """A table with ``header`` and ``rows``; with ``merge_first_column`` an empty first cell joins
    the block above it (a typology table's stage blocks). ``widths_cm`` fixes the column widths (Word and
    LibreOffice otherwise share the page equally, which squeezes long text into narrow columns)."""
    from docx.shared import Cm, Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = style
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
            run.font.size = Pt(font_pt)
    block = None
    for number, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(font_pt)
                run.bold = bool(bold_rows and bold_rows[number])
        if merge_first_column:
            if row[0]:
                block = cells[0]
            elif block is not None:
                text = block.text
                block = block.merge(cells[0])
                block.text = text
                for run in block.paragraphs[0].runs:
                    run.font.size = Pt(font_pt)
    if widths_cm:
        table.autofit = False
        for column, width in zip(table.columns, widths_cm):
            column.width = Cm(width)
            for cell in column.cells:
                cell.width = Cm(width)
    return table
