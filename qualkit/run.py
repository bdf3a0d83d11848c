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

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .atomic import atomic_write, read_pickle, remove_leftovers, write_pickle
from .compiled import use_cache_folder as numba_cache
from .errors import Errors, QualkitError
from .memory import peak_memory_mb, release_memory

STAGES = ("import", "anonymity check", "coding", "topics", "typology", "quotes", "report")
PROJECT_NAME = "project.qualkit"
PICKLED_LIBRARIES = ("scikit-learn", "numpy", "pandas", "spacy")


@dataclass
class RunSummary:
    """What a run did: counts per stage, where each output is, and what was skipped and why."""

    out_dir: Path
    cases: int = 0
    segments: int = 0
    codings: dict[str, int] = field(default_factory=dict)       # theme -> segments coded
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


def shared_cache(out_dir: Path) -> Path:
    """The folder for what every project on this machine can share: ``QUALKIT_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/qualkit`` (``~/.cache/qualkit``); the project's own ``.cache`` when that
    cannot be written (a read-only home, a sandbox)."""
    chosen = os.environ.get("QUALKIT_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qualkit"
    for folder in (Path(chosen), Path(out_dir) / ".cache"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise QualkitError(Errors.E139.format(path=Path(out_dir) / ".cache"))


def versions() -> str:
    """The versions a cached pickle depends on: qualkit's, and those of the libraries whose objects
    it holds (a scikit-learn model pickled by another version may load and then misbehave)."""
    from importlib.metadata import version

    from . import __version__

    return " ".join([__version__, *(version(name) for name in PICKLED_LIBRARIES)])


def coder_key(codebook) -> str:
    """Everything a trained coder depends on: the codebook text and its training sheets' bytes."""
    digest = hashlib.sha256(codebook.text.encode("utf-8"))
    for path, weight in codebook.training:
        digest.update(Path(path).read_bytes() if Path(path).is_file() else path.encode())
        digest.update(str(weight).encode())
    digest.update(versions().encode())
    return digest.hexdigest()[:16]


def cached_coder(codebook, embedder, cache_dir: Path):
    """The coders trained on ``codebook``, from ``cache_dir`` when trained before."""
    from .coding import train_coder

    path = coder_path(codebook, cache_dir)
    coder = read_pickle(path)
    if coder is None:
        coder = train_coder(codebook, embedder=embedder)
        _attach(coder, None)  # the project connection stays out of the file
        write_pickle(path, coder)
    _attach(coder, embedder)
    return coder


def coder_path(codebook, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"coder-{codebook.name}-{coder_key(codebook)}.pkl"


def _attach(coder, embedder) -> None:
    coder.embedder = coder.embedder_ = embedder
    for part in coder.coders_.values():
        if hasattr(part, "embedder"):
            part.embedder = embedder
        if hasattr(part, "embedder_"):
            part.embedder_ = embedder


def run(inputs: Sequence[str | Path], out_dir: str | Path, *, codebook_path: str | Path,
        typology_path: str | Path | None = None, cases: str | Path | None = None, gate=None,
        detector=None, progress: Callable[[str, str], None] | None = None) -> RunSummary:
    """Run every stage on ``inputs`` into ``out_dir``; ``progress(stage, state)`` is told when each
    stage starts ('start') and ends ('done' / 'skipped: reason')."""
    import time

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out_dir)  # from a run that was killed mid-write
    cache = shared_cache(out_dir)
    numba_cache(cache)
    summary = RunSummary(out_dir)
    tell = progress or (lambda stage, state: None)
    state: dict = {}
    steps = {"import": _import, "anonymity check": _anonymity, "coding": _coding,
             "topics": _topics, "typology": _typology, "quotes": _quotes, "report": _report}
    from .store import Project

    with Project(out_dir / PROJECT_NAME) as project:
        state.update(project=project, inputs=inputs, cases=cases, codebook_path=codebook_path,
                     typology_path=typology_path, gate=gate, detector=detector,
                     shared_cache=cache)
        remembered = _remembered_findings(gate, out_dir / ".cache")
        for stage in STAGES:
            tell(stage, "start")
            started = time.perf_counter()
            try:
                steps[stage](state, summary)
                remembered()
                release_memory()
                tell(stage, "done")
            except QualkitError as error:
                summary.skipped[stage] = str(error)
                tell(stage, f"skipped: {error}")
            summary.seconds[stage] = round(time.perf_counter() - started, 1)
            summary.peak_mb[stage] = peak_memory_mb()
        if "memo" in state:
            state["memo"].close()
    summary.outputs["project"] = out_dir / PROJECT_NAME
    return summary


def _import(state: dict, summary: RunSummary) -> None:
    from .ingest import find_case_sheet
    from .study import read_study

    cases = state["cases"] or find_case_sheet(state["inputs"])
    state["study"] = study = read_study(state["inputs"], state["project"], cases,
                                        state["codebook_path"], None, coder=_coder_factory(state))
    state["case_sheet"] = cases
    segments = study.respondent_segments()
    summary.cases, summary.segments = segments["case"].nunique(), len(segments)
    summary.failed_files = [f.error for f in study.report.failed] + list(study.report.errors)


def _coder_factory(state: dict):
    """Trained coders from the shared cache, remembering in the project's own cache what they
    coded."""
    from .coding.memo import MemoCoder

    own = Path(state["project"].path).parent / ".cache"

    def make(codebook, embedder):
        coder = cached_coder(codebook, embedder, state["shared_cache"])
        state["memo"] = MemoCoder(coder, coder_path(codebook, own).with_suffix(".codings.sqlite"))
        return state["memo"]

    return make


def _remembered_findings(gate, cache: Path) -> Callable[[], None]:
    """Load what the privacy gate found in texts in earlier runs (a second run's coded.csv and
    quotes pass the same texts through it); the returned function saves what is new."""
    detector = getattr(gate, "detector", None)
    if detector is None or getattr(gate, "mode", "off") == "off":
        return lambda: None
    path = cache / f"privacy-{detector.policy_key()}.pkl"
    detector.memory.update(read_pickle(path, {}))
    saved = len(detector.memory)

    def save() -> None:
        nonlocal saved
        if len(detector.memory) != saved:
            write_pickle(path, detector.memory)
            saved = len(detector.memory)

    return save


def _anonymity(state: dict, summary: RunSummary) -> None:
    from .privacy import check_paths

    project = state["project"]
    checked = project.anonymity_status()
    done = set(checked.loc[checked["checked_at"].notna(), "source_name"])
    findings = int(checked.loc[checked["checked_at"].notna(), "findings"].sum())
    from .ingest import expand_paths

    skip = [Path(state["case_sheet"])] if state["case_sheet"] else []
    todo = [p for p in expand_paths(state["inputs"], skip=skip) if p.name not in done]
    if todo and state["detector"] is not None:
        results = [r for r in check_paths(todo, state["detector"]) if r.error is None]
        project.record_anonymity_checks([(Path(r.path).name, r.sha256, len(r.findings))
                                         for r in results])
        findings += sum(len(r.findings) for r in results)
    summary.privacy_findings = findings


def _coding(state: dict, summary: RunSummary) -> None:
    from .coding import coding_frame, store_codings

    study, project = state["study"], state["project"]
    segments = study.respondent_segments()
    result = study.coder.code(segments["text"].tolist())
    stored = set(project.query("SELECT DISTINCT segment_id FROM codings")["segment_id"])
    new = [i for i, s in enumerate(segments["segment_id"]) if s not in stored]
    if new:  # a re-run codes only what was not coded before; nothing is stored twice
        store_codings(project, study.coder.codebook, segments["segment_id"].iloc[new].tolist(),
                      _rows(result, new))
    state["coded_result"] = result
    state["coded"] = coded = coding_frame(segments, result, study.coder.codebook)
    summary.codings = {t: int(coded[t].sum()) for t in study.coder.codebook.themes}
    frame = state["gate"].frame(coded, ["text"], where=str(summary.out_dir / "coded.csv"))
    _write_csv(frame, summary.out_dir / "coded.csv")
    summary.outputs["coded segments"] = summary.out_dir / "coded.csv"


def _rows(result, rows: list[int]):
    from .coding import CodingResult

    return CodingResult(result.codes, result.scores[rows], result.decisions[rows],
                        {k: v[rows] for k, v in result.by_source.items()},
                        [result.rationales[i] for i in rows])


def _topics(state: dict, summary: RunSummary) -> None:
    from .topics import fit_topics, write_topic_outputs

    study = state["study"]
    segments = study.respondent_segments()
    cases = study.attributes.rename_axis("case").reset_index()
    themes = study.coder.codebook.themes
    key = _digest(segments[["segment_id", "case", "speaker", "text"]], cases,
                  state["coded"][["segment_id", *themes]])
    path = Path(state["project"].path).parent / ".cache" / f"topics-{key}.pkl"
    result = read_pickle(path)  # kept when nothing the topics depend on changed since
    if result is None:
        result = fit_topics(segments, study.embedder, cases=cases, coded=state["coded"],
                            themes=themes)
        result.model = None  # the outputs need only the tables; the model is large
        write_pickle(path, result)
    write_topic_outputs(result, summary.out_dir / "topics", state["gate"], cases)
    summary.topics = int((result.topics["topic"] != -1).sum())
    summary.outputs["topics"] = summary.out_dir / "topics"


def _digest(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256(versions().encode())
    for frame in frames:
        digest.update(frame.to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()[:16]


def _typology(state: dict, summary: RunSummary) -> None:
    from .typology import check_codes, load_typology, store_typing, write_typology_outputs

    if not state["typology_path"]:
        raise QualkitError(Errors.E111)
    study = state["study"]
    study.typology = load_typology(state["typology_path"])
    check_codes(study.typology, study.coder.codebook)
    result = study.typology_result()
    store_typing(state["project"], study.typology, result.cases, unless_unchanged=True)
    write_typology_outputs(result, summary.out_dir / "typology" / "cases.csv", state["gate"])
    summary.types = {k: v for k, v in sorted(result.counts().items())}
    summary.outputs["typology"] = summary.out_dir / "typology"


def _quotes(state: dict, summary: RunSummary) -> None:
    from .quotes import extract_quotes

    study, gate = state["study"], state["gate"]
    typed = study.typology_result()
    types = sorted({c.type for c in typed.cases} - {"unclassified"}) if typed else []
    quotes = extract_quotes(study.respondent_segments(), study.coder,
                            codes=study.coder.codebook.themes, types=types, typology_result=typed,
                            attributes=study.attributes, balance="role", embedder=study.embedder,
                            screen=gate.passes if gate.mode != "off" else None,
                            coded=state["coded_result"])
    state["quotes"] = quotes
    quotes = gate.frame(quotes, ["quote"], where=str(summary.out_dir / "quotes.csv"))
    _write_csv(quotes, summary.out_dir / "quotes.csv")
    summary.quotes = len(quotes)
    summary.outputs["quotes"] = summary.out_dir / "quotes.csv"


def _report(state: dict, summary: RunSummary) -> None:
    from .report import build_report, write_report

    study, gate = state["study"], state["gate"]
    topics_dir = summary.outputs.get("topics")
    content, chart = build_report(study, with_typology=study.typology is not None,
                                  topics_dir=topics_dir, coded=state["coded_result"],
                                  quotes=state.get("quotes"))
    write_report(content, chart, summary.out_dir / "report", gate)
    summary.redacted = gate.redacted
    summary.outputs["report"] = summary.out_dir / "report"


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_write(path) as handle:
        frame.to_csv(handle, index=False)
