"""Issue 25, items 3 and 4: what qualkit exports must not carry a participant's name in an
identifier, nor a cell that a spreadsheet runs as a formula.

A study is planted with a transcript named ``Sarah_Jones.txt`` (so the case id and every segment id
hold the name) whose respondent is labelled ``Sarah:``, and with answers and a case attribute that
begin with ``=``, ``+``, ``-`` and ``@``. ``qualkit run``, ``qualkit code`` and the exports then
must name her in no file they write (csv, xlsx, docx, md, qdpx: archives are unzipped and their XML
read), keep the mapping in the audit beside the outputs, keep the verbatim text in the project
database, write text as text in every .xlsx (read back with openpyxl: no cell of type 'f') and put
the leading quote before formula text in every .csv, numbers left as numbers.

Limits chosen here: one run on three two-answer transcripts (the smallest study every stage but
topics runs on; topics needs 30 segments and its writer is covered by the same gate methods), so
the module takes about a minute with a cold coder cache; each command is given 600 s under an
alarm, several times what it takes, so that a hang fails the test instead of hanging the suite.
The project's own records (its database and its .cache/ beside it, and the audit) hold the names
by design and are not exports.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from bounds import within
from qualkit import Project
from qualkit.cli import main
from qualkit.ingest import expand_paths
from qualkit.privacy import PrivacyGate, anonymise_paths
from qualkit.privacy.pseudonyms import AUDIT_FILE, readable
from qualkit.spreadsheets import neutralise, neutralised, to_csv, write_xlsx

LIMIT_S = 600
NAMES = (b"Sarah", b"Jones")
FORMULA = '=2+5+cmd|" /C notepad"!A0'  # Excel's DDE: runs a program when the cell is opened
PLANTED = """\
---
role: Mother
area: Area B
note: "=1+1"
---
Interviewer: What happened at the joint session?

Sarah: {formula} I was terrified of him, the police had been called twice that year.

Interviewer: And after that?

Sarah: -We went to mediation three times and came out with a written plan for the holidays.
"""




def invoke(*args: str):
    with within(LIMIT_S):
        result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def exported_bytes(path: Path) -> bytes:
    """A file as a reader meets it: an archive (docx, xlsx, qdpx) as all its members."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return b"\n".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()


def exports_under(folder: Path) -> list[Path]:
    """Every file written under ``folder`` but the project's own records."""
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts
            and not p.name.startswith("project.qualkit")]


def assert_no_name(files: list[Path]) -> None:
    assert files
    for path in files:
        data = exported_bytes(path)
        assert not any(name in data for name in NAMES), path


def audit_rows(path: Path) -> dict[str, str]:
    table = pd.read_csv(path, dtype=str)
    return dict(zip(table["original"], table["pseudonym"]))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from test_quotes import STORIES, write_study
    from test_report import TYPOLOGY

    root = tmp_path_factory.mktemp("exports")
    folder = root / "study"
    codebook = write_study(folder, {case: STORIES[case] for case in ("C2", "C3")})
    (folder / "Sarah_Jones.txt").write_text(PLANTED.format(formula=FORMULA), encoding="utf-8")
    (root / "typology.yaml").write_text(TYPOLOGY, encoding="utf-8")
    out = root / "out"
    ran = invoke("run", folder, "--out", out, "--codebook", codebook, "--typology",
                 root / "typology.yaml")
    assert ran.exit_code == 0, ran.output
    return root, folder, codebook, out, ran


def test_a_run_names_her_in_no_output_and_keeps_the_mapping_apart(study):
    root, _, _, out, ran = study
    for name in ("coded.csv", "quotes.csv", "typology/cases.csv", "typology/case_matrix.csv",
                 "typology/typology_table.md", "typology/typology_table.docx",
                 "report/report.docx", "report/report.md", "report/quotes.xlsx"):
        assert (out / name).is_file(), name
    assert_no_name(exports_under(out))
    audit = root / "out-audit"  # beside the output folder, never in it
    assert audit_rows(audit / AUDIT_FILE) == {"Sarah_Jones": "case_01", "Sarah": "Speaker 01"}
    assert "PERSONAL DATA" in (audit / "WARNING-PERSONAL-DATA.txt").read_text(encoding="utf-8")
    assert "privacy audit" in ran.output
    coded = pd.read_csv(out / "coded.csv")
    assert set(coded["case"]) == {"C2", "C3", "case_01"}  # clean ids stay readable
    assert set(coded.loc[coded["case"] == "case_01", "speaker"]) == {"Speaker 01"}
    assert {"case_01:t001:0", "case_01:t003:0"} <= set(coded["segment_id"])
    matrix = pd.read_csv(out / "typology" / "case_matrix.csv")
    assert matrix["case"].tolist() == ["C2", "C3", "case_01"]
    typed = pd.read_csv(out / "typology" / "cases.csv")
    assert typed["evidence"].str.contains("case_01:t00").iloc[-1]
    quotes = pd.read_csv(out / "quotes.csv")
    assert set(quotes["case"]) <= {"C2", "C3", "case_01"}
    with Project(out / "project.qualkit") as project:  # the database stays verbatim
        segments = project.segments()
    assert "Sarah_Jones" in set(segments["case"]) and "Sarah" in set(segments["speaker"])
    assert any(text.startswith(FORMULA) for text in segments["text"])


