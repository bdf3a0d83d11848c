"""The ``qualkit`` command: a thin layer over the library, one subcommand per stage.

Commands print one line per problem (never a traceback for bad input) and exit non-zero when any
input failed, after everything that could be done was done.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pandas as pd

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..embeddings import Embedder
from ..errors import Errors, QualkitError
from ..importers import TableOptions
from ..ingest import ImportReport, expand_paths, find_case_sheet, import_paths
from ..resources import default_codebook_path, default_typology_path
from ..segment import DEFAULT_MAX_WORDS, DEFAULT_UNIT, UNITS, Segmenter
from ..store import Project
from ..study import read_study

out = Console()
err = Console(stderr=True)


def fail(message: str) -> None:
    err.print(f"[red]error[/red]: {escape(message)}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def exit_on_error(status: int = 2):
    """Turn a QualkitError into its one-line message and an exit status: never a traceback."""
    try:
        yield
    except QualkitError as error:
        fail(str(error))
        sys.exit(status)


def open_project(path: Path) -> Project:
    """Open the project database, or end the command with one line saying why it cannot be."""
    with exit_on_error():
        return Project(path)


def maybe_project(path: Path | None):
    """The project when one was named, else a stand-in context holding None."""
    return open_project(path) if path else contextlib.nullcontext(None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qualkit-interviews")
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
        print_import_report(report, project_path)
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


def print_import_report(report: ImportReport, project_path: Path) -> None:
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


def privacy_options(command):
    """The export gate's options, the same on every command that writes transcript text."""
    for option in reversed([
        click.option("--strict", is_flag=True,
                     help="Refuse to write if the privacy check finds a personal detail."),
        click.option("--no-privacy-check", is_flag=True,
                     help="Write without the privacy check (prints a warning)."),
        click.option("--names", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="Known names to catch, one per line."),
        click.option("--policy", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="Privacy policy YAML (allow, names, kinds)."),
    ]):
        command = option(command)
    return command


def make_gate(strict: bool, no_privacy_check: bool, names, policy, cases=None):
    from ..privacy import PrivacyGate, build_detector

    if no_privacy_check:
        err.print("[bold red]warning[/bold red]: --no-privacy-check: this export was not checked "
                  "for names, places or contact details.")
        return PrivacyGate(mode="off")
    with exit_on_error():
        detector = build_detector(names, policy, cases)
    return PrivacyGate(detector, mode="strict" if strict else "redact")


def report_gate(gate) -> None:
    if gate.mode != "off":
        out.print(f"privacy check: {gate.redacted} personal detail(s) redacted")


@main.command("check-anonymity")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--names", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--policy", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Case sheet: name-like columns (name, first_name, ex_partner...) are known names.")
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="Record in this project which transcripts passed, and when.")
def check_anonymity_command(inputs, names, policy, cases, project_path) -> None:
    """Report names, places, contact details and dates of birth left in transcripts."""
    from ..privacy import check_paths

    results = _privacy_run("checking", lambda detector: check_paths(inputs, detector), names,
                           policy, cases)
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
        sys.exit(1)


def _privacy_run(label: str, action, names, policy, cases):
    """Build the detector, run ``action(detector)`` over the inputs, report unreadable files."""
    from ..privacy import build_detector

    with exit_on_error():
        detector = build_detector(names, policy, cases)
        with _status(label):
            results = action(detector)
    for result in results:
        if result.error:
            fail(result.error)
    return results


