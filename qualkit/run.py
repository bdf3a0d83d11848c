"""The main job, end to end: import, anonymity check, coding, topics, typology, quotes, report.

What a new user meets first, so it must finish on whatever it is given: each stage that cannot run
(topics on a handful of segments, a typology whose codes the codebook lacks) is recorded as skipped
with the reason and the rest goes on. The project database in the output folder makes a second run
cheap: unchanged files are not re-imported or re-checked and embeddings come from its cache. What
does not depend on the project (numba's compiled UMAP, coders trained on a codebook, keyed by
everything they were trained from) is kept in the user's cache folder, so a fresh project in a new
folder does not pay for it again either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .atomic import remove_leftovers
from .cache import (cached_topics, coder_key, memo_path, remember_findings, shared_cache_dir,
                    topics_key, trained_coder)
from .coding import Codebook, Codings, code, load_codebook, store_codings
from .corpus import Corpus
from .embeddings import Embedder
from .errors import Errors, QualkitError
from .ingest import PROJECT_FILE, find_case_sheet, import_paths
from .memory import between_steps, peak_memory_mb
from .privacy import Detector, PrivacyGate, audit_beside, check_project
from .spreadsheets import write_csv
from .store import Project
from .typology import Typology, check_codes, load_typology

STAGES = ("import", "anonymity check", "coding", "topics", "typology", "quotes", "report")
PROJECT_NAME = PROJECT_FILE  # the project database in a run's output folder


@dataclass
class RunSummary:
    """What a run did: counts per stage, where each output is, and what was skipped and why."""

    out_dir: Path
    cases: int = 0
    segments: int = 0
    codings: dict[str, int] = field(default_factory=dict)       # theme -> segments coded
    bands: dict[str, dict[str, int]] = field(default_factory=dict)  # theme -> auto/review counts
    types: dict[str, int] = field(default_factory=dict)         # type -> cases
    quotes: int = 0
    privacy_findings: int = 0
    redacted: int = 0
    topics: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)       # stage -> reason
    failed_files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, int] = field(default_factory=dict)       # process peak by each stage's end


@dataclass(frozen=True)
class RunContext:
    """What every stage of a run reads and nothing changes: the project, where outputs go, the
    study's instruments, the privacy gate and the caches."""

    project: Project
    out_dir: Path
    codebook: Codebook
    typology: Typology | None
    gate: PrivacyGate
    detector: Detector | None
    shared_cache: Path

    @property
    def own_cache(self) -> Path:
        """The project's cache folder, beside its database."""
        return self.out_dir / ".cache"


def run(inputs: Sequence[str | Path], out_dir: str | Path, *,
        codebook_path: str | Path | None = None, typology_path: str | Path | None = None,
        cases: str | Path | None = None, gate: PrivacyGate | None = None,
        detector: Detector | None = None,
        progress: Callable[[str, str], None] | None = None) -> RunSummary:
    """Run every stage on ``inputs`` into ``out_dir``; ``progress(stage, state)`` is told when each
    stage starts ('start') and ends ('done' / 'skipped: reason'). The codebook defaults to the one
    qualkit ships; without a typology the cases are not typed. Raises :class:`QualkitError` when
    the codebook or typology cannot be used; every other problem skips a stage, and the summary
    says which and why."""
    from .resources import default_codebook_path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out_dir)  # from a run that was killed mid-write
    codebook = load_codebook(codebook_path or default_codebook_path())
    typology = load_typology(typology_path) if typology_path else None
    if typology is not None:
        check_codes(typology, codebook)
    cache = shared_cache_dir(out_dir)
    summary = RunSummary(out_dir)
    stage = _Stages(summary, progress or (lambda name, state: None))
    with Project(out_dir / PROJECT_NAME) as project:
        context = RunContext(project, out_dir, codebook, typology,
                             gate or PrivacyGate(detector), detector, cache)
        for checker in (context.gate, detector):  # the study's own words are never flagged
            if checker is not None:
                checker.allow(codebook.allow_words)
        gate = context.gate
        if gate.audit_dir is None:  # pseudonyms' mapping beside the output folder, never in it
            gate.audit_in(audit_beside(out_dir))
        stage.after_each = remember_findings(gate.detector if gate.mode != "off" else None,
                                             context.own_cache)
        corpus = stage("import", _import, context, inputs, cases)
        stage("anonymity check", _anonymity, context, corpus)
        coder = stage.value_of("training", _coder, context, corpus)
        codings = stage("coding", _coding, context, corpus, coder)
        stage("topics", _topics, context, corpus, codings)
        typing = stage.optional(stage("typology", _typology, context, corpus, coder))
        quotes = stage.optional(stage("quotes", _quotes, context, corpus, coder, codings, typing))
        stage("report", _report, context, corpus, codings, typing, quotes)
        if not isinstance(coder, _Missing):
            coder.close()
    summary.outputs["project"] = out_dir / PROJECT_NAME
    if gate.audit_path is not None:
        summary.outputs["privacy audit (personal data)"] = gate.audit_path
    return summary


