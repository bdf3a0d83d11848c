"""What a hostile or careless user can hand qualkit: each case is reproduced, bounded in time, and
must end in one line with a code while the rest of the batch goes on (issue 25's matrix; more of
its items follow in later changes).

Limits chosen here: the privacy check reads texts in pieces of 100,000 characters
(``PIECE_CHARS``), a tenth of spaCy's own ceiling, so that a one-line 200 MB transcript is read at
all; subprocess cases are given 300 s, several times what they take, so a hang fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit import Project, import_paths
from qualkit.cli import main
from qualkit.ingest import expand_paths
from qualkit.privacy import Detector

FOUR = Path(__file__).parent / "data" / "four_interviews"
SAMPLE = Path(__file__).parent.parent / "transcripts_sample"
LIMIT_S = 300


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command in a process of its own, so that a hang ends in a timeout, not a stuck suite."""
    return subprocess.run([sys.executable, "-c", "from qualkit.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=LIMIT_S, cwd=cwd)


@pytest.fixture
def folder(tmp_path) -> Path:
    found = tmp_path / "in"
    found.mkdir()
    shutil.copy(FOUR / "K01.txt", found / "K01.txt")
    return found


def test_a_pipe_a_device_and_a_symlink_loop_named_as_transcripts(folder, tmp_path):
    os.mkfifo(folder / "waiting.txt")             # a read would block for ever
    (folder / "zero.csv").symlink_to("/dev/zero")  # a read would never end
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    done = _cli("import", str(folder), "--project", str(tmp_path / "p.qualkit"))
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert any("waiting.txt" in e and "E141" in e and "a pipe" in e for e in errors), errors
    assert any("zero.csv" in e and "E141" in e and "a device" in e for e in errors), errors
    assert any("loop.txt" in e and "E002" in e for e in errors), errors
    assert "Traceback" not in done.stderr
    with Project(tmp_path / "p.qualkit") as project:
        assert project.transcripts()["source_name"].tolist() == ["K01.txt"]  # the rest went on


def test_check_anonymity_names_a_pipe_and_goes_on(folder):
    os.mkfifo(folder / "waiting.txt")
    done = _cli("check-anonymity", str(folder))
    assert "E141" in done.stderr and "Traceback" not in done.stderr
    assert "2 files checked" in done.stdout


def test_an_output_is_never_written_over_a_pipe_or_a_link(folder, tmp_path):
    target = tmp_path / "coded.csv"
    os.mkfifo(target)
    done = CliRunner().invoke(main, ["code", str(folder), "--out", str(target)])
    assert done.exit_code != 0 and "E142" in done.output, done.output
    assert target.is_fifo()  # left as it was
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    done = CliRunner().invoke(main, ["code", str(folder), "--out", str(link)])
    assert "E142" in done.output and link.is_symlink()


def test_an_output_under_a_file_is_one_line(folder, tmp_path):
    (tmp_path / "afile").write_text("x")
    done = CliRunner().invoke(main, ["code", str(folder), "--out", str(tmp_path / "afile" / "c.csv")])
    assert done.exit_code != 0 and "E142" in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_anonymise_never_writes_over_its_inputs(folder):
    before = (folder / "K01.txt").read_bytes()
    for out in (folder, folder / "anonymised"):
        done = CliRunner().invoke(main, ["anonymise", str(folder), "--out", str(out)])
        assert done.exit_code != 0 and "E143" in done.output, done.output
    done = CliRunner().invoke(main, ["anonymise", str(folder / "K01.txt"), "--out", str(folder)])
    assert "E143" in done.output
    assert (folder / "K01.txt").read_bytes() == before
    assert not (folder / "anonymised").exists()


def test_an_output_folder_inside_the_input_is_not_read_back(folder):
    out = folder / "out"
    (out / "report").mkdir(parents=True)
    with Project(out / "project.qualkit"):
        pass
    shutil.copy(FOUR / "K02.txt", out / "report" / "looks_like_a_transcript.txt")
    (out / "coded.csv").write_text("segment_id,text\na,b\n")
    (folder / "study.qualkit").write_bytes(b"SQLite format 3\0")
    assert [p.name for p in expand_paths([folder])] == ["K01.txt"]


def test_a_control_character_in_an_answer_reaches_the_report(tmp_path):
    from qualkit.report import write_report
    from qualkit.report.content import ReportContent
    from qualkit.privacy import PrivacyGate

    quotes = pd.DataFrame({"quote": ["It was\x0cawful, the\x07 whole thing."],
                           "attribution": ["(Mother)"], "code": ["safety"], "type": [""],
                           "topic": [""], "rank": [1], "group_label": ["Safety"], "case": ["C1"],
                           "segment_id": ["C1:t002:0"], "start": [0], "end": [30], "score": [0.9]})
    from qualkit.charts import bar_chart_png

    table = pd.DataFrame({"Mother": [1]}, index=["Safety"])
    content = ReportContent("Report\x0b", pd.DataFrame({"code": ["safety"], "label": ["Safety"],
                                                      "parent": [""], "definition": ["d"]}),
                            {"role": table, "area": table},
                            {"role": pd.Series({"Mother": 1}), "area": pd.Series({"Mother": 1})},
                            quotes)
    chart = bar_chart_png(table, "Cases", "cases")
    written = write_report(content, chart, tmp_path / "report", PrivacyGate(mode="off"))
    assert {p.name for p in written} >= {"report.docx", "quotes.xlsx", "report.md"}
    import docx

    text = "\n".join(p.text for p in docx.Document(tmp_path / "report" / "report.docx").paragraphs)
    assert "It was awful, the  whole thing." in text


def test_a_line_of_over_a_million_characters_is_checked_whole():
    filler = ("and then we went to the group and it was fine " * 25_000)[:1_200_000]
    text = filler + " I spoke to Sarah Jenkins at the end."
    found = Detector().find(text)
    assert [text[f.start:f.end] for f in found] == ["Sarah Jenkins"]


def test_a_codebook_version_of_five_thousand_digits_is_one_line():
    from qualkit.coding import parse_codebook
    from qualkit.errors import QualkitError

    text = ("name: x\nversion: " + "9" * 5000 + "\ncodes:\n  - id: a\n    label: A\n"
            "    definition: d\n")
    with pytest.raises(QualkitError) as caught:
        parse_codebook(text, "x.yaml")
    assert "E061" in str(caught.value) and "x.yaml" in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_an_entity_reference_in_a_codebook_file_is_one_line(tmp_path):
    from qualkit.resources import default_codebook_path

    out = tmp_path / "c.qdc"
    done = CliRunner().invoke(main, ["export", "qdc", "--codebook", str(default_codebook_path()),
                                     "--out", str(out)])
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    text = text.replace("<Description>", "<Description>&ent;", 1)
    declaration = text.index("?>") + 2
    text = text[:declaration] + '<!DOCTYPE CodeBook [<!ENTITY ent "x">]>' + text[declaration:]
    (tmp_path / "bad.qdc").write_text(text, encoding="utf-8")
    done = CliRunner().invoke(main, ["import-qdc", str(tmp_path / "bad.qdc"), "--out",
                                     str(tmp_path / "b.yaml")])
    assert done.exit_code != 0 and "E122" in done.output and "bad.qdc" in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert not (tmp_path / "b.yaml").exists()


def test_messages_name_the_byte_the_file_and_a_valid_suggestion(tmp_path):
    """Item 21: an encoding slip names the byte (not 'check the path'); a typology's YAML slip
    does not call it a codebook; a suggested code id is itself valid."""
    from qualkit.coding import load_codebook, parse_codebook
    from qualkit.errors import QualkitError
    from qualkit.typology import parse_typology

    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\u00e9\ncodes: []\n".encode("cp1252"))
    with pytest.raises(QualkitError) as caught:
        load_codebook(latin)
    assert caught.value.code == "E073" and "0xe9" in str(caught.value) and "latin.yaml" in str(
        caught.value)
    with pytest.raises(QualkitError) as caught:
        parse_typology("name: t\ndimensions: [\n", "t_typology.yaml")
    assert caught.value.code == "E061" and "codebook" not in str(caught.value)
    with pytest.raises(QualkitError) as caught:
        parse_codebook("name: x\ncodes:\n  - id: '12'\n    label: A\n    definition: d\n", "x.yaml")
    assert caught.value.code == "E064" and "'code_12'" in str(caught.value)
    parse_codebook("name: x\ncodes:\n  - id: code_12\n    label: A\n    definition: d\n", "x.yaml")


def test_a_schema_message_stays_on_one_line():
    from qualkit.interchange.xmlio import _plain

    assert _plain("Element '{urn:QDA-XML:codebook:1.0}Code': This element\nis not expected.") == \
        "Element 'Code': This element is not expected."


def _damage_table(path: Path, table: str) -> None:
    """Overwrite the first page of ``table``, as a bad sector or a half-copied file would."""
    import sqlite3
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d\xff\xff\xff" + bytes(range(60)))


def test_a_damaged_page_is_one_line_for_import_info_and_export(folder, tmp_path):
    project = tmp_path / "p.qualkit"
    with Project(project) as opened:
        import_paths([folder], opened)
    _damage_table(project, "transcripts")
    shutil.copy(FOUR / "K02.txt", folder / "K02.txt")
    for args in (["import", str(folder)], ["info"], ["export", "qdpx", "--out", str(tmp_path / "x.qdpx")]):
        done = _cli(*args, "--project", str(project))
        assert done.returncode != 0, (args, done.stdout + done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
        assert errors and all("[E144]" in e and "p.qualkit" in e and "damaged" in e
                              for e in errors), (args, done.stderr)
    assert not (tmp_path / "x.qdpx").exists()


def test_a_full_disk_is_told_as_a_full_disk_and_a_failed_file_leaves_nothing(folder, tmp_path):
    path = tmp_path / "p.qualkit"
    for name in ("P01.txt", "P02.txt"):
        shutil.copy(SAMPLE / name, folder / name)
    with Project(path) as project:
        pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
        project.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full"
        report = import_paths([folder], project)
        errors = [file.error for file in report.files if file.error]
        assert errors and all("[E142]" in e and "disk is full" in e for e in errors), errors
        failed = {Path(file.path).name for file in report.files if file.error}
    with Project(path) as project:  # a file that failed left nothing half-written
        assert failed.isdisjoint(project.transcripts()["source_name"])
        assert failed.isdisjoint(project.query("SELECT DISTINCT source_name FROM transcripts")
                                 ["source_name"])
