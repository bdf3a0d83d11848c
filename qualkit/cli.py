"""The ``qualkit`` command: a thin layer over the library, one subcommand per stage.

Commands print one line per problem (never a traceback for bad input) and exit non-zero when any
input failed, after everything that could be done was done.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import QualkitError
from .importers import TableOptions
from .ingest import ImportReport, expand_paths, import_paths
from .segment import DEFAULT_MAX_WORDS, DEFAULT_UNIT, UNITS, Segmenter
from .store import Project

out = Console()
err = Console(stderr=True)


def fail(message: str) -> None:
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True)


def open_project(path: Path) -> Project:
    """Open the project database, or end the command with one line saying why it cannot be."""
    try:
        return Project(path)
    except QualkitError as error:
        fail(str(error))
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qualkit")
def main() -> None:
    """qualkit: qualitative interview analysis, scriptable and reproducible."""


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--project", "project_path", default="study.qualkit", show_default=True,
              type=click.Path(path_type=Path), help="Project database (created if missing).")
@click.option("--cases", type=click.Path(path_type=Path),
              help="Case classification sheet (.csv/.xlsx): first column the case id. Wins over "
                   "front matter.")
@click.option("--unit", type=click.Choice(UNITS), default=DEFAULT_UNIT, show_default=True,
              help="Segment unit: a respondent turn (long turns cut into sentence windows), a "
                   "sentence, or a paragraph.")
@click.option("--max-words", type=click.IntRange(min=1), default=DEFAULT_MAX_WORDS,
              show_default=True, help="With --unit turn: longest segment before a turn is cut.")
@click.option("--all-speakers", is_flag=True, help="Also segment interviewer turns (for coding).")
@click.option("--text-column", default="text", show_default=True,
              help="Spreadsheets: the column holding the response text.")
@click.option("--id-column", default=None, help="Spreadsheets: the row id column [default: id].")
@click.option("--case-column", default=None,
              help="Spreadsheets: the case id column [default: case, else each row is a case].")
def import_command(paths, project_path, cases, unit, max_words, all_speakers, text_column, id_column,
                   case_column) -> None:
    """Import transcripts (txt, md, docx, vtt, srt, csv, xlsx) and folders into a project."""
    segmenter = Segmenter(unit=unit, max_words=max_words, all_speakers=all_speakers)
    options = TableOptions(text_column=text_column, id_column=id_column, case_column=case_column)
    with open_project(project_path) as project:
        total = len(expand_paths(paths, skip=[cases] if cases else []))
        with _progress() as progress:
            task = progress.add_task("importing", total=total)
            report = import_paths(paths, project, segmenter=segmenter, table_options=options,
                                  cases=cases, progress=lambda p: progress.update(
                                      task, advance=1, description=p.name))
        _print_report(report, project_path)
    if not report.ok:
        sys.exit(1)


@main.command("info")
@click.option("--project", "project_path", default="study.qualkit", show_default=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False))
def info_command(project_path) -> None:
    """Summarise a project: cases, transcripts, turns, segments, words."""
    with open_project(project_path) as project:
        transcripts = project.transcripts()
        cases = project.cases()
        table = Table(title=f"{project_path} (schema {project.schema_version})")
        for column in ("case", "source", "format", "version", "turns", "segments", "words"):
            table.add_column(column, justify="right" if column in ("turns", "segments", "words",
                                                                    "version") else "left")
        for row in transcripts.itertuples():
            table.add_row(escape(row.case_id), escape(row.source_name), row.format, str(row.version),
                          str(row.n_turns), str(row.n_segments), str(row.n_words))
        out.print(table)
        out.print(f"{len(cases)} cases, {len(transcripts)} transcripts, "
                  f"{int(transcripts.n_segments.sum())} segments, "
                  f"{int(transcripts.n_words.sum())} words")


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def _print_report(report: ImportReport, project_path: Path) -> None:
    table = Table(title=f"import into {project_path}")
    for column in ("file", "case", "format", "status", "turns", "segments", "words", "speakers"):
        table.add_column(column, justify="right" if column in ("turns", "segments", "words",
                                                                "speakers") else "left")
    for f in report.files:
        if f.status == "failed":
            continue
        cases = ", ".join(f.cases) if len(f.cases) <= 3 else f"{len(f.cases)} cases"
        table.add_row(escape(Path(f.path).name), escape(cases), f.format, f.status, str(f.turns), str(f.segments),
                      str(f.words), str(f.speakers))
    out.print(table)
    for message in report.errors + [f.error for f in report.failed]:
        fail(message)
    done = [f for f in report.files if f.status != "failed"]
    out.print(f"{len(done)} of {len(report.files)} files imported or up to date; "
              f"{sum(f.segments for f in done)} new segments, {sum(f.words for f in done)} words"
              + (f"; [red]{len(report.failed)} failed[/red]" if report.failed else ""))