class _Stages:
    """Runs one stage at a time: times it, records its peak memory, and turns a
    :class:`QualkitError` into a skipped stage, so the rest of the run goes on. A stage given the
    output of one that was skipped is skipped too, naming it."""

    def __init__(self, summary: RunSummary, tell: Callable[[str, str], None]) -> None:
        self.summary, self.tell = summary, tell
        self.after_each: Callable[[], None] = lambda: None

    def __call__(self, name: str, step: Callable, *needs):
        self.tell(name, "start")
        started = time.perf_counter()
        result = None
        try:
            missing = [n for n in needs if isinstance(n, _Missing)]
            if missing:
                raise QualkitError(Errors.E140, stage=missing[0].stage,
                                   reason=self.summary.skipped.get(missing[0].stage, ""))
            result = step(*needs, self.summary)
            self.after_each()
            between_steps()
            self.tell(name, "done")
        except QualkitError as error:
            self.summary.skipped[name] = str(error)
            self.tell(name, f"skipped: {error}")
            result = _Missing(name)
        self.summary.seconds[name] = round(time.perf_counter() - started, 1)
        self.summary.peak_mb[name] = peak_memory_mb()
        return result

    def value_of(self, name: str, step: Callable, *needs):
        """What several stages need that is not a stage's output (the trained coders); when it
        cannot be made, the reason is recorded under ``name`` and the stages needing it skip."""
        missing = next((n for n in needs if isinstance(n, _Missing)), None)
        if missing is not None:
            return missing
        started = time.perf_counter()
        try:
            return step(*needs)
        except QualkitError as error:
            self.summary.skipped[name] = str(error)
            self.tell(name, f"skipped: {error}")
            return _Missing(name)
        finally:
            self.summary.seconds[name] = round(time.perf_counter() - started, 1)

    @staticmethod
    def optional(result):
        """A stage's output that later stages can do without: None when it was skipped."""
        return None if isinstance(result, _Missing) else result


@dataclass(frozen=True)
class _Missing:
    """Stands for the output of a stage that was skipped."""

    stage: str


def _import(context: RunContext, inputs, cases, summary: RunSummary) -> Corpus:
    cases = cases or find_case_sheet(inputs)
    skip = [context.out_dir, *([context.gate.audit_dir] if context.gate.audit_dir else [])]
    report = import_paths(inputs, context.project, cases=cases, skip=skip)
    summary.failed_files = [f.error for f in report.failed] + list(report.errors)
    corpus = context.project.corpus(report.sources)
    summary.cases, summary.segments = len(corpus.cases), len(corpus)
    if not len(corpus):
        raise QualkitError(Errors.E075)
    context.gate.know(corpus.segments)  # pseudonyms numbered over the whole corpus
    return corpus


