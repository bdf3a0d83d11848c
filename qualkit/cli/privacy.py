"""``qualkit check-anonymity`` and ``qualkit anonymise``: personal details left in transcripts,
found and replaced. (The gate every writing command passes its output through is built by
:func:`qualkit.cli.options.make_gate`.)"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from ..errors import Warnings
from .options import (cases_option, codebook_option, names_option, out_dir_option, policy_option,
                      project_option)
from .output import ExitCode, exit_on_error, fail, open_project, out, status, stop, warn


@click.command("check-anonymity")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@names_option()
@policy_option()
@cases_option("Case sheet: name-like columns (name, first_name, ex_partner...) are known names.")
@project_option("Record in this project which transcripts passed, and when.")
@codebook_option("The study's codebook: its privacy_allow words are never flagged.")
def check_anonymity_command(inputs, names, policy, cases, project_path, codebook_path) -> None:
    """Report names, places, contact details and dates of birth left in transcripts."""
    from ..privacy import check_paths

    results = _privacy_run("checking", lambda detector: check_paths(inputs, detector), names,
                           policy, cases, codebook_path)
    for result in results:
        for where, _line, finding, context in result.findings:
            out.print(f"{escape(result.path)}, {where}: {finding.kind} '{escape(finding.text)}' "
                      f"({finding.reason}) {escape(context)}", highlight=False, soft_wrap=True)
    if project_path:
        with open_project(project_path) as project:
            project.record_anonymity_checks([(Path(r.path).name, r.sha256, len(r.findings))
                                             for r in results if r.error is None])
    found = sum(len(r.findings) for r in results)
    out.print(f"{len(results)} files checked, {found} finding(s), "
              f"{sum(r.passed for r in results)} files clean")
    if found or any(r.error for r in results):
        stop(ExitCode.INPUT_FAILED)


def _privacy_run(label: str, action, names, policy, cases, codebook_path):
    """Build the detector, run ``action(detector)`` over the inputs, report unreadable files."""
    from ..coding import load_codebook
    from ..privacy import build_detector

    with exit_on_error():
        detector = build_detector(names, policy, cases,
                                  allow=load_codebook(codebook_path).allow_words)
        with status(label):
            results = action(detector)
    for result in results:
        if result.error:
            fail(result.error)
    return results


@click.command("anonymise")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_dir_option()
@click.option("--audit", "audit_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the audit of replacements goes [default: OUT-audit beside OUT].")
@names_option()
@policy_option()
@cases_option()
@codebook_option("The study's codebook: its privacy_allow words are never replaced.")
def anonymise_command(inputs, out_dir, audit_dir, names, policy, cases, codebook_path) -> None:
    """Write anonymised copies (same formats) with bracketed placeholders, plus an audit."""
    from ..privacy import anonymise_paths

    results = _privacy_run("anonymising",
                           lambda detector: anonymise_paths(inputs, out_dir, detector, audit_dir),
                           names, policy, cases, codebook_path)
    audit = Path(audit_dir) if audit_dir else out_dir.parent / f"{out_dir.name}-audit"
    done = [r for r in results if r.error is None]
    out.print(f"{len(done)} files written to {out_dir}, "
              f"{sum(len(r.findings) for r in done)} replacement(s)")
    warn(Warnings.W002, label=None, style="bold yellow", audit=audit)
    if len(done) < len(results):
        stop(ExitCode.INPUT_FAILED)
