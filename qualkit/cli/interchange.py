"""The interchange commands, which `qualkit.cli` adds to the ``qualkit`` group:

    qualkit export qdc --codebook FILE --out codebook.qdc
    qualkit export qdpx --project P --out study.qdpx
    qualkit export csv|xlsx --project P --out FILE [--what codings|cases]
    qualkit import-qdpx study.qdpx --project P
    qualkit import-qdc codebook.qdc --out codebook.yaml

Like every command, they print one line per problem and never a traceback for bad input.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from ..errors import Warnings
from ..segment import Segmenter
from ..interchange.conventions import MACHINE_SOURCES
from ..interchange.sheets import FORMATS, WHAT, export_sheet
from .options import (DEFAULT_PROJECT, all_speakers_option, codebook_option, make_gate,
                      max_words_option, out_file_option, privacy_options, project_option,
                      report_gate, unit_option)
from .output import (ExitCode, exit_on_error, fail, open_project, out, print_import_report, stop,
                     warn)


@click.group("export")
def export_group() -> None:
    """Write codebooks, projects and codings for NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette
    (REFI-QDA) or spreadsheets."""


@export_group.command("qdc")
@codebook_option("qualkit codebook (YAML).", default=None, required=True)
@out_file_option(default="codebook.qdc")
def export_qdc_command(codebook_path, out_path) -> None:
    """A codebook as a REFI-QDA codebook file (.qdc)."""
    from ..coding import load_codebook
    from ..interchange.qdc import export_qdc

    with exit_on_error():
        codebook = load_codebook(codebook_path)
        export_qdc(codebook, out_path)
    out.print(f"{len(codebook.codes)} codes ({len(codebook.themes)} themes) written to {out_path}")


@export_group.command("qdpx")
@project_option(must_exist=True, required=True)
@out_file_option(default="study.qdpx")
@click.option("--source", "sources", multiple=True,
              type=click.Choice(("human", *MACHINE_SOURCES)),
              help="Only these coders' codings (repeatable) [default: all].")
@privacy_options
def export_qdpx_command(project_path, out_path, sources, strict, no_privacy_check, names,
                        policy) -> None:
    """A project as a REFI-QDA project (.qdpx): codes, transcripts, codings, cases."""
    from ..interchange.qdpx_export import export_qdpx

    gate = make_gate(strict, no_privacy_check, names, policy, audit_for=out_path)
    with open_project(project_path) as project, exit_on_error(ExitCode.PRIVACY_REFUSED):
        _allow_study_words(gate, project)
        summary = export_qdpx(project, out_path, gate, sources=sources or None)
    for problem in summary.problems:
        fail(problem)
    report_gate(gate)
    out.print(f"{summary.sources} sources, {summary.codes} codes, {summary.selections} coded "
              f"selections ({summary.codings} codings by {len(summary.users)} coders), "
              f"{summary.cases} cases written to {out_path}")


def _allow_study_words(gate, project) -> None:
    """The words of the project's codebooks that their ``privacy_allow`` lists let through."""
    from ..interchange.project_data import stored_codebooks

    for codebook in stored_codebooks(project):
        gate.allow(codebook.allow_words)


def _sheet_command(fmt: str):
    @export_group.command(fmt, help=f"Codings or case attributes as a .{fmt} sheet.")
    @project_option(must_exist=True, required=True)
    @out_file_option(required=True)
    @click.option("--what", type=click.Choice(WHAT), default="codings", show_default=True,
                  help="Codings (segment, case, code, source, score), or the case sheet (NVivo "
                       "classification sheet layout).")
    @privacy_options
    def command(project_path, out_path, what, strict, no_privacy_check, names, policy) -> None:
        gate = make_gate(strict, no_privacy_check, names, policy, audit_for=out_path)
        with open_project(project_path) as project, exit_on_error(ExitCode.PRIVACY_REFUSED):
            _allow_study_words(gate, project)
            written = export_sheet(project, out_path, what, gate, fmt=fmt)
        report_gate(gate)
        out.print(f"{written.rows} rows of {what} written to {out_path}")

    return command


for _format in FORMATS:
    _sheet_command(_format)


@click.command("import-qdpx")
@click.argument("path", type=click.Path(path_type=Path))
@project_option("Project database (created if missing).", default=DEFAULT_PROJECT)
@unit_option()
@max_words_option()
@all_speakers_option("Also segment interviewer turns, to keep codings made on them.")
@click.option("--codebook-out", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the project's codes as a qualkit codebook (YAML).")
@click.option("--sources-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder holding the source files the project names by relative:// path "
                   "(outside the archive); without it they are not read.")
def import_qdpx_command(path, project_path, unit, max_words, all_speakers, codebook_out,
                        sources_dir) -> None:
    """Import a REFI-QDA project (.qdpx, or a project.qde): sources, codings, codes, cases."""
    from ..atomic import atomic_write
    from ..interchange.qdpx_import import import_qdpx

    segmenter = Segmenter(unit=unit, max_words=max_words, all_speakers=all_speakers)
    with open_project(project_path) as project, exit_on_error(ExitCode.USAGE):
        result = import_qdpx(path, project, segmenter=segmenter, sources_dir=sources_dir)
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
        stop(ExitCode.INPUT_FAILED)


@click.command("import-qdc")
@click.argument("path", type=click.Path(path_type=Path))
@out_file_option(default="codebook.yaml")
def import_qdc_command(path, out_path) -> None:
    """Turn a REFI-QDA codebook (.qdc) into a qualkit codebook (YAML)."""
    from ..interchange.qdc import import_qdc

    with exit_on_error():
        read = import_qdc(path, out_path)
    for note in read.notes:
        out.print(f"[yellow]note[/yellow]: {escape(note)}", highlight=False, soft_wrap=True)
    placeholders = sum(not code.description for code in read.codes)
    out.print(f"{len(read.codes)} codes written to {out_path}")
    if placeholders:
        warn(Warnings.W006, console=out, label="note", style="yellow", count=placeholders)
