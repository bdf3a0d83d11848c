"""Bad input: each problem gets its code and one line naming the file, the line and the fix; in a batch,
the other files still import, nothing of the bad file is stored, and the CLI exits 1 without a
traceback."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import docx
import pytest

from qualkit import Project, QualkitError, Segmenter, import_paths, read_cases_sheet, read_file
from qualkit.cli import main

GOOD = "---\ncase: GOOD\nrole: Mother\n---\nInterviewer: How was it?\nRespondent: It was fine.\n"


@dataclass
class Bad:
    name: str                          # file name; the case id would be its stem
    make: Callable[[Path], None] | None  # writes the file; None: the file does not exist
    code: str
    line: int | None = None
    says: tuple[str, ...] = ()         # fragments the message must hold besides the basics


def text(content: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content.encode(encoding))


def raw(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def real_docx(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Interviewer: Hello.")
    document.add_paragraph("Respondent: Hi.")
    document.save(path)


def corrupt_docx(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)


def docx_missing_document_part(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    path.write_bytes(buffer.getvalue())


def empty_docx(path: Path) -> None:
    docx.Document().save(path)


def rows_csv(*rows) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return make


VTT_HEAD = "WEBVTT\n\n"

BAD = [
    Bad("missing.txt", None, "E001", says=("not found",)),
    Bad("missing.pdf", None, "E001", says=("not found",)),
    Bad("empty.txt", raw(b""), "E003", says=("empty",)),
    Bad("empty.docx", raw(b""), "E003"),
    Bad("empty.vtt", raw(b""), "E003"),
    Bad("empty.csv", raw(b""), "E003"),
    Bad("empty.xlsx", raw(b""), "E003"),
    Bad("blank.txt", raw(b"  \n\t\r\n   \n"), "E003"),
    Bad("blank16.txt", raw(codecs.BOM_UTF16_LE + " \n \n".encode("utf-16-le")), "E003"),
    Bad("blank_bom.md", raw(codecs.BOM_UTF8 + b"\n\n"), "E003"),
    Bad("binary.txt", raw(b"Respondent: hi\x00\x01\x02\xff"), "E004", says=("offset 14",)),
    Bad("zipped.txt", real_docx, "E005", says=("zip archive", ".docx")),
    Bad("notword.docx", text("Interviewer: Hello.\nRespondent: Hi.\n"), "E005",
        says=("plain text", ".txt")),
    Bad("scan.txt", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "E005", says=("PDF",)),
    Bad("sheet.csv", real_docx, "E005", says=("zip archive",)),
    Bad("sheet.xlsx", text("id,text\n1,hello\n"), "E005", says=("not a workbook",)),
    Bad("report.pdf", raw(b"%PDF-1.4\n"), "E006", says=("'.pdf'", ".docx", ".txt")),
    Bad("notes.rtf", raw(b"{\\rtf1\\ansi Interviewer: Hello.}"), "E006", says=("'.rtf'",)),
    Bad("README", text("Interviewer: Hello.\nRespondent: Hi.\n"), "E006", says=("(none)",)),
    Bad("cp.txt", raw(b"Interviewer: Hi.\nRespondent: caf\xe9 \x81 bar\n"), "E007",
        says=("0x81", "offset 34")),
    Bad("bad16.txt", raw(codecs.BOM_UTF16_LE + "R: hi".encode("utf-16-le") + b"\x00\xdc"),
        "E007"),
    Bad("unclosed.txt", text("---\ncase: X\nrole: Mother\nInterviewer: Hi.\nRespondent: Hi.\n"),
        "E010", line=1),
    Bad("yaml_colon.txt", text("---\ncase: X\nrole: Mother: Father\narea: North\n---\nR: Hi.\n"),
        "E011", line=3, says=("mapping values",)),
    Bad("yaml_tab.txt", text("---\ncase: X\nrole: b\n\tarea: c\n---\nR: Hi.\n"), "E011", line=4),
    Bad("yaml_indent.txt", text("---\ncase: X\n  role: b\narea: c\n---\nR: Hi.\n"), "E011", line=3),
    Bad("yaml_quote.txt", text("---\ncase: X\nrole: 'Mother\narea: North\nharm: no\n---\nR: Hi.\n"),
        "E011", line=3),
    Bad("yaml_bracket.txt", text("---\ncase: X\nrole: [Mother\narea: North\n---\nR: Hi.\n"),
        "E011", line=3),
    Bad("yaml_nokey.txt", text("---\ncase: X\nrole: Mother\njust words\narea: North\n---\nR: Hi.\n"),
        "E011", line=4),
    Bad("fm_list.txt", text("---\n- case: X\n- role: Mother\n---\nR: Hi.\n"), "E012", line=2,
        says=("list",)),
    Bad("fm_scalar.md", text("---\njust a sentence\n---\nR: Hi.\n"), "E012", line=2),
    Bad("fm_nested.txt", text("---\ncase: X\nchildren:\n  - son\n  - daughter\n---\nR: Hi.\n"),
        "E013", line=3, says=("'children'",)),
    Bad("unlabelled.txt", text("We talked about the course for a while and then the\n"
                               "conversation moved on to the joint session.\n"), "E020",
        says=("'Interviewer:'",)),
    Bad("unlabelled.md", text("---\ncase: X\n---\n# Notes\n\nnothing labelled here\n"), "E020"),
    Bad("interviewer_only.txt", text("Interviewer: Hello?\nI: Is anyone there?\nQ: Hello?\n"),
        "E021", says=("I, Interviewer, Q",)),
    Bad("no_speakers.vtt", text(VTT_HEAD + "00:00:01.000 --> 00:00:02.000\nHello there.\n\n"
                                "00:00:02.000 --> 00:00:03.000\nHi.\n"), "E022"),
    Bad("bad_timing.vtt", text(VTT_HEAD + "1\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi.</v>\n\n"
                               "2\n00:00:02 --> 00:00:03\n<v Bob>Hello.</v>\n"), "E023", line=8,
        says=("'00:00:02 --> 00:00:03'",)),
    Bad("bad_timing.srt", text("1\n00:00:01,000 --> 00:00:02,000\nAnn: Hi.\n\n"
                               "2\n00:00:02,000 --> 00:00:xx,000\nBob: Hello.\n"), "E023", line=6),
    # a cue whose arrow is broken is reported, not skipped as if it were a NOTE with its text lost
    Bad("bad_arrow.srt", text("1\n00:00:01,000 -> 00:00:02,000\nAnn: Hi.\n\n"
                              "2\n00:00:02,000 --> 00:00:03,000\nBob: Hello.\n"), "E023", line=2,
        says=("'00:00:01,000 -> 00:00:02,000'",)),
    Bad("bad_arrow.vtt", text(VTT_HEAD + "00:00:01.000 --> 00:00:02.000\n<v Ann>Hi.</v>\n\n"
                              "00:00:02.000 00:00:03.000\n<v Bob>Hello.</v>\n"), "E023", line=6),
    Bad("interviewer_only.vtt", text(VTT_HEAD + "00:00:01.000 --> 00:00:02.000\n"
                                     "<v Interviewer>Hello?</v>\n"), "E021"),
    Bad("corrupt.docx", corrupt_docx, "E025"),
    Bad("no_document.docx", docx_missing_document_part, "E025"),
    Bad("blank.docx", empty_docx, "E024"),
    Bad("no_text_column.csv", rows_csv(("id", "response"), ("1", "hello")), "E030",
        says=("'text'", "id, response", "--text-column")),
    Bad("duplicate_ids.csv", rows_csv(("id", "text"), ("a", "one"), ("b", "two"), ("a", "three")),
        "E031", line=4, says=("'a'", "rows 2 and 4")),
    Bad("unquoted_commas.csv", text("id,text\n1,Fine, thanks\n2,Not really, no\n"), "E033",
        line=2, says=("double quotes",)),
    Bad("not_a_workbook.xlsx", real_docx, "E033"),
    Bad("no_rows.csv", rows_csv(("id", "text"), ("a", ""), ("b", "  ")), "E032"),
]


def make_bad(folder: Path, bad: Bad) -> Path:
    path = folder / bad.name
    if bad.make:
        bad.make(path)
    return path


def check_message(message: str, path: Path, bad: Bad) -> None:
    assert "\n" not in message
    assert message.startswith(str(path))
    assert f"[{bad.code}]" in message
    assert "Fix:" in message
    if bad.line is not None:
        assert message.startswith(f"{path}, line {bad.line}:")
    else:
        assert ", line " not in message
    for fragment in bad.says:
        assert fragment in message


@pytest.mark.parametrize("bad", BAD, ids=lambda bad: bad.name)
def test_read_file_reports_code_file_line_and_fix(tmp_path, bad):
    path = make_bad(tmp_path, bad)
    with pytest.raises(QualkitError) as caught:
        read_file(path)
    error = caught.value
    assert error.code == bad.code
    assert error.line == bad.line
    check_message(str(error), path, bad)


def stored_sources(project: Project) -> dict[str, list]:
    return {
        "transcripts": sorted(project.transcripts(current_only=False)["source_name"]),
        "turns": project.query("SELECT COUNT(*) AS n FROM turns").loc[0, "n"],
        "segments": sorted(project.segments(current_only=False)["source_name"]),
        "cases": sorted(project.cases()["case"]),
    }


@pytest.mark.parametrize("bad", BAD, ids=lambda bad: bad.name)
def test_batch_imports_the_rest_and_stores_nothing_of_the_bad_file(tmp_path, project, bad):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "before.txt").write_text(GOOD.replace("GOOD", "BEFORE"), encoding="utf-8")
    bad_path = make_bad(folder, bad)
    (folder / "zafter.txt").write_text(GOOD.replace("GOOD", "AFTER"), encoding="utf-8")
    paths = [folder / "before.txt", bad_path, folder / "zafter.txt"]

    report = import_paths(paths, project)

    assert not report.ok
    assert report.errors == []
    assert {Path(f.path).name: f.status for f in report.files} == {
        "before.txt": "imported", bad.name: "failed", "zafter.txt": "imported"}
    assert len(report.files) == 3
    [failed] = report.failed
    assert failed.error is not None
    assert failed.error.endswith(f"[{bad.code}]")
    check_message(failed.error, bad_path, bad)
    assert (failed.turns, failed.segments, failed.cases) == (0, 0, ())
    assert stored_sources(project) == {
        "transcripts": ["before.txt", "zafter.txt"], "turns": 4,
        "segments": ["before.txt", "zafter.txt"], "cases": ["AFTER", "BEFORE"]}
    assert len(project.segments()) == 2


@pytest.mark.parametrize("bad", BAD, ids=lambda bad: bad.name)
def test_cli_reports_one_line_and_exits_1(tmp_path, runner, bad):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    bad_path = make_bad(tmp_path, bad)
    project_path = tmp_path / "study.qualkit"

    result = runner.invoke(main, ["import", str(tmp_path / "good.txt"), str(bad_path),
                                  "--project", str(project_path)])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1
    check_message(error_lines[0][len("error: "):], bad_path, bad)
    assert "1 of 2 files imported or up to date; 1 new segments, 6 words; 1 failed" in result.stdout
    with Project(project_path) as project:
        assert stored_sources(project)["transcripts"] == ["good.txt"]
        assert stored_sources(project)["cases"] == ["GOOD"]


def test_cli_folder_with_bad_files_imports_the_rest(tmp_path, runner):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "P01.txt").write_text(GOOD.replace("GOOD", "P01"), encoding="utf-8")
    (folder / "P02.txt").write_bytes(b"")
    (folder / "P03.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "P04.docx").write_text("Interviewer: Hi.\nRespondent: Hi.\n", encoding="utf-8")
    (folder / "P05.md").write_text("---\ncase: P05\nrole: Mother: Father\n---\nR: Hi.\n",
                                   encoding="utf-8")
    (folder / "P06.txt").write_text(GOOD.replace("GOOD", "P06"), encoding="utf-8")
    project_path = tmp_path / "study.qualkit"

    result = runner.invoke(main, ["import", str(folder), "--project", str(project_path)])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("error: "))
    assert [line.split("[")[-1] for line in errors] == ["E003]", "E006]", "E005]", "E011]"]
    assert errors[3].startswith(f"error: {folder / 'P05.md'}, line 3:")
    assert "2 of 6 files imported or up to date" in result.stdout
    with Project(project_path) as project:
        assert sorted(project.transcripts()["source_name"]) == ["P01.txt", "P06.txt"]
        assert sorted(project.cases()["case"]) == ["P01", "P06"]


# --- the cases sidecar ------------------------------------------------------------------------------

def test_cases_sheet_with_empty_case_id(tmp_path):
    sheet = tmp_path / "cases.csv"
    rows_csv(("case", "role"), ("P01", "Mother"), ("", "Father"), ("P03", "Aunt"))(sheet)
    with pytest.raises(QualkitError) as caught:
        read_cases_sheet(sheet)
    assert caught.value.code == "E035"
    check_message(str(caught.value), sheet, Bad("cases.csv", None, "E035", line=3,
                                                 says=("row 3",)))


def test_batch_with_bad_cases_sheet_still_imports_the_transcripts(tmp_path, project):
    folder = tmp_path / "in"
    folder.mkdir()
    sheet = folder / "cases.csv"
    rows_csv(("case", "role"), ("GOOD", "Grandmother"), (" ", "Father"))(sheet)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")

    report = import_paths([folder], project, cases=sheet)

    assert not report.ok
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"{sheet}, line 3:")
    assert report.errors[0].endswith("[E035]") and "Fix:" in report.errors[0]
    assert [(Path(f.path).name, f.status) for f in report.files] == [("good.txt", "imported")]
    # nothing of the sheet is stored: the front matter's role stands
    assert project.cases().set_index("case").loc["GOOD", "role"] == "Mother"
    assert sorted(project.cases()["case"]) == ["GOOD"]


def test_cli_with_bad_cases_sheet_exits_1(tmp_path, runner):
    sheet = tmp_path / "cases.csv"
    rows_csv(("case", "role"), ("", "Father"))(sheet)
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    project_path = tmp_path / "study.qualkit"
    result = runner.invoke(main, ["import", str(tmp_path / "good.txt"), "--cases", str(sheet),
                                  "--project", str(project_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {sheet}, line 2: case sheet row 2 has an empty case id. Fix: fill in "
                      "the first column or delete the row. [E035]"]
    assert "1 of 1 files imported or up to date" in result.stdout


# --- clashes found only when storing ----------------------------------------------------------------

def test_segment_id_clash_rolls_back_the_whole_file(tmp_path, project):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    rows_csv(("id", "case", "text"), ("r1", "C1", "First file."))(first)
    rows_csv(("id", "case", "text"), ("r0", "C2", "Fine row."), ("r1", "C3", "Clashing row."))(second)
    report = import_paths([first, second], project)
    assert [f.status for f in report.files] == ["imported", "failed"]
    error = report.files[1].error
    assert error.startswith(str(second)) and error.endswith("[E042]") and "Fix:" in error
    assert "'r1'" in error and str(first) in error
    assert sorted(project.cases()["case"]) == ["C1"]
    assert list(project.segments()["segment_id"]) == ["r1"]
    assert list(project.transcripts()["source_name"]) == ["a.csv"]


# --- options ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings, code", [({"unit": "word"}, "E050"), ({"max_words": 0}, "E051"),
                                            ({"max_words": -5}, "E051")])
def test_bad_segmenter_options(settings, code):
    with pytest.raises(QualkitError) as caught:
        Segmenter(**settings)
    assert caught.value.code == code
    assert "Fix:" in str(caught.value)


def test_cli_error_keeps_brackets_in_file_names(tmp_path, runner):
    bad = tmp_path / "[draft] P1.txt"
    bad.write_bytes(b"")
    result = runner.invoke(main, ["import", str(bad), "--project", str(tmp_path / "s.qualkit")])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    check_message(errors[0][len("error: "):], bad, Bad(bad.name, None, "E003"))
