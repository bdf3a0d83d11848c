"""Topic models on the sample: reproducible, guarded against tiny input, tied back to the gold codes.

One fit on the sample's respondent segments (module fixture, about 650 segments) serves most tests;
determinism and the CLI each pay one more fit. The embeddings are computed once and shared: the
determinism test reuses the Embedder, the CLI test finds them in its project's cache.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from qualkit import Project
from qualkit.cli import main
from qualkit.embeddings import Embedder, text_hash
from qualkit.errors import QualkitError
from qualkit.ingest import segments_from_paths
from qualkit.topics import COVERAGE_FOR_CODED, DOMAIN_STOP_WORDS, emergent_topics, fit_topics

SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"
GOLD = SAMPLE.parent / "codebooks" / "training" / "gold.csv"
CASES = SAMPLE / "cases.csv"
THEMES = ["relevance", "safety", "mediation_resistance", "referral_briefing",
          "group_session_benefits", "online_course", "plus_session_experience",
          "communication_change", "contact_change", "relationship_change", "return_to_court",
          "programme_length"]
SHORT = """---
case: S01
role: Mother
---
Interviewer: How was the course?
Respondent: It was fine, I suppose. The group helped a bit.
Interviewer: And the joint session?
Respondent: We never had one, he would not come.
"""


@pytest.fixture(scope="module")
def sample():
    segments, report = segments_from_paths([SAMPLE], cases=CASES)
    assert report.ok, report.failed
    segments = segments[segments.role == "respondent"].reset_index(drop=True)
    gold = pd.read_csv(GOLD, dtype={"id": str})
    assert list(gold.columns[5:]) == THEMES
    embedder = Embedder()
    result = fit_topics(segments, embedder, seed=42, coded=gold, themes=THEMES)
    return segments, gold, embedder, result


def topic_words(top_words: str) -> list[str]:
    return [word for ngram in top_words.split(", ") if ngram for word in ngram.split()]


def test_same_seed_same_topics(sample):
    segments, _, embedder, result = sample
    computed = embedder.computed
    again = fit_topics(segments, embedder, seed=42)
    assert embedder.computed == computed  # the second fit reused the vectors: only the model ran
    np.testing.assert_array_equal(again.segment_topics["topic"].to_numpy(),
                                  result.segment_topics["topic"].to_numpy())
    assert again.topics["top_words"].tolist() == result.topics["top_words"].tolist()


def test_topics_are_the_same_whatever_the_cache_held(sample):
    """Issue 25 item 12: a warm cache holds vectors embedded beside other texts (coder training,
    an earlier import) and in another order; the topics must not move for it."""
    segments, gold, _, result = sample
    warmed = Embedder()
    texts = segments["text"].tolist()
    others = gold["text"].tolist()[:40]
    for start in range(0, len(texts), 97):  # other company, other order, other batch bounds
        warmed.encode(others[start % 7:] + texts[start:start + 97][::-1])
    again = fit_topics(segments, warmed, seed=42)
    np.testing.assert_array_equal(again.segment_topics["topic"].to_numpy(),
                                  result.segment_topics["topic"].to_numpy())


@pytest.mark.parametrize("n", [0, 10])
def test_too_few_segments_is_E080(sample, n):
    segments = sample[0].head(n)
    with pytest.raises(QualkitError) as caught:
        fit_topics(segments, sample[2])
    assert caught.value.code == "E080"
    assert "Fix:" in str(caught.value)
    assert f"only {n} segments" in str(caught.value)


def test_cli_one_short_transcript_exits_with_one_error_line(tmp_path, runner):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "S01.txt").write_text(SHORT, encoding="utf-8")

    result = runner.invoke(main, ["topics", str(folder), "--out", str(tmp_path / "out")])

    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1, result.stderr
    assert "[E080]" in error_lines[0] and "Fix:" in error_lines[0]
    assert not (tmp_path / "out" / "topics.csv").exists()


def test_top_words_leave_out_stop_words(sample):
    stop = set(DOMAIN_STOP_WORDS) | set(ENGLISH_STOP_WORDS)
    topics = sample[3].topics
    for row in topics.itertuples():
        words = topic_words(row.top_words)
        assert words, f"topic {row.topic} has no keywords"
        assert not stop & set(words), (row.topic, sorted(stop & set(words)))
        assert "" not in row.top_words.split(", "), row.top_words  # no padding from BERTopic


def test_crosstab_counts_add_up(sample):
    segments, gold, _, result = sample
    table = result.topic_by_code
    assert table is not None
    assert list(table.columns) == ["topic", "segments", *THEMES, "no_code"]
    assert table["segments"].sum() == len(segments)
    fitted = gold[gold["id"].isin(segments["segment_id"])]
    assert len(fitted) > 0.9 * len(gold)  # the gold ids are the segments qualkit makes
    for theme in THEMES:
        assert table[theme].sum() == int((fitted[theme] == 1).sum()), theme
    with_theme = set(fitted.loc[fitted[THEMES].eq(1).any(axis=1), "id"])
    per_topic = result.segment_topics.assign(
        any=result.segment_topics["segment_id"].isin(with_theme)).groupby("topic")["any"].sum()
    for row in table.itertuples():
        assert row.no_code + per_topic[row.topic] == row.segments, row.topic
    sizes = result.segment_topics["topic"].value_counts()
    assert table.set_index("topic")["segments"].to_dict() == sizes.to_dict()


def test_emergent_are_the_topics_no_code_covers(sample):
    result = sample[3]
    table = result.topic_by_code.set_index("topic")
    share = table[THEMES].max(axis=1) / table["segments"]
    emergent = set(result.emergent["topic"])
    assert -1 not in emergent
    for topic, value in share.drop(index=-1, errors="ignore").items():
        if topic in emergent:
            assert value < COVERAGE_FOR_CODED, (topic, value)
        else:
            assert value >= COVERAGE_FOR_CODED, (topic, value)
    for row in result.emergent.itertuples():
        assert row.best_code_share == pytest.approx(share[row.topic], abs=1e-3)
        assert table.loc[row.topic, row.best_code] == table.loc[row.topic, THEMES].max()


def test_emergent_rule_on_hand_made_tables():
    themes = ["a", "b"]
    topics = pd.DataFrame({"topic": [-1, 0, 1, 2, 3], "label": ["out", "L0", "L1", "L2", "L3"],
                           "top_words": ["", "w0", "w1", "w2", "w3"]})
    by_code = pd.DataFrame({"topic": [-1, 0, 1, 2, 3],
                            "segments": [10, 10, 10, 5, 4],
                            "a": [0, 5, 3, 2, 0],    # 0: 0.5 covered; 2: exactly 0.4 covered
                            "b": [0, 1, 3, 1, 0],    # 1: best 0.3, emergent; 3: none, emergent
                            "no_code": [10, 4, 4, 2, 4]})
    segment_topics = pd.DataFrame({"segment_id": [f"s{i}" for i in range(39)],
                                   "topic": [-1] * 10 + [0] * 10 + [1] * 10 + [2] * 5 + [3] * 4})

    emergent = emergent_topics(topics, by_code, segment_topics, themes)

    assert emergent["topic"].tolist() == [1, 3]
    assert emergent["best_code_share"].tolist() == [0.3, 0.0]
    assert emergent["label"].tolist() == ["L1", "L3"]
    assert emergent["suggested_keywords"].tolist() == ["w1", "w3"]
    assert emergent.loc[0, "example_segments"] == " | ".join(f"s{i}" for i in range(20, 25))


def test_topics_table(sample):
    segments, _, _, result = sample
    topics, assigned = result.topics, result.segment_topics
    assert sorted(topics["topic"]) == sorted(set(assigned["topic"]))
    assert topics["topic"].is_unique and -1 in set(topics["topic"])
    assert len(topics) >= 3  # the sample has more than a couple of things in it
    assert topics["size"].sum() == len(segments)
    assert (topics["label"].str.strip() != "").all()
    for row in topics.itertuples():
        members = assigned[assigned["topic"] == row.topic]
        assert row.size == len(members)
        assert row.example_1 in set(members["text"]), row.topic
        match = members[members["segment_id"] == row.example_1_segment]
        assert match["text"].tolist() == [row.example_1]
        assert row.example_1_case == match["case"].iloc[0]


def test_cli_writes_every_output(tmp_path, runner, sample):
    segments, _, embedder, result = sample
    project_path = tmp_path / "study.qualkit"
    with Project(project_path) as project:  # the vectors the fixture computed, so no re-embedding
        texts = segments["text"].tolist()
        project.cache_embeddings([(text_hash(t), int(v.shape[0]), v.astype("<f4").tobytes())
                                  for t, v in zip(texts, embedder.encode(texts))],
                                 Embedder.model_id)
    out = tmp_path / "out"

    run = runner.invoke(main, ["topics", str(SAMPLE), "--out", str(out), "--project",
                               str(project_path), "--coded", str(GOLD), "--cases", str(CASES)])

    assert run.exit_code == 0, run.output
    for name in ["topics.csv", "segment_topics.csv", "topic_by_code.csv", "emergent.csv",
                 "topic_map.html", "topics_by_role.png"]:
        assert (out / name).stat().st_size > 0, name
    written = pd.read_csv(out / "segment_topics.csv", keep_default_na=False)
    assert len(written) == len(segments)
    # the same segments, seed and vectors as the fixture's fit: the same topics
    assert written["topic"].tolist() == result.segment_topics["topic"].tolist()
    by_code = pd.read_csv(out / "topic_by_code.csv")
    assert by_code["segments"].sum() == len(segments)
    assert set(THEMES) <= set(by_code.columns)
    emergent = pd.read_csv(out / "emergent.csv")
    assert set(emergent["topic"]) == set(result.emergent["topic"])
    html = (out / "topic_map.html").read_text(encoding="utf-8")
    assert "plotly" in html.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?https?:", html, re.I)
    assert (out / "topics_by_role.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "topics over" in run.stdout and "emergent" in run.stdout


UMAP_IN_A_NEW_PROCESS = """
import json, sys
import numpy as np
import umap.umap_
before = type(umap.umap_.smooth_knn_dist._cache).__name__
from qualkit import tuning
tuning.enable(None)  # the command line's opt-in; NUMBA_CACHE_DIR is set by the test
from qualkit.topics import build_model
reducer = build_model(200).umap_model
reducer.fit_transform(np.random.default_rng(0).normal(size=(200, 16)).astype(np.float32))
stats = umap.umap_.smooth_knn_dist.stats
json.dump({"before": before, "hits": sum(stats.cache_hits.values()),
           "misses": sum(stats.cache_misses.values())}, sys.stdout)