@main.command("anonymise")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--audit", "audit_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the audit of replacements goes [default: OUT-audit beside OUT].")
@click.option("--names", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--policy", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def anonymise_command(inputs, out_dir, audit_dir, names, policy, cases) -> None:
    """Write anonymised copies (same formats) with bracketed placeholders, plus an audit."""
    from ..privacy import anonymise_paths

    results = _privacy_run("anonymising",
                           lambda detector: anonymise_paths(inputs, out_dir, detector, audit_dir),
                           names, policy, cases)
    audit = Path(audit_dir) if audit_dir else out_dir.parent / f"{out_dir.name}-audit"
    done = [r for r in results if r.error is None]
    out.print(f"{len(done)} files written to {out_dir}, "
              f"{sum(len(r.findings) for r in done)} replacement(s)")
    err.print(f"[bold yellow]the audit in {audit} holds personal data[/bold yellow]: keep it apart "
              "from the anonymised copies")
    if len(done) < len(results):
        sys.exit(1)


DEFAULT_CODEBOOK = default_codebook_path()


@main.command("code")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
              default=DEFAULT_CODEBOOK, show_default="codebooks/spip_plus.yaml")
@click.option("--out", "out_path", default="coded.csv", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the coded segments (.csv).")
@click.option("--train", "train_paths", multiple=True, type=click.Path(path_type=Path),
              help="Human-coded sheet(s) (wide format) for the learned coder; repeatable.")
@click.option("--no-codebook-training", is_flag=True,
              help="Ignore the human-coded sheets the codebook names under 'training'.")
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="Import into this project and store the codings there (else all in memory).")
@click.option("--explain", is_flag=True, help="Add a rationale column: why each code was given.")
@click.option("--cases", type=click.Path(path_type=Path), help="Case classification sheet.")
@privacy_options
def code_command(inputs, codebook_path, out_path, train_paths, no_codebook_training, project_path,
                 explain, cases, strict, no_privacy_check, names, policy) -> None:
    """Suggest codes for every respondent segment, with scores and evidence."""
    from ..coding import code_segments, load_codebook, train_coder
    from ..ingest import segments_from_paths

    with exit_on_error():
        codebook = load_codebook(codebook_path)
    with maybe_project(project_path) as project, exit_on_error(2):
        with _status("reading inputs"):
            segments, report = segments_from_paths(inputs, project, cases=cases)
        segments = segments[segments.role == "respondent"].reset_index(drop=True)
        for failed in report.failed:
            fail(failed.error)
        if segments.empty:
            fail(str(QualkitError(Errors.E075)))
            sys.exit(1)
        with _status(f"training coders on {codebook.name}"):
            coder = train_coder(codebook, train_paths,
                                use_codebook_training=not no_codebook_training,
                                embedder=Embedder(cache=project))
        with _status(f"coding {len(segments)} segments"):
            coded = code_segments(segments, coder, explain=explain, project=project)
    gate = make_gate(strict, no_privacy_check, names, policy, cases)
    with exit_on_error(3):
        coded = gate.frame(coded, ["text", "rationale"] if explain else ["text"], where=str(out_path))
    write_csv(coded, out_path)
    report_gate(gate)
    counts = ", ".join(f"{t} {int(coded[t].sum())}" for t in codebook.themes)
    out.print(f"coded {len(coded)} segments into {out_path}: {counts}")
    if report.failed:
        sys.exit(1)


@main.command("evaluate")
@click.option("--gold", "gold_path", required=True, type=click.Path(path_type=Path))
@click.option("--pred", "pred_path", type=click.Path(path_type=Path),
              help="Coded segments to score (from 'qualkit code'); leave out with --cv.")
@click.option("--cv", "folds", type=click.IntRange(min=2),
              help="Instead of --pred: train on all but one fold of the gold's cases, code that "
                   "fold, and score the pooled out-of-fold coding.")
@click.option("--codebook-training", is_flag=True,
              help="With --cv: also train every fold on the codebook's other training sheets, "
                   "to estimate the coder as 'qualkit code' ships it.")
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
              default=DEFAULT_CODEBOOK, show_default="codebooks/spip_plus.yaml")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the table as .csv.")
