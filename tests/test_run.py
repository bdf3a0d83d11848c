"""``qualkit run``: every stage on a handful of transcripts, a stage that cannot run is skipped with
its reason, and a second run reuses the project without duplicating anything."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit import Project
from qualkit.cli import main


@pytest.fixture(scope="module")
def first_and_second(tmp_path_factory):
    from test_quotes import STORIES, write_study
    from test_report import TYPOLOGY

    root = tmp_path_factory.mktemp("run")
    study = root / "study"
    codebook = write_study(study, STORIES)
    (root / "mini_typology.yaml").write_text(TYPOLOGY, encoding="utf-8")
    out = root / "out"
    args = ["run", str(study), "--out", str(out), "--codebook", str(codebook), "--typology",
            str(root / "mini_typology.yaml")]
    first = CliRunner().invoke(main, args)
    with Project(out / "project.qualkit") as project:
        counts = _counts(project)
    second = CliRunner().invoke(main, args)
    return out, first, second, counts


def _counts(project) -> dict:
    return {table: project.query(f"SELECT COUNT(*) AS n FROM {table}").n[0]
            for table in ("transcripts", "segments", "codings", "anonymity_checks",
                          "typology_assignments")}


def test_every_stage_writes_its_outputs(first_and_second):
    from qualkit.run import STAGES

    out, first, _, _ = first_and_second
    assert first.exit_code == 0, first.output
    for path in ("coded.csv", "quotes.csv", "typology/cases.csv", "typology/typology_table.docx",
                 "report/report.docx", "report/report.md", "report/quotes.xlsx"):
        assert (out / path).is_file(), path
    assert "3 cases" in first.output and "codings per theme" in first.output
    assert "types:" in first.output and "seconds per stage" in first.output
    peaks = " ".join(first.output.split("peak memory (MB) by the end of each stage:")[1].split())
    named = dict(re.findall(r"([a-z][a-z ]*) (\d+)(?:,|$)", peaks))  # the console wraps lines
    assert list(named) == list(STAGES) and all(int(mb) > 100 for mb in named.values())
    with Project(out / "project.qualkit") as project:  # one type and its cells per case, stored
        stored = project.query("SELECT case_id, dimension FROM typology_assignments")
    assert set(stored.case_id) == {"C1", "C2", "C3"} and stored.dimension.isna().sum() == 3
    quotes = pd.read_csv(out / "quotes.csv")
    assert set(quotes.case) <= {"C1", "C2", "C3"} and len(quotes) > 0


def test_a_stage_that_cannot_run_is_reported_and_the_rest_goes_on(first_and_second):
    out, first, _, _ = first_and_second
    assert "skipped topics" in first.output and "E080" in first.output
    assert not (out / "topics").exists()
    assert (out / "report" / "report.docx").is_file()


def test_second_run_reuses_the_project_and_duplicates_nothing(first_and_second,
                                                             shared_cache_folder):
    out, _, second, counts = first_and_second
    assert second.exit_code == 0, second.output
    with Project(out / "project.qualkit") as project:
        assert _counts(project) == counts
    assert list(shared_cache_folder.glob("coder-*.npz"))  # the trained coders were kept, as data
    assert list((out / ".cache").glob("codings-*.sqlite"))  # and what they coded, per project
    assert not list(out.rglob("*.pkl")) and not list(shared_cache_folder.glob("*.pkl"))


def test_the_shared_cache_is_the_users_unless_it_cannot_be_written(tmp_path, monkeypatch):
    from qualkit.cache import shared_cache_dir as shared_cache

    monkeypatch.delenv("QUALKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    assert shared_cache(tmp_path / "out") == tmp_path / "home-cache" / "qualkit"
    (tmp_path / "blocked").write_text("a file where the folder should be")
    monkeypatch.setenv("QUALKIT_CACHE_DIR", str(tmp_path / "blocked" / "qualkit"))
    assert shared_cache(tmp_path / "out") == tmp_path / "out" / ".cache"


def test_a_coder_from_the_cache_codes_like_the_one_trained(tmp_path):
    from test_coding import CODEBOOK  # it has phrase and token patterns

    from qualkit.coding import parse_codebook
    from qualkit.embeddings import Embedder
    from qualkit.cache import trained_coder as cached_coder

    text = (CODEBOOK.replace("- id: safety\n", "- id: safety_fear_zq\n")  # no word spaCy knows
            .replace("parent: safety\n", "parent: safety_fear_zq\n"))
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    codebook = parse_codebook(text, str(tmp_path / "mini.yaml"))
    texts = ["I was terrified of him and went into a refuge.", "We had three mediation sessions."]
    trained = cached_coder(codebook, Embedder(), tmp_path / "cache")
    first = trained.code(texts)
    # a new process loads the stored coder: its spaCy vocab has never seen the code ids
    script = ("import json, sys; from qualkit.coding import load_codebook; "
              "from qualkit.embeddings import Embedder; "
              "from qualkit.cache import trained_coder as cached_coder; "
              f"c = cached_coder(load_codebook({str(tmp_path / 'mini.yaml')!r}), Embedder(), "
              f"{str(tmp_path / 'cache')!r}); r = c.code({texts!r}); "
              "print(json.dumps([r.scores.tolist(), r.rationales]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    scores, rationales = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(list((tmp_path / "cache").glob("coder-*.npz"))) == 1
    assert abs(first.scores - np.array(scores)).max() < 1e-5
    assert first.rationales == rationales


def test_memo_coder_gives_the_coders_results_and_codes_each_text_once(tmp_path, monkeypatch):
    from test_quotes import CODEBOOK

    from qualkit.coding import parse_codebook, train_coder
    from qualkit.coding.memo import MemoCoder

    coder = train_coder(parse_codebook(CODEBOOK, "mini.yaml"))
    calls = []
    original = coder.code
    coder.code = lambda texts: calls.append(list(texts)) or original(texts)
    texts = ["I was terrified of him.", "We went to mediation twice.", "I was terrified of him."]
    memo = MemoCoder(coder, tmp_path / "codings.sqlite")
    first = memo.code(texts)
    direct = original(texts)
    assert (first.decisions == direct.decisions).all() and first.rationales == direct.rationales
    assert abs(first.scores - direct.scores).max() < 1e-6
    assert set(first.by_source) == set(direct.by_source)
    assert calls == [texts[:2]]  # the repeated text was coded once
    again = MemoCoder(coder, tmp_path / "codings.sqlite").code(texts[::-1] + ["Something new here."])
    assert calls[-1] == ["Something new here."]  # only the unseen text reaches the coders
    assert (again.scores[:3] == first.scores[::-1]).all()
    assert memo.code([]).scores.shape[0] == 0
    monkeypatch.setattr("qualkit.coding.memo.CHUNK", 2)  # coded a chunk at a time, same results
    more = ["He never turned up.", "The letter came late.", "Mediation was a waste of time."]
    chunked = memo.code(more)
    assert [len(c) for c in calls[-2:]] == [2, 1]
    assert (chunked.decisions == original(more).decisions).all()


KILLER = r'''
import contextlib, os, signal, sys
from pathlib import Path

import qualkit.run as run_module
from qualkit.cli import main
from qualkit.store import Project

target, out = sys.argv[1], Path(sys.argv[2]).resolve()
now = {"stage": None}


def die_in_target():
    if now["stage"] == target:
        os.kill(os.getpid(), signal.SIGKILL)


def watched(stage, step):
    def wrapper(*needs):
        now["stage"] = stage
        try:
            return step(*needs)
        finally:
            die_in_target()  # a stage that wrote nothing is killed as it ends
    return wrapper


for stage, name in zip(run_module.STAGES, ["_import", "_anonymity", "_coding", "_topics",
                                           "_typology", "_quotes", "_report"]):
    setattr(run_module, name, watched(stage, getattr(run_module, name)))
opened = Project.transaction


@contextlib.contextmanager
def transaction(self):
    with opened(self) as conn:
        yield conn
        die_in_target()  # inside the transaction, before its commit


Project.transaction = transaction
renamed = os.replace


def replace(source, dest, *args, **kwargs):
    if Path(dest).resolve().is_relative_to(out):
        die_in_target()  # the temp file is written, the output not yet replaced
    return renamed(source, dest, *args, **kwargs)


os.replace = replace
main(["run", *sys.argv[3:], "--out", str(out)], standalone_mode=False)
'''


def test_a_run_killed_in_each_stage_and_restarted_loses_and_duplicates_nothing(
        first_and_second, tmp_path):
    """SIGKILL at each stage's first database commit or output rename (or as it ends), restarting
    after each kill: the last run's project and outputs match the run that was never interrupted."""
    from qualkit.atomic import TEMP_SUFFIX
    from qualkit.run import STAGES

    reference, first, _, counts = first_and_second
    assert first.exit_code == 0, first.output
    root = reference.parent
    args = [str(root / "study"), "--codebook", str(root / "mini_codebook.yaml"),
            "--typology", str(root / "mini_typology.yaml")]
    out = tmp_path / "out"
    for stage in [*STAGES, "none"]:
        done = subprocess.run([sys.executable, "-c", KILLER, stage, str(out), *args],
                              capture_output=True, text=True)
        if stage == "none":
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        else:
            assert done.returncode == -9, (stage, done.stdout[-2000:], done.stderr[-2000:])
    with Project(out / "project.qualkit") as project:
        assert _counts(project) == counts
    assert not list(out.rglob(f"*{TEMP_SUFFIX}"))
    for path in ("coded.csv", "quotes.csv", "typology/cases.csv"):
        assert (out / path).read_bytes() == (reference / path).read_bytes(), path
    for path in ("report/report.docx", "report/report.md", "report/quotes.xlsx",
                 "typology/typology_table.docx"):
        assert (out / path).stat().st_size > 0, path


