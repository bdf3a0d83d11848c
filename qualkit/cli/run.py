"""``qualkit run``: every stage at once, into one folder."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import Warnings
from ..ingest import find_case_sheet
from .options import make_gate, out_dir_option, privacy_options, study_options
from .output import (ExitCode, exit_on_error, fail, progress_bar, show_run_summary, stop, warn)


@click.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_dir_option("Folder for every output and the project database (reused by the next run).")
@study_options
@privacy_options
def run_command(inputs, out_dir, codebook_path, typology_path, cases, strict, no_privacy_check,
                names, policy) -> None:
    """Everything at once: import, anonymity check, coding, topics, typology, quotes, report."""
    from ..privacy import build_detector
    from ..run import STAGES, run

    cases = cases or find_case_sheet(inputs)
    gate = make_gate(strict, no_privacy_check, names, policy, cases, audit_for=out_dir)
    if gate.mode != "off":
        detector = gate.detector  # one policy, one detector: the gate's checks are the run's
    else:  # the outputs go unchecked, but the anonymity check still reports on the transcripts
        with exit_on_error():
            detector = build_detector(names, policy, cases)
    with progress_bar() as progress:
        bar = progress.add_task("starting", total=len(STAGES))

        def tell(stage: str, state: str) -> None:
            if state == "start":
                progress.update(bar, description=stage)
            else:
                progress.advance(bar)
                if state != "done":
                    warn(Warnings.W003, console=progress.console, label=None, style="yellow",
                         stage=stage, state=state)

        with exit_on_error(ExitCode.USAGE):
            summary = run(inputs, out_dir, codebook_path=codebook_path, typology_path=typology_path,
                          cases=cases, gate=gate, detector=detector, progress=tell)
    for problem in summary.failed_files:
        fail(problem)
    show_run_summary(summary)
    if summary.failed_files or "import" in summary.skipped:
        stop(ExitCode.INPUT_FAILED)
