"""``qualkit import`` and ``qualkit info``: transcripts into a project, and what a project holds."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..importers import TableOptions
from ..ingest import expand_paths, import_paths
from ..segment import Segmenter
from .options import (DEFAULT_PROJECT, all_speakers_option, cases_option, max_words_option,
                      project_option, unit_option)
from .output import ExitCode, open_project, out, print_import_report, progress_bar, stop


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@project_option("Project database (created if missing).", default=DEFAULT_PROJECT)
@cases_option("Case classification sheet (.csv/.xlsx): first column the case id. Wins over "
              "front matter.", exists=False, dir_okay=True)
@unit_option("Segment unit: a respondent turn (long turns cut into sentence windows), a "
             "sentence, or a paragraph.")
@max_words_option("With --unit turn: longest segment before a turn is cut.")
@all_speakers_option("Also segment interviewer turns (for coding).")
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
        with progress_bar() as progress:
            task = progress.add_task("importing", total=total)
            report = import_paths(paths, project, segmenter=segmenter, table_options=options,
                                  cases=cases, progress=lambda p: progress.update(
                                      task, advance=1, description=p.name))
        print_import_report(report, project_path)
    if not report.ok:
        stop(ExitCode.INPUT_FAILED)


@click.command("info")
@project_option(default=DEFAULT_PROJECT, must_exist=True)
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