def evaluate_command(gold_path, pred_path, folds, codebook_training, codebook_path,
                     out_path) -> None:
    """Agreement of automatic coding with a human gold standard, per code and overall."""
    if (pred_path is None) == (folds is None):
        fail("give either --pred coded.csv or --cv N. Fix: 'qualkit evaluate --gold gold.csv "
             "--pred coded.csv', or '--cv 5' to cross-validate on the gold itself")
        sys.exit(2)
    if pred_path is not None:
        _agreement(gold_path, pred_path, codebook_path, out_path, "gold", "pred")
        return
    from ..coding import load_codebook
    from ..coding.validation import cross_validate

    with exit_on_error():
        codebook = load_codebook(codebook_path)
        others = [(path, weight) for path, weight in codebook.training
                  if Path(path).resolve() != Path(gold_path).resolve()] if codebook_training else []
        with _status(f"cross-validating over {folds} folds of cases"):
            table, _ = cross_validate(codebook, [gold_path], folds=folds, also_train_on=others)
    _show_agreement(table, f"{folds}-fold cross-validation on {gold_path}", out_path)


@main.command("agree")
@click.argument("first", type=click.Path(path_type=Path))
@click.argument("second", type=click.Path(path_type=Path))
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
              default=DEFAULT_CODEBOOK, show_default="codebooks/spip_plus.yaml")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False))
def agree_command(first, second, codebook_path, out_path) -> None:
    """Coding comparison of two human coders (kappa and alpha per code), for a methods section."""
    _agreement(first, second, codebook_path, out_path, "A", "B")


def _agreement(first: Path, second: Path, codebook_path: Path, out_path: Path | None,
               first_name: str, second_name: str) -> None:
    from ..agreement import agreement_table, read_coding_csv
    from ..coding import load_codebook

    with exit_on_error():
        codebook = load_codebook(codebook_path)
        a, b = read_coding_csv(first), read_coding_csv(second)
        codes = [c for c in codebook.ids if _has_code(a, c) and _has_code(b, c)] or codebook.themes
        table = agreement_table(a, b, codes)
    _show_agreement(table, f"{first_name}: {first}   {second_name}: {second}", out_path)


def _show_agreement(table, title: str, out_path: Path | None) -> None:
    view = Table(title=title)
    for column in table.columns:
        view.add_column(column, justify="left" if column == "code" else "right")
    for row in table.itertuples(index=False):
        view.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    out.print(view)
    if out_path:
        write_csv(table, out_path)


@main.command("topics")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="Import into this project, reuse its embeddings cache and its codings.")
@click.option("--n-topics", default="auto", show_default=True,
              help="A number of topics to reduce to, or 'auto'.")
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--coded", "coded_path", type=click.Path(path_type=Path, exists=True),
              help="Coded segments (from 'qualkit code') to set the topics beside the codes.")
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
              default=DEFAULT_CODEBOOK, show_default="codebooks/spip_plus.yaml")
@click.option("--cases", type=click.Path(path_type=Path, exists=True), help="Case sheet (role, area).")
@privacy_options
def topics_command(inputs, out_dir, project_path, n_topics, seed, coded_path, codebook_path, cases,
                   strict, no_privacy_check, names, policy) -> None:
    """Inductive topics (BERTopic) of respondent segments, tied back to the codebook."""
    from ..agreement import read_coding_csv
    from ..coding import load_codebook
    from ..ingest import read_cases_sheet, segments_from_paths
    from ..topics import codings_from_project, fit_topics, write_topic_outputs

    if n_topics != "auto" and not str(n_topics).isdigit():
        fail(f"--n-topics must be a number or 'auto', not {n_topics!r}. Fix: e.g. --n-topics 12")
        sys.exit(2)
    with maybe_project(project_path) as project, exit_on_error(1):
        codebook = load_codebook(codebook_path)
        segments, report = segments_from_paths(inputs, project, cases=cases)
        for failed in report.failed:
            fail(failed.error)
        segments = segments[segments.role == "respondent"].reset_index(drop=True)
        case_table = project.cases() if project is not None else None
        if cases:
            sheet = read_cases_sheet(cases)
            case_table = pd.DataFrame([{"case": c, **a} for c, a in sheet.items()])
        coded = read_coding_csv(coded_path) if coded_path else (
            codings_from_project(project, codebook) if project is not None else None)
        themes = [t for t in codebook.themes if coded is not None and t in coded.columns]
        with _status(f"fitting topics on {len(segments)} segments"):
            result = fit_topics(segments, Embedder(cache=project), n_topics=n_topics, seed=seed,
                                cases=case_table, coded=coded, themes=themes)
    gate = make_gate(strict, no_privacy_check, names, policy, cases)
    with exit_on_error(3):
        write_topic_outputs(result, out_dir, gate, case_table)
    report_gate(gate)
    found = result.topics[result.topics.topic != -1]
    out.print(f"{len(found)} topics over {len(result.segment_topics)} segments "
              f"({int((result.segment_topics.topic == -1).sum())} outliers) written to {out_dir}"
              + ("" if result.emergent is None else f"; {len(result.emergent)} emergent"))
    for row in found.itertuples():
        out.print(f"  {row.topic:>3}  {row.size:>4}  {escape(str(row.label))}")