"""


def test_a_new_process_loads_umap_compiled_by_the_last(tmp_path, request):
    """UMAP's fuzzy simplicial set (``smooth_knn_dist``) is not one of the functions umap marks
    for numba's cache, so without qualkit turning caching on, every new process compiles it.
    (Turned on where the process opted in, as the ``qualkit`` command does.)"""
    import json
    import os
    import subprocess
    import sys

    cache = getattr(request.config, "cache", None)  # kept between test runs, as the notebooks' is
    folder = cache.mkdir("qualkit-numba") if cache is not None else tmp_path / "numba"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(folder)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", UMAP_IN_A_NEW_PROCESS], env=env,
                                      check=True, capture_output=True, text=True).stdout)
            for _ in range(2)]
    assert runs[1]["before"] == "NullCache"  # umap's own setting: not cached
    assert runs[1]["hits"] >= 1 and runs[1]["misses"] == 0, runs


UNCACHEABLE_MODULE = '''
import ctypes, ctypes.util
import numba
libc = ctypes.CDLL(ctypes.util.find_library("c"))
labs = libc.labs
labs.argtypes, labs.restype = [ctypes.c_long], ctypes.c_long

@numba.njit()
def absolute(x):  # a ctypes pointer inside: numba cannot keep it on disk
    return labs(x)
'''
UNCACHEABLE_RUN = '''
import sys
import numba_uncacheable
if sys.argv[1] == "qualkit":
    from qualkit.compiled import cache_compilations
    assert cache_compilations(("numba_uncacheable",)) == 1
else:  # caching turned on by hand, without qualkit's filter
    numba_uncacheable.absolute.enable_caching()
assert numba_uncacheable.absolute(-3) == 3
'''


@pytest.mark.parametrize("how, warned", [("qualkit", False), ("by hand", True)])
def test_a_function_numba_cannot_cache_compiles_without_a_warning(tmp_path, how, warned):
    """At 100x the sample UMAP runs pynndescent's ``nn_descent``, which numba cannot keep on disk;
    the warning about the caching qualkit turned on must not reach the user, and only that one."""
    import os
    import subprocess
    import sys

    (tmp_path / "numba_uncacheable.py").write_text(UNCACHEABLE_MODULE)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run([sys.executable, "-W", "always", "-c", UNCACHEABLE_RUN, how], env=env,
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ('Cannot cache compiled function "absolute"' in done.stderr) == warned, done.stderr


def unit_rows(seed: int, rows: int, columns: int) -> np.ndarray:
    """Random L2-normalised float32 rows, as embeddings are."""
    vectors = np.random.default_rng(seed).normal(size=(rows, columns)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_neighbours_are_a_brute_force_search():
    """What umap gets instead of nn_descent: each row's nearest rows by cosine distance, itself
    first, exactly as scikit-learn's brute-force search finds them (blocks of rows included)."""
    from sklearn.neighbors import NearestNeighbors

    from qualkit.topics import NEIGHBOUR_ROWS, exact_neighbours

    vectors = unit_rows(0, 2 * NEIGHBOUR_ROWS + 37, 24)
    indices, distances = exact_neighbours(vectors, 15)
    expected_distances, expected = NearestNeighbors(n_neighbors=15, metric="cosine",
                                                    algorithm="brute").fit(vectors).kneighbors(vectors)
    assert indices.shape == distances.shape == (len(vectors), 15)
    assert (indices[:, 0] == np.arange(len(vectors))).all()
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_allclose(distances, expected_distances, atol=1e-5)
    assert (np.diff(distances, axis=1) >= 0).all()