def test_csv_cells_that_would_run_as_formulas_are_quoted(study):
    _, _, _, out, _ = study
    with open(out / "coded.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = [row["text"] for row in rows]
    assert "'" + FORMULA + " I was terrified of him, the police had been called twice that year." \
        in texts
    assert any(text.startswith("'-We went to mediation") for text in texts)
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
    scores = [float(row["safety_score"]) for row in rows]  # numbers stay numbers
    assert all(isinstance(score, float) for score in scores)


def test_code_command_uses_the_same_pseudonyms_beside_its_output(study):
    root, folder, codebook, _, _ = study
    coded = root / "alone" / "coded.csv"
    result = invoke("code", folder, "--codebook", codebook, "--out", coded)
    assert result.exit_code == 0, result.output
    assert "[W010]" in result.stderr
    assert_no_name([coded])
    assert audit_rows(root / "alone" / "coded-audit" / AUDIT_FILE) == audit_rows(
        root / "out-audit" / AUDIT_FILE)


def test_exports_from_the_project_carry_no_name_and_no_formula(study):
    root, _, _, out, _ = study
    project = out / "project.qualkit"
    exports = root / "exports"
    for args in (["qdpx", "--out", exports / "study.qdpx"],
                 ["csv", "--out", exports / "codings.csv"],
                 ["csv", "--what", "cases", "--out", exports / "cases.csv"],
                 ["xlsx", "--what", "cases", "--out", exports / "cases.xlsx"],
                 ["xlsx", "--out", exports / "codings.xlsx"]):
        result = invoke("export", args[0], "--project", project, *args[1:])
        assert result.exit_code == 0, result.output
    assert_no_name([p for p in exports.iterdir() if p.is_file()])
    mapping = audit_rows(exports / "study-audit" / AUDIT_FILE)
    assert mapping == audit_rows(root / "out-audit" / AUDIT_FILE)  # the same in every export
    cases = pd.read_csv(exports / "cases.csv", dtype=str)
    assert cases.loc[cases["case"] == "case_01", "note"].tolist() == ["'=1+1"]
    assert_text_is_text(exports / "cases.xlsx", "=1+1")
    with zipfile.ZipFile(exports / "study.qdpx") as archive:
        texts = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".txt")]
    assert any("\nSpeaker 01: " in "\n" + text for text in texts)
    # the archive reads back: the pseudonymous label is a speaker, the case keeps its pseudonym
    result = invoke("import-qdpx", exports / "study.qdpx", "--project", root / "back.qualkit")
    assert result.exit_code == 0, result.output
    with Project(root / "back.qualkit") as back:
        turns = back.current_turns()
    assert "Speaker 01" in set(turns["speaker"]) and "case_01" in set(turns["case"])


def assert_text_is_text(path: Path, *expected: str) -> None:
    """No cell of the workbook is a formula, and each expected text is a string cell as written."""
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    strings = {c.value for c in cells if c.data_type == "s"}
    for text in expected:
        assert text in strings, (text, path)
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(re.search(rb"<f[ >]", archive.read(n)) for n in sheets)


