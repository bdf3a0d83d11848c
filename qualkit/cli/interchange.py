"""The interchange commands, attached to the ``qualkit`` group:

    qualkit export qdc --codebook FILE --out codebook.qdc
    qualkit export qdpx --project P --out study.qdpx
    qualkit export csv|xlsx --project P --out FILE [--what codings|cases]
    qualkit import-qdpx study.qdpx --project P
    qualkit import-qdc codebook.qdc --out codebook.yaml

Like every command, they print one line per problem and never a traceback for bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from . import (print_import_report, exit_on_error, fail, main, make_gate, open_project, out,
                   privacy_options, report_gate)
from ..segment import DEFAULT_MAX_WORDS, DEFAULT_UNIT, UNITS, Segmenter
from ..interchange.conventions import MACHINE_SOURCES
from ..interchange.sheets import FORMATS, WHAT, export_sheet

_EXISTING_PROJECT = click.Path(path_type=Path, exists=True, dir_okay=False)


@main.group("export")
def export_group() -> None:
    """Write codebooks, projects and codings for NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette
    (REFI-QDA) or spreadsheets."""


@export_group.command("qdc")
@click.option("--codebook", "codebook_path", required=True, type=click.Path(path_type=Path),
              help="qualkit codebook (YAML).")
@click.option("--out", "out_path", default="codebook.qdc", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False))
def export_qdc_command(codebook_path, out_path) -> None:
    """A codebook as a REFI-QDA codebook file (.qdc)."""
    from ..coding import load_codebook
    from ..interchange.qdc import export_qdc

    with exit_on_error():
        codebook = load_codebook(codebook_path)
        export_qdc(codebook, out_path)
    out.print(f"{len(codebook.codes)} codes ({len(codebook.themes)} themes) written to {out_path}")


@export_group.command("qdpx")
@click.option("--project", "project_path", required=True, type=_EXISTING_PROJECT)
@click.option("--out", "out_path", default="study.qdpx", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False))
@click.option("--source", "sources", multiple=True,
              type=click.Choice(("human", *MACHINE_SOURCES)),
              help="Only these coders' codings (repeatable) [default: all].")
@privacy_options
def export_qdpx_command(project_path, out_path, sources, strict, no_privacy_check, names,
                        policy) -> None:
    """A project as a REFI-QDA project (.qdpx): codes, transcripts, codings, cases."""
    from ..interchange.qdpx_export import export_qdpx

    gate = make_gate(strict, no_privacy_check, names, policy)
    with open_project(project_path) as project, exit_on_error(3):
        summary = export_qdpx(project, out_path, gate, sources=sources or None)
    for problem in summary.problems:
        fail(problem)
    report_gate(gate)
    out.print(f"{summary.sources} sources, {summary.codes} codes, {summary.selections} coded "
              f"selections ({summary.codings} codings by {len(summary.users)} coders), "
              f"{summary.cases} cases written to {out_path}")


def _sheet_command(fmt: str):
    @export_group.command(fmt, help=f"Codings or case attributes as a .{fmt} sheet.")
    @click.option("--project", "project_path", required=True, type=_EXISTING_PROJECT)
    @click.option("--out", "out_path", required=True, type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--what", type=click.Choice(WHAT), default="codings", show_default=True,
                  help="Codings (segment, case, code, source, score), or the case sheet (NVivo "
                       "classification sheet layout).")
    @privacy_options
    def command(project_path, out_path, what, strict, no_privacy_check, names, policy) -> None:
        gate = make_gate(strict, no_privacy_check, names, policy)
        with open_project(project_path) as project, exit_on_error(3):
            written = export_sheet(project, out_path, what, gate, fmt=fmt)
        report_gate(gate)
        out.print(f"{written.rows} rows of {what} written to {out_path}")

    return command


for _format in FORMATS:
    _sheet_command(_format)


@main.command("import-qdpx")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--project", "project_path", default="study.qualkit", show_default=True,
              type=click.Path(path_type=Path), help="Project database (created if missing).")
@click.option("--unit", type=click.Choice(UNITS), default=DEFAULT_UNIT, show_default=True)
@click.option("--max-words", type=click.IntRange(min=1), default=DEFAULT_MAX_WORDS, show_default=True)
@click.option("--all-speakers", is_flag=True,
              help="Also segment interviewer turns, to keep codings made on them.")
@click.option("--codebook-out", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the project's codes as a qualkit codebook (YAML).")
def import_qdpx_command(path, project_path, unit, max_words, all_speakers, codebook_out) -> None:
    """Import a REFI-QDA project (.qdpx, or a project.qde): sources, codings, codes, cases."""
    from ..atomic import atomic_write
    from ..interchange.qdpx_import import import_qdpx

    segmenter = Segmenter(unit=unit, max_words=max_words, all_speakers=all_speakers)
    with open_project(project_path) as project, exit_on_error(2):
        result = import_qdpx(path, project, segmenter=segmenter)
    print_import_report(result.report, project_path)
    for note in result.notes:
        out.print(f"[yellow]note[/yellow]: {escape(note)}", highlight=False, soft_wrap=True)
    codes = len(result.codebook.codes) if result.codebook else 0
    out.print(f"{codes} codes, {result.cases} cases, {result.selections} coded selections: "
              f"{result.codings} new codings by {len(result.users)} coders")
    if codebook_out and result.codebook is not None:
        with atomic_write(codebook_out) as handle:
            handle.write(result.codebook.text)
        out.print(f"codebook written to {codebook_out}")
    if not result.report.ok:
        sys.exit(1)


@main.command("import-qdc")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out_path", default="codebook.yaml", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False))
def import_qdc_command(path, out_path) -> None:
    """Turn a REFI-QDA codebook (.qdc) into a qualkit codebook (YAML)."""
    from ..interchange.qdc import import_qdc

    with exit_on_error():
        read = import_qdc(path, out_path)
    for note in read.notes:
        out.print(f"[yellow]note[/yellow]: {escape(note)}", highlight=False, soft_wrap=True)
    placeholders = sum(not code.description for code in read.codes)
    out.print(f"{len(read.codes)} codes written to {out_path}"
              + (f"; {placeholders} have no description: write their definitions" if placeholders
                 else ""))