def _anonymity(context: RunContext, corpus: Corpus, summary: RunSummary) -> None:
    project = context.project
    if context.detector is not None:
        project.record_anonymity_checks(check_project(project, context.detector,
                                                      corpus.sources))
    checked = project.anonymity_status()
    summary.privacy_findings = int(checked.loc[checked["checked_at"].notna(), "findings"].sum())


def _coder(context: RunContext, corpus: Corpus):
    """The trained coders, from the shared cache, remembering in the project's own cache what they
    coded."""
    from .coding.memo import MemoCoder

    coder = trained_coder(context.codebook, Embedder(cache=context.project), context.shared_cache)
    return MemoCoder(coder, memo_path(context.own_cache, coder_key(context.codebook)))


def _coding(context: RunContext, corpus: Corpus, coder, summary: RunSummary) -> Codings:
    codings = code(corpus, coder, coder_key(context.codebook))
    store_codings(context.project, codings)
    summary.codings = codings.counts()
    summary.bands = codings.bands()
    path = context.out_dir / "coded.csv"
    write_csv(context.gate.frame(codings.frame(), ["text"], where=str(path)), path)
    summary.outputs["coded segments"] = path
    return codings


def _topics(context: RunContext, corpus: Corpus, codings: Codings, summary: RunSummary) -> None:
    from .topics import fit_topics, write_topic_outputs

    segments = corpus.respondents
    cases = corpus.attributes.rename_axis("case").reset_index()
    themes = context.codebook.themes
    coded = codings.frame()
    key = topics_key(segments[["segment_id", "case", "speaker", "text"]], cases,
                     coded[["segment_id", *themes]],
                     pd.DataFrame({"stop_word": sorted(context.codebook.stop_words)}))
    result = cached_topics(context.own_cache, key, lambda: fit_topics(
        segments, Embedder(cache=context.project), cases=cases, coded=coded, themes=themes,
        stop_words=context.codebook.stop_words))
    write_topic_outputs(result, context.out_dir / "topics", context.gate, cases)
    summary.topics = int((result.topics["topic"] != -1).sum())
    summary.outputs["topics"] = context.out_dir / "topics"


def _typology(context: RunContext, corpus: Corpus, coder, summary: RunSummary):
    from .typology import store_typing, type_cases, write_typology_outputs

    if context.typology is None:
        raise QualkitError(Errors.E111)
    typing = type_cases(corpus, context.typology, coder)
    store_typing(context.project, context.typology, typing.cases, unless_unchanged=True)
    write_typology_outputs(typing, context.out_dir / "typology" / "cases.csv", context.gate)
    summary.types = dict(sorted(typing.counts().items()))
    summary.outputs["typology"] = context.out_dir / "typology"
    return typing


def _quotes(context: RunContext, corpus: Corpus, coder, codings: Codings, typing,
            summary: RunSummary) -> pd.DataFrame:
    from .quotes import extract_quotes

    gate = context.gate
    types = sorted({c.type for c in typing.cases} - {"unclassified"}) if typing else []
    quotes = extract_quotes(corpus.respondents, coder, codes=context.codebook.themes, types=types,
                            typology_result=typing, attributes=corpus.attributes, balance="role",
                            embedder=coder.embedder_,
                            screen=gate.passes if gate.mode != "off" else None,
                            coded=codings.result)
    path = context.out_dir / "quotes.csv"
    written = gate.frame(quotes, ["quote"], where=str(path))
    write_csv(written, path)
    summary.quotes = len(written)
    summary.outputs["quotes"] = path
    return quotes


def _report(context: RunContext, corpus: Corpus, codings: Codings, typing, quotes,
            summary: RunSummary) -> None:
    from .report import build_report, write_report

    content, chart = build_report(corpus, codings, typing=typing, quotes=quotes,
                                  topics_dir=summary.outputs.get("topics"))
    write_report(content, chart, context.out_dir / "report", context.gate)
    summary.redacted = context.gate.redacted
    summary.outputs["report"] = context.out_dir / "report"
