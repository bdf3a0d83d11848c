"""What the commands print and how they end: the consoles, one-line errors and warnings, progress
bars, the status spinner, tables, atomic CSV writes and the exit statuses.

Every message a user sees about a problem comes from :mod:`qualkit.errors` (``Errors`` or
``Warnings``) and so carries its code; :func:`fail` and :func:`warn` print them.
"""

from __future__ import annotations

import contextlib
import enum
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import Message, QualkitError, Warnings
from ..store import Project

out = Console()
err = Console(stderr=True)


class ExitCode(enum.IntEnum):
    """The statuses every ``qualkit`` command exits with."""

    OK = 0
    """Everything was done."""
    INPUT_FAILED = 1
    """Some input failed (the rest was done), or a check found something (``check-anonymity``)."""
    USAGE = 2
    """Bad usage or unusable input: nothing (more) could be done. Click's own usage errors are 2 too."""
    PRIVACY_REFUSED = 3
    """The privacy gate refused to write (``--strict`` and a personal detail in the output)."""


def fail(message: str, **fields: object) -> None:
    """Print one error line. ``message`` is an ``Errors`` entry (formatted with ``fields``, its code
    appended) or the text of a :class:`QualkitError`, which carries its code already."""
    if isinstance(message, Message):
        message = f"{message.format(**fields)} [{message.code}]"
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True)


def warn(warning: Message, *, console: Console | None = None, label: str | None = "warning",
         style: str | None = "bold red", **fields: object) -> None:
    """Print a ``Warnings`` entry with its code: ``label: message [W001]`` with the label in
    ``style``; without a label the whole line is in ``style`` (``None``: plain)."""
    text = escape(f"{warning.format(**fields)} [{warning.code}]")
    if label:
        text = f"[{style}]{label}[/{style}]: {text}" if style else f"{label}: {text}"
    elif style:
        text = f"[{style}]{text}[/{style}]"
    (console or err).print(text, highlight=False, soft_wrap=True)


def stop(status: ExitCode) -> None:
    """End the command with ``status``."""
    sys.exit(int(status))


def fail_and_stop(message: str, status: ExitCode = ExitCode.USAGE, **fields: object) -> None:
    """:func:`fail` with the message, then end the command with ``status``."""
    fail(message, **fields)
    stop(status)


@contextlib.contextmanager
def exit_on_error(status: ExitCode = ExitCode.USAGE):
    """Turn a QualkitError into its one-line message and an exit status: never a traceback."""
    try:
        yield
    except QualkitError as error:
        fail(str(error))
        stop(status)


def open_project(path: Path) -> Project:
    """Open the project database, or end the command with one line saying why it cannot be."""
    with exit_on_error():
        return Project(path)


def maybe_project(path: Path | None):
    """The project when one was named, else a stand-in context holding None."""
    return open_project(path) if path else contextlib.nullcontext(None)