DEFAULT_TYPOLOGY = default_typology_path()


def study_options(command):
    """--codebook, --typology and --cases, as every command that reads a whole study takes them."""
    for option in reversed([
        click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
                     default=DEFAULT_CODEBOOK, show_default="codebooks/spip_plus.yaml"),
        click.option("--typology", "typology_path", type=click.Path(path_type=Path),
                     default=DEFAULT_TYPOLOGY, show_default="codebooks/spip_plus_typology.yaml"),
        click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="Case sheet [default: cases.csv inside an input folder, if any]."),
    ]):
        command = option(command)
    return command


@main.command("typology")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_path", default="cases.csv", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="Where the typed cases go; the typology table and case matrix go beside it.")
@click.option("--typology", "typology_path", type=click.Path(path_type=Path),
              default=DEFAULT_TYPOLOGY, show_default="codebooks/spip_plus_typology.yaml")
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
              help="Codebook the typology's evidence names [default: the typology's own].")
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Case sheet [default: cases.csv inside an input folder, if there is one].")
@click.option("--overrides", "overrides_path", type=click.Path(path_type=Path, exists=True,
                                                                 dir_okay=False),
              help="Researcher's decisions (case, dimension, value): they win over the codings.")
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="Import into this project and record the typing there (else all in memory).")
@click.option("--suppress-counts", is_flag=True,
              help="Say 'present'/'none' instead of counts per type (small samples).")
@privacy_options
def typology_command(inputs, out_path, typology_path, codebook_path, cases, overrides_path,
                     project_path, suppress_counts, strict, no_privacy_check, names, policy) -> None:
    """Map each case onto the typology's types, with the evidence for every cell."""
    from ..typology import store_typing, write_typology_outputs

    cases = cases or find_case_sheet(inputs)
    with maybe_project(project_path) as project, exit_on_error(2):
        study = _open_study(inputs, project, cases, codebook_path, typology_path, overrides_path)
        with _status(f"typing {study.inputs.segments['case'].nunique()} cases"):
            result = study.typology_result()
        if project is not None:
            store_typing(project, study.typology, result.cases,
                         overrides_source=Path(overrides_path).name if overrides_path else "")
    gate = make_gate(strict, no_privacy_check, names, policy, cases)
    with exit_on_error(3):
        written = write_typology_outputs(result, out_path, gate, suppress_counts)
    report_gate(gate)
    _show_typing(result)
    out.print("written: " + ", ".join(str(p) for p in written))
    if not study.report.ok:
        sys.exit(1)


def _open_study(inputs, project, cases, codebook_path, typology_path, overrides_path=None):
    """Read the inputs and train the coders, saying which inputs could not be read."""
    with _status("reading inputs and training the coders"):
        study = read_study(inputs, project, cases, codebook_path, typology_path, overrides_path)
    for failed in study.report.failed:
        fail(failed.error)
    for problem in study.report.errors:
        fail(problem)
    return study


@main.command("quotes")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_path", default="quotes.csv", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False))
@click.option("--code", "codes", multiple=True, help="Code id to quote (repeatable) [default: themes].")
@click.option("--type", "types", multiple=True, help="Case type id to quote (runs the typology).")
@click.option("--topic", "topics", multiple=True, type=int,
              help="Topic number to quote (needs --topics, from 'qualkit topics').")
