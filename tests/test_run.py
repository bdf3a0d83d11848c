"""``qualkit run``: every stage on a handful of transcripts, a stage that cannot run is skipped with
its reason, and a second run reuses the project without duplicating anything."""

from __future__ import annotations

import json
import subprocess
import sys

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
            for table in ("transcripts", "segments", "codings", "anonymity_checks")}


def test_every_stage_writes_its_outputs(first_and_second):
    out, first, _, _ = first_and_second
    assert first.exit_code == 0, first.output
    for path in ("coded.csv", "quotes.csv", "typology/cases.csv", "typology/typology_table.docx",
                 "report/report.docx", "report/report.md", "report/quotes.xlsx"):
        assert (out / path).is_file(), path
    assert "3 cases" in first.output and "codings per theme" in first.output
    assert "types:" in first.output and "seconds per stage" in first.output
    quotes = pd.read_csv(out / "quotes.csv")
    assert set(quotes.case) <= {"C1", "C2", "C3"} and len(quotes) > 0


def test_a_stage_that_cannot_run_is_reported_and_the_rest_goes_on(first_and_second):
    out, first, _, _ = first_and_second
    assert "skipped topics" in first.output and "E080" in first.output
    assert not (out / "topics").exists()
    assert (out / "report" / "report.docx").is_file()


def test_second_run_reuses_the_project_and_duplicates_nothing(first_and_second):
    out, _, second, counts = first_and_second
    assert second.exit_code == 0, second.output
    with Project(out / "project.qualkit") as project:
        assert _counts(project) == counts
    assert list((out / ".cache").glob("coder-*.pkl"))  # the trained coders were kept


def test_a_coder_from_the_cache_codes_like_the_one_trained(tmp_path):
    from test_coding import CODEBOOK  # it has phrase and token patterns

    from qualkit.coding import parse_codebook
    from qualkit.embeddings import Embedder
    from qualkit.run import cached_coder

    text = (CODEBOOK.replace("- id: safety\n", "- id: safety_fear_zq\n")  # no word spaCy knows
            .replace("parent: safety\n", "parent: safety_fear_zq\n"))
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    codebook = parse_codebook(text, str(tmp_path / "mini.yaml"))
    texts = ["I was terrified of him and went into a refuge.", "We had three mediation sessions."]
    trained = cached_coder(codebook, Embedder(), tmp_path / "cache")
    first = trained.code(texts)
    # a new process loads the pickle: its spaCy vocab has never seen the code ids
    script = ("import json, sys; from qualkit.coding import load_codebook; "
              "from qualkit.embeddings import Embedder; from qualkit.run import cached_coder; "
              f"c = cached_coder(load_codebook({str(tmp_path / 'mini.yaml')!r}), Embedder(), "
              f"{str(tmp_path / 'cache')!r}); r = c.code({texts!r}); "
              "print(json.dumps([r.scores.tolist(), r.rationales]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    scores, rationales = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 1
    assert abs(first.scores - np.array(scores)).max() < 1e-5
    assert first.rationales == rationales


def test_memo_coder_gives_the_coders_results_and_codes_each_text_once(tmp_path):
    from test_quotes import CODEBOOK

    from qualkit.coding import parse_codebook, train_coder
    from qualkit.coding.memo import MemoCoder

    coder = train_coder(parse_codebook(CODEBOOK, "mini.yaml"))
    calls = []
    original = coder.code
    coder.code = lambda texts: calls.append(list(texts)) or original(texts)
    texts = ["I was terrified of him.", "We went to mediation twice.", "I was terrified of him."]
    memo = MemoCoder(coder, tmp_path / "codings.pkl")
    first = memo.code(texts)
    direct = original(texts)
    assert (first.decisions == direct.decisions).all() and first.rationales == direct.rationales
    assert abs(first.scores - direct.scores).max() < 1e-6
    assert set(first.by_source) == set(direct.by_source)
    assert calls == [texts[:2]]  # the repeated text was coded once
    memo.save()
    again = MemoCoder(coder, tmp_path / "codings.pkl").code(texts[::-1] + ["Something new here."])
    assert calls[-1] == ["Something new here."]  # only the unseen text reaches the coders
    assert (again.scores[:3] == first.scores[::-1]).all()
    assert memo.code([]).scores.shape[0] == 0