def test_topics_are_refitted_only_when_what_they_depend_on_changes(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import qualkit.run as run_module
    import qualkit.topics as topics
    from qualkit.run import RunSummary

    fits = []

    def fake_fit(segments, embedder, **kwargs):
        fits.append(len(segments))
        table = pd.DataFrame({"topic": [0, -1]})
        return topics.TopicResult("model", table, table, None, None, np.zeros((2, 2)))

    monkeypatch.setattr(topics, "fit_topics", fake_fit)
    monkeypatch.setattr(topics, "write_topic_outputs", lambda *args: None)
    segments = pd.DataFrame({"segment_id": ["a", "b"], "case": ["C1", "C2"],
                             "speaker": ["P", "P"], "text": ["one thing", "another"]})
    corpus = SimpleNamespace(respondents=segments,
                             attributes=pd.DataFrame({"role": ["Mother", "Father"]},
                                                     index=pd.Index(["C1", "C2"], name="case")))
    codings = SimpleNamespace(frame=lambda: segments[["segment_id"]].assign(safety=[1, 0]))
    context = SimpleNamespace(codebook=SimpleNamespace(themes=["safety"], stop_words=()),
                              project=None, gate=None,
                              own_cache=tmp_path / ".cache", out_dir=tmp_path)
    for _ in range(2):
        run_module._topics(context, corpus, codings, RunSummary(tmp_path))
    assert fits == [2]  # the second run read the first one's result
    segments.loc[1, "text"] = "another thing"
    run_module._topics(context, corpus, codings, RunSummary(tmp_path))
    assert fits == [2, 2]


def test_the_privacy_gates_findings_are_kept_for_the_next_run(tmp_path):
    from qualkit.embeddings import text_hash
    from qualkit.privacy import Detector, PrivacyGate
    from qualkit.cache import remember_findings

    texts = ["I spoke to Sarah Jenkins in Leeds.", "Nothing personal here."]
    gate = PrivacyGate(Detector())
    save = remember_findings(gate.detector, tmp_path)
    found = gate.detector.find_many(texts)
    save()
    later = PrivacyGate(Detector())
    remember_findings(later.detector, tmp_path)
    assert set(later.detector.memory) == {text_hash(text) for text in texts}  # not the texts
    assert later.detector.find_many(texts) == found and found[0] and not found[1]