@click.option("--topics", "topics_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="segment_topics.csv written by 'qualkit topics'.")
@click.option("--per-group", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--max-words", default=60, show_default=True, type=click.IntRange(8, 400))
@click.option("--balance", type=click.Choice(["role", "area"]),
              help="Let the values of this attribute take turns in each group.")
@click.option("--attribution", help="Template, e.g. '({role}, {area})' [default: the codebook's].")
@study_options
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="Import into this project and reuse its embeddings cache.")
@privacy_options
def quotes_command(inputs, out_path, codes, types, topics, topics_path, per_group, max_words, balance,
                   attribution, codebook_path, typology_path, cases, project_path, strict,
                   no_privacy_check, names, policy) -> None:
    """Short, verbatim, attributed quotes per code, case type or topic, ranked and diverse."""
    from ..quotes import extract_quotes

    if topics and not topics_path:
        fail("--topic needs --topics segment_topics.csv (written by 'qualkit topics'). "
             "Fix: run 'qualkit topics' first and pass its segment_topics.csv.")
        sys.exit(2)
    cases = cases or find_case_sheet(inputs)
    gate = make_gate(strict, no_privacy_check, names, policy, cases)
    with maybe_project(project_path) as project, exit_on_error(2):
        study = _open_study(inputs, project, cases, codebook_path, typology_path if types else None)
        unknown = [c for c in codes if c not in study.coder.codebook]
        if unknown:
            raise QualkitError(Errors.E077, code=unknown[0], what="--code options",
                               known=", ".join(study.coder.codebook.themes))
        typed = study.typology_result() if types else None
        if typed is not None:
            known = [t.id for t in typed.typology.types]
            for type_id in types:
                if type_id not in known:
                    raise QualkitError(Errors.E110, what="type", value=type_id,
                                       where="--type options", known=", ".join(known))
        with _status("choosing quotes"):
            quotes = extract_quotes(
                study.respondent_segments(), study.coder, codes=codes, types=types, topics=topics,
                typology_result=typed, segment_topics=pd.read_csv(topics_path) if topics_path
                else None, per_group=per_group, max_words=max_words, attributes=study.attributes,
                template=attribution, balance=balance, embedder=study.embedder,
                screen=gate.passes if gate.mode != "off" else None)
    with exit_on_error(3):
        quotes = gate.frame(quotes, ["quote"], where=str(out_path))
    write_csv(quotes, out_path)
    report_gate(gate)
    groups = quotes[["code", "type", "topic"]].astype(str).agg("".join, axis=1)
    out.print(f"{len(quotes)} quotes for {groups.nunique()} group(s) written to {out_path}")
    if not study.report.ok:
        sys.exit(1)


@main.command("report")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path),
              default=DEFAULT_CODEBOOK, show_default="codebooks/spip_plus.yaml")
@click.option("--typology", "typology_path", type=click.Path(path_type=Path),
              default=DEFAULT_TYPOLOGY, show_default="codebooks/spip_plus_typology.yaml")