def test_umap_gets_exact_neighbours_only_where_it_would_approximate(monkeypatch):
    import qualkit.topics as topics

    vectors = unit_rows(1, 120, 16)
    assert topics.build_model(len(vectors), embeddings=vectors).umap_model.precomputed_knn[0] \
        is None  # umap searches 120 segments exactly itself
    monkeypatch.setattr(topics, "APPROXIMATE_FROM", 100)
    reducer = topics.build_model(len(vectors), embeddings=vectors).umap_model
    np.testing.assert_array_equal(reducer.precomputed_knn[0],
                                  topics.exact_neighbours(vectors, reducer.n_neighbors)[0])
    layout = reducer.fit_transform(vectors)
    assert layout.shape == (120, 5) and np.isfinite(layout).all()
    monkeypatch.setattr(topics, "EXACT_NEIGHBOURS_UP_TO", 110)  # too many to search exactly
    assert topics.build_model(len(vectors), embeddings=vectors).umap_model.precomputed_knn[0] \
        is None


def test_repeated_segments_are_moved_a_hair_apart_the_same_way_each_time():
    """Identical vectors (segments that read alike) are what made UMAP's spectral layout differ
    between identical runs; each repeat is nudged, seeded, and the first of each is kept."""
    from qualkit.topics import separate_duplicates

    distinct = unit_rows(2, 40, 24)
    vectors = np.vstack([distinct, distinct[:3], distinct[:3], distinct[5:6]])
    apart = separate_duplicates(vectors, seed=42)
    np.testing.assert_array_equal(apart[:40], distinct)  # the first of each is untouched
    assert len(np.unique(apart, axis=0)) == len(apart)
    np.testing.assert_allclose(np.linalg.norm(apart, axis=1), 1, rtol=1e-5)
    original = np.vstack([distinct[:3], distinct[:3], distinct[5:6]])
    assert ((apart[40:] * original).sum(axis=1) > 0.999).all()  # still where they were, nearly
    np.testing.assert_array_equal(separate_duplicates(vectors, seed=42), apart)
    assert not np.array_equal(separate_duplicates(vectors, seed=7), apart)
    np.testing.assert_array_equal(separate_duplicates(distinct, seed=42), distinct)
