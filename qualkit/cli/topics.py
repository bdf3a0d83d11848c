"""``qualkit topics``: inductive topics of respondent segments, set beside the codebook."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from ..embeddings import Embedder
from ..errors import Errors
from .options import (cases_option, codebook_option, make_gate, out_dir_option, privacy_options,
                      project_option, report_gate)
from .output import ExitCode, exit_on_error, fail, fail_and_stop, maybe_project, out, status


@click.command("topics")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_dir_option()
@project_option("Import into this project, reuse its embeddings cache and its codings.")
@click.option("--n-topics", default="auto", show_default=True,
              help="A number of topics to reduce to, or 'auto'.")
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--coded", "coded_path", type=click.Path(path_type=Path, exists=True),
              help="Coded segments (from 'qualkit code') to set the topics beside the codes.")
@codebook_option()
@cases_option("Case sheet (role, area).", dir_okay=True)
@privacy_options
def topics_command(inputs, out_dir, project_path, n_topics, seed, coded_path, codebook_path, cases,
                   strict, no_privacy_check, names, policy) -> None:
    """Inductive topics (BERTopic) of respondent segments, tied back to the codebook."""
    from ..agreement import read_coding_csv
    from ..coding import load_codebook
    from ..ingest import read_corpus
    from ..topics import codings_from_project, fit_topics, write_topic_outputs

    if n_topics != "auto" and not str(n_topics).isdigit():
        fail_and_stop(Errors.E053, ExitCode.USAGE, value=repr(n_topics))
    with maybe_project(project_path) as project, exit_on_error(ExitCode.INPUT_FAILED):
        codebook = load_codebook(codebook_path)
        corpus, report = read_corpus(inputs, project, cases=cases)
        for failed in report.failed:
            fail(failed.error)
        segments = corpus.respondents
        case_table = corpus.attributes.rename_axis("case").reset_index()
        coded = read_coding_csv(coded_path) if coded_path else (
            codings_from_project(project, codebook) if project is not None else None)
        themes = [t for t in codebook.themes if coded is not None and t in coded.columns]
        with status(f"fitting topics on {len(segments)} segments"):
            result = fit_topics(segments, Embedder(cache=project), n_topics=n_topics, seed=seed,
                                cases=case_table, coded=coded, themes=themes,
                                stop_words=codebook.stop_words)
    gate = make_gate(strict, no_privacy_check, names, policy, cases, audit_for=out_dir)
    gate.allow(codebook.allow_words)
    gate.know(corpus.segments)
    with exit_on_error(ExitCode.PRIVACY_REFUSED):
        write_topic_outputs(result, out_dir, gate, case_table)
    report_gate(gate)
    found = result.topics[result.topics.topic != -1]
    out.print(f"{len(found)} topics over {len(result.segment_topics)} segments "
              f"({int((result.segment_topics.topic == -1).sum())} outliers) written to {out_dir}"
              + ("" if result.emergent is None else f"; {len(result.emergent)} emergent"))
    for row in found.itertuples():
        out.print(f"  {row.topic:>3}  {row.size:>4}  {escape(str(row.label))}")
