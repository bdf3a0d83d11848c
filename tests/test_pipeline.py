"""The main job on the folders users actually have: one interview, four, one with no answers in it,
a file changed between runs, and ``code --project`` run twice. Each must finish with a summary and
no traceback, and the project database must hold every suggestion once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualkit import Project
from qualkit.cli import main

FOUR = Path(__file__).parent / "data" / "four_interviews"
ROOT = Path(__file__).resolve().parent.parent
TYPOLOGY = ROOT / "codebooks" / "spip_plus_typology.yaml"


def _run(inputs: list[Path], out: Path, *extra: str):
    result = CliRunner().invoke(main, ["run", *map(str, inputs), "--out", str(out),
                                       "--typology", str(TYPOLOGY), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        "".join(__import__("traceback").format_exception(result.exception))
    return result


def _stored_codings(out: Path) -> int:
    with Project(out / "project.qualkit") as project:
        return int(project.query("SELECT COUNT(*) AS n FROM codings").n[0])


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    folder = tmp_path_factory.mktemp("four")
    for path in FOUR.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    out = folder / "out"
    return folder, out, _run([folder], out)


def test_four_interviews_and_one_without_answers(four):
    """The file with only interviewer turns is named and skipped; the four are coded, typed,
    quoted and reported; topics (too few segments) are skipped with the reason."""
    folder, out, result = four
    assert result.exit_code == 1, result.output  # one input failed
    assert "K05_notes.txt" in result.output and "E021" in result.output
    assert "4 cases" in result.output and "seconds per stage" in result.output
    assert "skipped topics" in result.output and "E080" in result.output
    for path in ("coded.csv", "quotes.csv", "typology/cases.csv", "report/report.docx",
                 "report/quotes.xlsx"):
        assert (out / path).is_file(), path
    assert "Traceback" not in result.output


def test_a_single_interview(tmp_path):
    result = _run([FOUR / "K02.txt"], tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "1 cases" in result.output and "skipped topics" in result.output
    assert (tmp_path / "out" / "report" / "report.md").is_file()


def test_a_folder_with_no_answers_at_all(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    shutil.copy(FOUR / "K05_notes.txt", folder)
    result = _run([folder], tmp_path / "out")
    assert result.exit_code == 1
    assert "skipped import" in result.output and "E075" in result.output
    assert "skipped coding" in result.output  # and the stages after it say why
    assert "Traceback" not in result.output


def test_rerun_stores_nothing_twice_and_a_changed_file_gets_new_codings(four):
    folder, out, _ = four
    before = _stored_codings(out)
    again = _run([folder], out)
    assert again.exit_code == 1, again.output
    assert _stored_codings(out) == before
    changed = folder / "K03.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace(
        "Better. Not perfect.", "Worse, if anything. He stopped the overnights."), encoding="utf-8")
    third = _run([folder], out)
    assert third.exit_code == 1, third.output
    with Project(out / "project.qualkit") as project:
        codings = project.codings()
        old = project.codings(current_only=False)
        assert codings["segment_id"].str.contains("@v2").any()  # the current version is coded
        assert old["segment_id"].isin(codings["segment_id"]).sum() < len(old)  # v1's are kept
        machine = old[~old["source"].str.startswith("human:")]
        assert not machine.duplicated(["segment_id", "code_id", "source"]).any()


def test_code_with_a_project_twice_stores_each_suggestion_once(tmp_path):
    project = tmp_path / "study.qualkit"
    args = ["code", str(FOUR / "K01.txt"), str(FOUR / "K04.txt"), "--project", str(project),
            "--out", str(tmp_path / "coded.csv")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    with Project(project) as opened:
        once = opened.codings()
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    with Project(project) as opened:
        twice = opened.codings()
    assert len(once) > 0 and len(twice) == len(once)
    assert (tmp_path / "coded.csv").read_text(encoding="utf-8").count("\n") > 10


def test_the_database_refuses_a_second_copy_of_a_suggestion(tmp_path):
    """'Stored once' is a rule of the database, not only of the code that writes to it."""
    import sqlite3

    from qualkit import import_paths
    from qualkit.resources import default_codebook_path
    from qualkit.coding import load_codebook

    with Project(tmp_path / "p.qualkit") as project:
        import_paths([FOUR / "K01.txt"], project)
        segment = project.segments()["segment_id"][0]
        codebook = load_codebook(default_codebook_path())
        project.add_codings(codebook, [(segment, "safety", "rule", 0.9, "matched 'police'", None, None)])
        codebook_id = int(project.codebooks()["id"][0])
        with pytest.raises(sqlite3.IntegrityError):
            project.conn.execute("INSERT INTO codings (segment_id, codebook_id, code_id, source, "
                                 "score, created_at) VALUES (?, ?, 'safety', 'rule', 0.5, 'now')",
                                 (segment, codebook_id))


def test_an_old_project_with_duplicate_codings_is_moved_forward(tmp_path):
    """Migration 4 keeps one copy of each suggestion a project stored twice before the rule."""
    from qualkit.migrations import MIGRATIONS

    path = tmp_path / "old.qualkit"
    with Project(path, migrations=MIGRATIONS[:3]) as old:
        from qualkit import import_paths

        import_paths([FOUR / "K01.txt"], old)
        segment = old.segments()["segment_id"][0]
        for _ in range(2):
            old.conn.execute("INSERT INTO codings (segment_id, code_id, source, score, created_at) "
                             "VALUES (?, 'safety', 'ensemble', 0.7, 'then')", (segment,))
            old.conn.execute("INSERT INTO codings (segment_id, code_id, source, rationale, "
                             "created_at) VALUES (?, 'safety', 'human:ann', 'x', 'then')", (segment,))
    with Project(path) as moved:
        assert moved.schema_version == MIGRATIONS[-1][0]
        assert len(moved.codings()) == 2