def progress_bar() -> Progress:
    """A transient progress bar on stderr: description, bar, done of total, time."""
    return Progress(TextColumn("[bold]{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def status(message: str):
    """A spinner on stderr while ``message`` is being done."""
    return err.status(message, spinner="dots")


def write_csv(frame, path: Path) -> None:
    """Write a table atomically (a temp file beside the target, then a rename), no cell a
    formula (:mod:`qualkit.spreadsheets`)."""
    from ..spreadsheets import write_csv as write_table

    write_table(frame, path)


def print_import_report(report, project_path: Path) -> None:
    """The table of an import (one row per file read), its problems, and a one-line total."""
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


def show_agreement(table, title: str, out_path: Path | None, bootstrap=None) -> None:
    """An agreement table (one row per code, a sub-code indented under its parent), also written
    as .csv when ``out_path`` is given. With ``bootstrap`` (a :class:`qualkit.intervals.Bootstrap`)
    a second, narrow table gives F1 and kappa with their intervals, "0.780 [0.66, 0.88]" (the
    .csv has all four figures' bounds), then the line saying how they were drawn and a note (E191)
    for each code whose interval is left blank. A second table, not wider cells, because the first
    already fills an 80-column terminal."""
    from ..agreement import TABLE_COLUMNS
    from ..errors import Errors
    from ..intervals import blank_intervals

    shown = [column for column in TABLE_COLUMNS if column in table.columns]
    parent_of = dict(zip(table["code"], table["parent"])) if "parent" in table.columns else {}
    rows = [dict(zip(table.columns, values)) for values in table.itertuples(index=False)]
    view = Table(title=title)
    for column in shown:
        view.add_column(column, justify="left" if column == "code" else "right")
    for row in rows:
        view.add_row(*["  " * _depth(row[c], parent_of) + row[c] if c == "code" else _figure(row[c])
                       for c in shown])
    out.print(view)
    if bootstrap is not None:
        # resamples used, only where some figure was undefined in some of them
        lost = any(row[f"{metric}_usable"] < bootstrap.resamples
                   for row in rows for metric in ("f1", "kappa"))
        bounds = Table()
        bounds.add_column("code", overflow="fold")  # the figures never wrap; a long id may
        for column in ("f1 [95%]", "kappa [95%]") + (("used (f1, kappa)",) if lost else ()):
            bounds.add_column(column, justify="right", no_wrap=True)
        for row in rows:
            used = [f"{row['f1_usable']}, {row['kappa_usable']}"] if lost else []
            bounds.add_row("  " * _depth(row["code"], parent_of) + row["code"],
                           _bounded(row, "f1", "f1"), _bounded(row, "cohen_kappa", "kappa"), *used)
        out.print(bounds)
        out.print(bootstrap.note(int(table["n"].iloc[0])), highlight=False)
        for fields in blank_intervals(table, bootstrap):
            warn(Errors.E191, console=out, label="note", style=None, **fields)
    if out_path:
        write_csv(table, out_path)


def _figure(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _bounded(row: dict, column: str, metric: str) -> str:
    """'0.780 [0.66, 0.88]'; '[-]' where the interval is left blank (too few usable resamples)."""
    low, high = row[f"{metric}_low"], row[f"{metric}_high"]
    return _figure(row[column]) + (" [-]" if low != low else f" [{low:.2f}, {high:.2f}]")


def _depth(code: str, parent_of: dict) -> int:
    """How deep a code sits: its parent, and that parent's parents as far as the table lists
    them (a codebook's tree is a few levels deep and has no cycles; ``seen`` guards anyway)."""
    depth, seen = 0, {code}
    while parent_of.get(code) and parent_of[code] not in seen:
        code = parent_of[code]
        seen.add(code)
        depth += 1
    return depth


def show_typing(result) -> None:
    """One row per typed case: type, confidence, runner-up, notes."""
    table = Table("case", "type", "confidence", "runner-up", "notes")
    for row in result.frame().itertuples():
        table.add_row(row.case, row.type, f"{row.confidence:.2f}", row.runner_up,
                      escape(row.notes[:60]))
    out.print(table)


def band_line(bands: dict[str, dict[str, int]]) -> str:
    """'512 auto-accepted, 141 to review (relevance 80/40, ...)': the review work a coding left."""
    auto = sum(b["auto"] for b in bands.values())
    review = sum(b["review"] for b in bands.values())
    each = ", ".join(f"{theme} {b['auto']}/{b['review']}" for theme, b in bands.items())
    return f"suggestions: {auto} auto-accepted, {review} to review (auto/review: {each})"


def show_run_summary(summary) -> None:
    """One screen: what was read, what was found, where it went, what was skipped."""
    out.print(f"[bold]{summary.cases} cases, {summary.segments} respondent segments[/bold]")
    if summary.codings:
        out.print("codings per theme: " + ", ".join(f"{k} {v}" for k, v in summary.codings.items()))
    if summary.bands:
        out.print(band_line(summary.bands))
    if summary.types:
        out.print("types: " + ", ".join(f"{k} {v}" for k, v in summary.types.items()))
    out.print(f"topics: {summary.topics}; quotes written: {summary.quotes}; privacy findings in "
              f"the inputs: {summary.privacy_findings}; redacted from outputs: {summary.redacted}")
    for stage, reason in summary.skipped.items():
        warn(Warnings.W004, console=out, label=None, style="yellow", stage=stage, reason=reason)
    table = Table("output", "where")
    for name, path in summary.outputs.items():
        table.add_row(name, str(path))
    out.print(table)
    out.print("seconds per stage: " + ", ".join(f"{k} {v}" for k, v in summary.seconds.items()))
    out.print("peak memory (MB) by the end of each stage: "
              + ", ".join(f"{k} {v}" for k, v in summary.peak_mb.items()))
