"""The report: Word document with real headings, tables and quotes that LibreOffice can convert,
the same content in Markdown, and a workbook with one sheet per theme."""

from __future__ import annotations

import shutil
import subprocess

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit.cli import main
from qualkit.report.word import as_frames, headings

TYPOLOGY = """\
name: mini_typology
codebook: mini_codebook.yaml
min_confidence: 0.3
dimensions:
  - id: fear
    label: Fear
    values:
      - {id: afraid, text: Afraid, evidence: [{code: safety, weight: 1.0}]}
      - {id: calm, text: Calm, prior: 0.5}
  - id: mediation
    label: Mediation
    values:
      - {id: went, text: Went to mediation, evidence: [{code: mediation, weight: 1.0}]}
      - {id: stayed_away, text: Stayed away, prior: 0.5}
types:
  - {id: frightened, label: Frightened, cells: {fear: afraid, mediation: stayed_away}}
  - {id: mediated, label: Mediated, successful: true, cells: {fear: calm, mediation: went}}
  - {id: both, label: Afraid but mediated, cells: {fear: afraid, mediation: went}}
  - {id: neither, label: Neither, cells: {fear: calm, mediation: stayed_away}}
"""


def soffice() -> str:
    """LibreOffice's command, installing it from Debian's packages if it is missing."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                        "libreoffice-writer-nogui"], capture_output=True, timeout=900)
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip("LibreOffice is not installed and could not be installed from Debian packages "
                    "(no apt-get, no root, or no network)")
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from test_quotes import STORIES, write_study

    root = tmp_path_factory.mktemp("report")
    study = root / "study"
    calm = ("Father", "Area A", "The session itself was calm enough and the facilitator kept us to the "
            "point all afternoon.", "We went to mediation twice and sorted the weekends and the "
            "school holidays between us.")
    write_study(study, {**STORIES, "C4": calm})
    (root / "mini_typology.yaml").write_text(TYPOLOGY, encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(main, ["report", str(study), "--out", str(out), "--codebook",
                                       str(root / "mini_codebook.yaml"), "--typology",
                                       str(root / "mini_typology.yaml"), "--per-group", "2"])
    assert result.exit_code == 0, result.output
    return out, study


def test_report_files_are_written(report):
    out, _ = report
    assert sorted(p.name for p in out.iterdir()) == ["quotes.xlsx", "report.docx", "report.md",
                                                     "themes_by_role.png"]


def test_docx_has_headings_tables_and_quotes(report):
    out, study = report
    found = headings(out / "report.docx")
    titles = [text for _, text in found]
    assert found[0][0] == "Title"
    for wanted in ("Contents", "Codebook", "Themes by role and area", "Case typology",
                   "Quotes by theme", "Quotes by case type"):
        assert ("Heading 1", wanted) in found, titles
    assert ("Heading 2", "safety") in found or ("Heading 2", "Safety") in found
    document = docx.Document(out / "report.docx")
    assert any("TOC" in element.text for element in document.element.body.iter()
               if element.tag.endswith("instrText"))
    tables = as_frames(out / "report.docx")
    codebook = next(t for t in tables if list(t.columns) == ["Code", "Id", "Definition"])
    assert set(codebook.Id) == {"safety", "mediation"}
    by_role = next(t for t in tables if t.columns[0] == "Theme" and any("Mother" in c for c in t.columns))
    assert by_role.set_index("Theme").loc["safety", "Mother (n=2)"] in {"1", "2"}
    typology = next(t for t in tables if "Case type" in t.columns)
    assert typology["Case type"].tolist() == ["Frightened", "Mediated", "Afraid but mediated", "Neither"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes and all(q.startswith("\u201c") and q.endswith(")") for q in quotes)
    verbatim = " ".join(path.read_text(encoding="utf-8") for path in study.glob("*.txt"))
    for quote in quotes:
        body = quote[1:quote.rindex("\u201d")].removeprefix("... ")
        assert all(piece in verbatim for piece in body.split(" ... "))
    assert document.inline_shapes  # the chart


def test_markdown_says_the_same(report):
    out, _ = report
    text = (out / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# ")
    for wanted in ("## Codebook", "## Case typology", "## Quotes by theme", "![Cases coded"):
        assert wanted in text
    document = docx.Document(out / "report.docx")
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert all(f"> {q}" in text for q in quotes)


def test_workbook_has_one_sheet_per_theme_and_type(report):
    out, _ = report
    book = openpyxl.load_workbook(out / "quotes.xlsx")
    assert {"Safety", "mediation"} & set(book.sheetnames) or len(book.sheetnames) >= 2
    frame = pd.read_excel(out / "quotes.xlsx", sheet_name=book.sheetnames[0])
    assert list(frame.columns[:3]) == ["rank", "quote", "attribution"]
    assert frame["rank"].tolist() == list(range(1, len(frame) + 1))


def test_libreoffice_converts_the_report_to_pdf(report, tmp_path):
    out, _ = report
    command = soffice()
    result = subprocess.run([command, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                             str(out / "report.docx")], capture_output=True, text=True, timeout=300,
                            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "report.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000
