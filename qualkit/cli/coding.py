"""``qualkit code``, ``qualkit evaluate`` and ``qualkit agree``: coding against a codebook, and
how well it (or a second human coder) agrees with a human gold standard."""

from __future__ import annotations

from pathlib import Path

import click

from ..embeddings import Embedder
from ..errors import Errors, QualkitError
from .options import (cases_option, codebook_option, make_gate, out_file_option, privacy_options,
                      project_option, report_gate)
from .output import (ExitCode, band_line, exit_on_error, fail, fail_and_stop, maybe_project, out,
                     show_agreement, status, stop, write_csv)


@click.command("code")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option()
@out_file_option("Where to write the coded segments (.csv).", default="coded.csv")
@click.option("--train", "train_paths", multiple=True, type=click.Path(path_type=Path),
              help="Human-coded sheet(s) (wide format) for the learned coder; repeatable.")
@click.option("--no-codebook-training", is_flag=True,
              help="Ignore the human-coded sheets the codebook names under 'training'.")
@project_option("Import into this project and store the codings there (else all in memory).")
@click.option("--explain", is_flag=True, help="Add a rationale column: why each code was given.")
@cases_option("Case classification sheet.", exists=False, dir_okay=True)
@privacy_options
def code_command(inputs, codebook_path, out_path, train_paths, no_codebook_training, project_path,
                 explain, cases, strict, no_privacy_check, names, policy) -> None:
    """Suggest codes for every respondent segment, with scores and evidence."""
    from ..cache import coder_key, shared_cache_dir, trained_coder
    from ..coding import code, load_codebook, store_codings
    from ..ingest import read_corpus

    with exit_on_error():
        codebook = load_codebook(codebook_path)
    with maybe_project(project_path) as project, exit_on_error(ExitCode.USAGE):
        with status("reading inputs"):
            corpus, report = read_corpus(inputs, project, cases=cases)
        for failed in report.failed:
            fail(failed.error)
        if not len(corpus):
            fail(str(QualkitError(Errors.E075)))
            stop(ExitCode.INPUT_FAILED)
        folder = Path(project_path).parent if project_path else Path.cwd()
        with status(f"training coders on {codebook.name}"):
            use_own = not no_codebook_training
            coder = trained_coder(codebook, Embedder(cache=project), shared_cache_dir(folder),
                                  train=train_paths, use_codebook_training=use_own)
        with status(f"coding {len(corpus)} segments"):
            codings = code(corpus, coder, coder_key(codebook, train_paths, use_own))
            if project is not None:
                store_codings(project, codings)
            coded = codings.frame(explain=explain)
    gate = make_gate(strict, no_privacy_check, names, policy, cases, audit_for=out_path)
    gate.allow(codebook.allow_words)
    gate.know(corpus.segments)  # pseudonyms numbered over the whole corpus, as every command does
    with exit_on_error(ExitCode.PRIVACY_REFUSED):
        coded = gate.frame(coded, ["text", "rationale"] if explain else ["text"], where=str(out_path))
    write_csv(coded, out_path)
    report_gate(gate)
    counts = ", ".join(f"{t} {int(coded[t].sum())}" for t in codebook.themes)
    out.print(f"coded {len(coded)} segments into {out_path}: {counts}")
    out.print(band_line(codings.bands()))
    if report.failed:
        stop(ExitCode.INPUT_FAILED)


@click.command("evaluate")
@click.option("--gold", "gold_path", required=True, type=click.Path(path_type=Path))
@click.option("--pred", "pred_path", type=click.Path(path_type=Path),
              help="Coded segments to score (from 'qualkit code'); leave out with --cv.")
@click.option("--cv", "folds", type=click.IntRange(min=2),
              help="Instead of --pred: train on all but one fold of the gold's cases, code that "
                   "fold, and score the pooled out-of-fold coding.")
@click.option("--codebook-training", is_flag=True,
              help="With --cv: also train every fold on the codebook's other training sheets, "
                   "to estimate the coder as 'qualkit code' ships it.")
@click.option("--bootstrap", "resamples", type=click.IntRange(min=0), default=1000,
              show_default=True,
              help="Resamples of the segments for the 95% intervals of precision, recall, F1 and "
                   "kappa; 0 leaves the intervals out.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap resamples: the same seed gives the same intervals.")
@codebook_option()
@out_file_option("Also write the table as .csv.")
def evaluate_command(gold_path, pred_path, folds, codebook_training, resamples, seed,
                     codebook_path, out_path) -> None:
    """Agreement of automatic coding with a human gold standard, per code and overall."""
    from ..intervals import LEAST_RESAMPLES, Bootstrap

    if (pred_path is None) == (folds is None):
        fail_and_stop(Errors.E054, ExitCode.USAGE)
    if 0 < resamples < LEAST_RESAMPLES:  # said here too, so that the line names no input file
        fail_and_stop(Errors.E190, ExitCode.USAGE, value=resamples, least=LEAST_RESAMPLES,
                      level="95%")
    bootstrap = Bootstrap(resamples, seed) if resamples else None
    if pred_path is not None:
        _agreement(gold_path, pred_path, codebook_path, out_path, "gold", "pred", bootstrap)
        return
    from ..agreement import with_parents
    from ..coding import load_codebook
    from ..coding.validation import cross_validate

    with exit_on_error():
        codebook = load_codebook(codebook_path)
        others = [(path, weight) for path, weight in codebook.training
                  if Path(path).resolve() != Path(gold_path).resolve()] if codebook_training else []
        with status(f"cross-validating over {folds} folds of cases"):
            table, _ = cross_validate(codebook, [gold_path], folds=folds, also_train_on=others,
                                      bootstrap=bootstrap)
    table = with_parents(table, {c.id: c.parent for c in codebook.codes})
    show_agreement(table, f"{folds}-fold cross-validation on {gold_path}", out_path, bootstrap)


@click.command("agree")
@click.argument("first", type=click.Path(path_type=Path))
@click.argument("second", type=click.Path(path_type=Path))
@codebook_option()
@out_file_option()
def agree_command(first, second, codebook_path, out_path) -> None:
    """Coding comparison of two human coders (kappa and alpha per code), for a methods section."""
    _agreement(first, second, codebook_path, out_path, "A", "B")


def _agreement(first: Path, second: Path, codebook_path: Path, out_path: Path | None,
               first_name: str, second_name: str, bootstrap=None) -> None:
    from ..agreement import agreement_table, read_coding_csv, with_parents
    from ..coding import load_codebook

    with exit_on_error():
        codebook = load_codebook(codebook_path)
        a, b = read_coding_csv(first), read_coding_csv(second)
        codes = [c for c in codebook.ids if _has_code(a, c) and _has_code(b, c)] or codebook.themes
        table = agreement_table(a, b, codes, bootstrap=bootstrap)
    table = with_parents(table, {c.id: c.parent for c in codebook.codes})
    show_agreement(table, f"{first_name}: {first}   {second_name}: {second}", out_path, bootstrap)


def _has_code(frame, code_id: str) -> bool:
    if code_id in frame.columns:
        return True
    return any(code_id in str(v).split(";") for column in ("codes", "themes")
               if column in frame.columns for v in frame[column])
