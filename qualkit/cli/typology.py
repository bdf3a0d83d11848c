"""``qualkit typology``, ``qualkit quotes`` and ``qualkit report``: the commands that read a whole
study (inputs, codebook, coders, typology) and write what a report is made of."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ..errors import Errors, QualkitError
from ..ingest import find_case_sheet
from .options import (cases_option, codebook_option, make_gate, out_dir_option, out_file_option,
                      privacy_options, project_option, report_gate, study_options,
                      typology_option)
from .output import (ExitCode, exit_on_error, fail, fail_and_stop, maybe_project, out, show_typing,
                     status, stop, write_csv)


@click.command("typology")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_file_option("Where the typed cases go; the typology table and case matrix go beside it.",
                 default="cases.csv")
@typology_option()
@codebook_option("Codebook the typology's evidence names [default: the typology's own].",
                 default=None)
@cases_option("Case sheet [default: cases.csv inside an input folder, if there is one].")
@click.option("--overrides", "overrides_path", type=click.Path(path_type=Path, exists=True,
                                                                 dir_okay=False),
              help="Researcher's decisions (case, dimension, value): they win over the codings.")
@project_option("Import into this project and record the typing there (else all in memory).")
@click.option("--suppress-counts", is_flag=True,
              help="Say 'present'/'none' instead of counts per type (small samples).")
@privacy_options
def typology_command(inputs, out_path, typology_path, codebook_path, cases, overrides_path,
                     project_path, suppress_counts, strict, no_privacy_check, names, policy) -> None:
    """Map each case onto the typology's types, with the evidence for every cell."""
    from ..typology import store_typing, write_typology_outputs

    cases = cases or find_case_sheet(inputs)
    with maybe_project(project_path) as project, exit_on_error(ExitCode.USAGE):
        study = _open_study(inputs, project, cases, codebook_path, typology_path, overrides_path)
        with status(f"typing {len(study.corpus.cases)} cases"):
            result = study.type_cases()
        if project is not None:
            store_typing(project, study.typology, result.cases,
                         overrides_source=Path(overrides_path).name if overrides_path else "")
    gate = make_gate(strict, no_privacy_check, names, policy, cases, audit_for=out_path)
    gate.allow(study.codebook.allow_words)
    gate.know(study.corpus.segments)
    with exit_on_error(ExitCode.PRIVACY_REFUSED):
        written = write_typology_outputs(result, out_path, gate, suppress_counts)
    report_gate(gate)
    show_typing(result)
    out.print("written: " + ", ".join(str(p) for p in written))
    if not study.report.ok:
        stop(ExitCode.INPUT_FAILED)


def _open_study(inputs, project, cases, codebook_path, typology_path, overrides_path=None):
    """Read the inputs and train the coders, saying which inputs could not be read."""
    from ..study import open_study

    with status("reading inputs and training the coders"):
        study = open_study(inputs, project, cases=cases, codebook_path=codebook_path,
                           typology_path=typology_path, overrides_path=overrides_path)
    for failed in study.report.failed:
        fail(failed.error)
    for problem in study.report.errors:
        fail(problem)
    return study


@click.command("quotes")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_file_option(default="quotes.csv")
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
@project_option("Import into this project and reuse its embeddings cache.")
@privacy_options
def quotes_command(inputs, out_path, codes, types, topics, topics_path, per_group, max_words, balance,
                   attribution, codebook_path, typology_path, cases, project_path, strict,
                   no_privacy_check, names, policy) -> None:
    """Short, verbatim, attributed quotes per code, case type or topic, ranked and diverse."""
    from ..quotes import extract_quotes

    if topics and not topics_path:
        fail_and_stop(Errors.E052, ExitCode.USAGE)
    cases = cases or find_case_sheet(inputs)
    gate = make_gate(strict, no_privacy_check, names, policy, cases, audit_for=out_path)
    with maybe_project(project_path) as project, exit_on_error(ExitCode.USAGE):
        study = _open_study(inputs, project, cases, codebook_path, typology_path if types else None)
        gate.allow(study.codebook.allow_words)
        gate.know(study.corpus.segments)
        unknown = [c for c in codes if c not in study.codebook]
        if unknown:
            raise QualkitError(Errors.E077, code=unknown[0], what="--code options",
                               known=", ".join(study.codebook.themes))
        typed = study.type_cases() if types else None
        if typed is not None:
            known = [t.id for t in typed.typology.types]
            for type_id in types:
                if type_id not in known:
                    raise QualkitError(Errors.E110, what="type", value=type_id,
                                       where="--type options", known=", ".join(known))
        with status("choosing quotes"):
            quotes = extract_quotes(
                study.corpus.respondents, study.coder, codes=codes, types=types, topics=topics,
                typology_result=typed, segment_topics=pd.read_csv(topics_path) if topics_path
                else None, per_group=per_group, max_words=max_words,
                attributes=study.corpus.attributes,
                template=attribution, balance=balance, embedder=study.embedder,
                screen=gate.passes if gate.mode != "off" else None)
    with exit_on_error(ExitCode.PRIVACY_REFUSED):
        quotes = gate.frame(quotes, ["quote"], where=str(out_path))
    write_csv(quotes, out_path)
    report_gate(gate)
    groups = quotes[["code", "type", "topic"]].astype(str).agg("".join, axis=1)
    out.print(f"{len(quotes)} quotes for {groups.nunique()} group(s) written to {out_path}")
    if not study.report.ok:
        stop(ExitCode.INPUT_FAILED)


@click.command("report")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_dir_option()
@codebook_option()
@typology_option()
@click.option("--no-typology", is_flag=True, help="Leave the case typology out.")
@click.option("--topics", "topics_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Output folder of 'qualkit topics', to include its topics.")
@click.option("--per-group", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Quotes per theme and per case type.")
@click.option("--title", help="Report title [default: from the codebook].")
@cases_option("Case sheet [default: cases.csv inside an input folder, if there is one].")
@project_option("Import into this project and reuse its embeddings cache.")
@privacy_options
def report_command(inputs, out_dir, codebook_path, typology_path, no_typology, topics_dir, per_group,
                   title, cases, project_path, strict, no_privacy_check, names, policy) -> None:
    """report.docx, report.md and quotes.xlsx: codebook, theme frequencies, typology, quotes."""
    from ..coding import code
    from ..report import build_report, write_report

    cases = cases or find_case_sheet(inputs)
    gate = make_gate(strict, no_privacy_check, names, policy, cases, audit_for=out_dir)
    with maybe_project(project_path) as project, exit_on_error(ExitCode.USAGE):
        study = _open_study(inputs, project, cases, codebook_path,
                            None if no_typology else typology_path)
        gate.allow(study.codebook.allow_words)
        gate.know(study.corpus.segments)
        with status("gathering the report"):
            content, chart = build_report(
                study.corpus, code(study.corpus, study.coder), typing=study.type_cases(),
                coder=study.coder, topics_dir=topics_dir, per_group=per_group, title=title,
                screen=gate.passes if gate.mode != "off" else None)
    with exit_on_error(ExitCode.PRIVACY_REFUSED):
        written = write_report(content, chart, out_dir, gate)
    report_gate(gate)
    out.print(f"{len(content.quotes)} quotes; written: " + ", ".join(str(p) for p in written))
    if not study.report.ok:
        stop(ExitCode.INPUT_FAILED)