def test_the_report_workbook_writes_quotes_as_text(tmp_path):
    from qualkit.charts import bar_chart_png
    from qualkit.report import write_report
    from qualkit.report.content import ReportContent

    quotes = pd.DataFrame({"quote": [FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0"],
                           "attribution": ["(Mother)", "(Father)"], "code": ["safety"] * 2,
                           "type": [""] * 2, "topic": [""] * 2, "rank": [1, 2],
                           "group_label": ["Safety"] * 2, "case": ["C1", "C2"],
                           "segment_id": ["C1:t002:0", "C2:t002:0"], "start": [0, 0],
                           "end": [10, 10], "score": [-0.25, 0.5]})
    table = pd.DataFrame({"Mother": [1]}, index=["Safety"])
    content = ReportContent("Report", pd.DataFrame({"code": ["safety"], "label": ["Safety"],
                                                    "parent": [""], "definition": ["d"]}),
                            {"role": table, "area": table},
                            {"role": pd.Series({"Mother": 1}), "area": pd.Series({"Mother": 1})},
                            quotes)
    write_report(content, bar_chart_png(table, "Cases", "cases"), tmp_path, PrivacyGate())
    assert_text_is_text(tmp_path / "quotes.xlsx", FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0")
    sheet = openpyxl.load_workbook(tmp_path / "quotes.xlsx").worksheets[0]
    scores = [row[7].value for row in sheet.iter_rows(min_row=2)]
    assert scores == [-0.25, 0.5]  # a negative number stays a number


def test_anonymised_sheets_keep_text_as_text_and_csv_quoted(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    frame = pd.DataFrame({"case": ["P1", "P1"], "speaker": ["Respondent"] * 2,
                          "text": ["=2+5 was the score, said Sarah", "+44 is the code"]})
    frame.to_csv(inputs / "answers.csv", index=False)
    with open(inputs / "answers.xlsx", "wb") as handle:
        write_xlsx(frame, handle)
    anonymise_paths([inputs], tmp_path / "anon", PrivacyGate().detector)
    assert_text_is_text(tmp_path / "anon" / "answers.xlsx", "=2+5 was the score, said [person 1]")
    with open(tmp_path / "anon" / "answers.csv", newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert texts == ["'=2+5 was the score, said [person 1]", "'+44 is the code"]


def test_only_text_cells_are_neutralised():
    frame = pd.DataFrame({"text": ["=1+1", "+cmd", "-x", "@x", "\tx", "\rx", "-3", "-0.5", "ok",
                                   None],
                          "score": [-1.5, 2.0, -3.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                          "count": [-1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})
    buffer = io.StringIO(newline="")
    to_csv(frame, buffer)
    back = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert [row["text"] for row in back] == ["'=1+1", "'+cmd", "'-x", "'@x", "'\tx", "'\rx", "-3",
                                             "-0.5", "ok", ""]
    assert [float(row["score"]) for row in back] == frame["score"].tolist()  # numbers, unquoted
    assert [int(row["count"]) for row in back] == frame["count"].tolist()
    assert neutralised(frame)["text"].tolist()[:2] == ["'=1+1", "'+cmd"]
    assert frame["text"][0] == "=1+1"  # the caller's table is left alone
    assert neutralise(-4) == -4 and neutralise("it was =") == "it was ="


def test_pseudonyms_are_stable_sorted_and_kept_across_commands(tmp_path):
    first = PrivacyGate(audit_dir=tmp_path / "audit")
    table = pd.DataFrame({"case": ["Sarah_Jones", "K01", "mohammed_ali"],
                          "segment_id": ["Sarah_Jones:t001:0", "K01:t001:0",
                                         "mohammed_ali:t004:1@v2"],
                          "speaker": ["Respondent", "Respondent", "Mohammed"],
                          "text": ["fine", "fine", "fine"]})
    once = first.frame(table, ["text"])
    again = PrivacyGate().frame(table.iloc[::-1].reset_index(drop=True), ["text"])
    assert once["case"].tolist() == ["case_01", "K01", "case_02"]  # in sorted order of originals
    assert again["case"].tolist() == once["case"].tolist()[::-1]  # whatever order rows come in
    assert once["segment_id"].tolist() == ["case_01:t001:0", "K01:t001:0", "case_02:t004:1@v2"]
    assert once["speaker"].tolist() == ["Respondent", "Respondent", "Speaker 01"]
    # a later command with a new case keeps the old numbers and numbers the new one after them
    later = PrivacyGate(audit_dir=tmp_path / "audit")
    grown = later.frame(pd.DataFrame({"case": ["Aisha_Khan", "Sarah_Jones"]}), [])
    assert grown["case"].tolist() == ["case_03", "case_01"]
    assert audit_rows(tmp_path / "audit" / AUDIT_FILE)["Aisha_Khan"] == "case_03"


def test_strict_mode_gives_pseudonyms_and_off_leaves_ids_alone():
    table = pd.DataFrame({"case": ["Sarah_Jones"], "text": ["nothing personal here"]})
    assert PrivacyGate(mode="strict").frame(table, ["text"])["case"].tolist() == ["case_01"]
    assert PrivacyGate(mode="off").frame(table, ["text"])["case"].tolist() == ["Sarah_Jones"]


def test_identifiers_are_read_as_words():
    assert readable("Sarah_Jones") == "Sarah Jones"
    assert readable("sarahJones") == "Sarah Jones"
    assert readable("K05_notes") == "K05 Notes"


def test_an_audit_folder_inside_the_inputs_is_never_read_as_input(tmp_path):
    (tmp_path / "in" / "out-audit").mkdir(parents=True)
    (tmp_path / "in" / "K01.txt").write_text("Respondent: fine.\n", encoding="utf-8")
    (tmp_path / "in" / "out-audit" / "WARNING-PERSONAL-DATA.txt").write_text("x")
    (tmp_path / "in" / "out-audit" / AUDIT_FILE).write_text("kind,original,pseudonym\n")
    assert [p.name for p in expand_paths([tmp_path / "in"])] == ["K01.txt"]