@click.option("--no-typology", is_flag=True, help="Leave the case typology out.")
@click.option("--topics", "topics_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Output folder of 'qualkit topics', to include its topics.")
@click.option("--per-group", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Quotes per theme and per case type.")
@click.option("--title", help="Report title [default: from the codebook].")
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Case sheet [default: cases.csv inside an input folder, if there is one].")
@click.option("--project", "project_path", type=click.Path(path_type=Path),
              help="Import into this project and reuse its embeddings cache.")
@privacy_options
def report_command(inputs, out_dir, codebook_path, typology_path, no_typology, topics_dir, per_group,
                   title, cases, project_path, strict, no_privacy_check, names, policy) -> None:
    """report.docx, report.md and quotes.xlsx: codebook, theme frequencies, typology, quotes."""
    from ..report import build_report, write_report

    cases = cases or find_case_sheet(inputs)
    gate = make_gate(strict, no_privacy_check, names, policy, cases)
    with maybe_project(project_path) as project, exit_on_error(2):
        study = _open_study(inputs, project, cases, codebook_path,
                            None if no_typology else typology_path)
        with _status("gathering the report"):
            content, chart = build_report(study, with_typology=not no_typology,
                                          topics_dir=topics_dir, per_group=per_group, title=title,
                                          screen=gate.passes if gate.mode != "off" else None)
    with exit_on_error(3):
        written = write_report(content, chart, out_dir, gate)
    report_gate(gate)
    out.print(f"{len(content.quotes)} quotes; written: " + ", ".join(str(p) for p in written))
    if not study.report.ok:
        sys.exit(1)


@main.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for every output and the project database (reused by the next run).")
@study_options
@privacy_options
def run_command(inputs, out_dir, codebook_path, typology_path, cases, strict, no_privacy_check,
                names, policy) -> None:
    """Everything at once: import, anonymity check, coding, topics, typology, quotes, report."""
    from ..privacy import build_detector
    from ..run import STAGES, run

    cases = cases or find_case_sheet(inputs)
    gate = make_gate(strict, no_privacy_check, names, policy, cases)
    with exit_on_error():
        detector = build_detector(names, policy, cases)
    with _progress() as progress:
        bar = progress.add_task("starting", total=len(STAGES))

        def tell(stage: str, state: str) -> None:
            if state == "start":
                progress.update(bar, description=stage)
            else:
                progress.advance(bar)
                if state != "done":
                    progress.console.print(f"[yellow]{stage}[/yellow]: {escape(state)}")

        with exit_on_error(2):
            summary = run(inputs, out_dir, codebook_path=codebook_path, typology_path=typology_path,
                          cases=cases, gate=gate, detector=detector, progress=tell)
    for problem in summary.failed_files:
        fail(problem)
    _show_summary(summary)
    if summary.failed_files or "import" in summary.skipped:
        sys.exit(1)


def _show_summary(summary) -> None:
    """One screen: what was read, what was found, where it went, what was skipped."""
    out.print(f"[bold]{summary.cases} cases, {summary.segments} respondent segments[/bold]")
    if summary.codings:
        out.print("codings per theme: " + ", ".join(f"{k} {v}" for k, v in summary.codings.items()))
    if summary.types:
        out.print("types: " + ", ".join(f"{k} {v}" for k, v in summary.types.items()))
    out.print(f"topics: {summary.topics}; quotes written: {summary.quotes}; privacy findings in "
              f"the inputs: {summary.privacy_findings}; redacted from outputs: {summary.redacted}")
    for stage, reason in summary.skipped.items():
        out.print(f"[yellow]skipped {stage}[/yellow]: {escape(reason)}")
    table = Table("output", "where")
    for name, path in summary.outputs.items():
        table.add_row(name, str(path))
    out.print(table)
    out.print("seconds per stage: " + ", ".join(f"{k} {v}" for k, v in summary.seconds.items()))
    out.print("peak memory (MB) by the end of each stage: "
              + ", ".join(f"{k} {v}" for k, v in summary.peak_mb.items()))


def _show_typing(result) -> None:
    table = Table("case", "type", "confidence", "runner-up", "notes")
    for row in result.frame().itertuples():
        table.add_row(row.case, row.type, f"{row.confidence:.2f}", row.runner_up,
                      escape(row.notes[:60]))
    out.print(table)


def _has_code(frame, code_id: str) -> bool:
    if code_id in frame.columns:
        return True
    return any(code_id in str(v).split(";") for column in ("codes", "themes")
               if column in frame.columns for v in frame[column])


def write_csv(frame, path: Path) -> None:
    """Write a table atomically: a temp file beside the target, then a rename."""
    from ..atomic import atomic_write

    with atomic_write(path) as handle:
        frame.to_csv(handle, index=False)


def _status(message: str):
    return err.status(message, spinner="dots")


from . import interchange as _interchange_commands  # noqa: E402,F401
