"""The coders, alone and together, on a small codebook: negation, evidence, thresholds, CSV I/O."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit import Project, QualkitError
from qualkit.cli import main
from qualkit.coding import (CodingEnsemble, LearnedCoder, RuleCoder, SemanticCoder, hierarchical,
                            label_matrix, parse_codebook)
from qualkit.coding.learned import UNKNOWN, best_threshold
from qualkit.embeddings import Embedder

ROOT = Path(__file__).resolve().parent.parent

CODEBOOK = """\
name: mini
codes:
  - id: safety
    label: Safety
    definition: Fear of the other parent, domestic abuse, violence, police and protective orders.
    examples:
      positive:
        - "I was terrified of being in the same room as him."
        - "He used to hit me and the police were called more than once."
        - "I had to go into a refuge with the children."
      negative:
        - "I wasn't scared of him, we just disagreed about money."
        - "We argued about holidays but it never went further than that."
    patterns:
      - [{LEMMA: {IN: ["scare", "terrify", "frighten"]}}]
      - "refuge"
  - id: safety_orders
    parent: safety
    label: Protective orders
    definition: A non-molestation order or restraining order against the other parent.
    examples:
      positive: ["There's a non-molestation order in place against him."]
    patterns:
      - "restraining order"
      - [{LOWER: "non"}, {LOWER: "-", OP: "?"}, {LOWER: "molestation"}]
  - id: relevance
    label: Relevance
    definition: Whether the course fitted the parent's situation, for example too basic or too late.
    examples:
      positive:
        - "It was all stuff we already knew, far too basic for us."
        - "It came years too late, we'd been apart for ages by then."
      negative:
        - "The course was held on a Saturday morning in a community hall."
    patterns: ["too basic", [{LEMMA: "patronise"}]]
"""


@pytest.fixture(scope="module")
def codebook():
    return parse_codebook(CODEBOOK, "mini.yaml")


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def rules(codebook):
    return RuleCoder(codebook).fit()


def column(coder, code_id):
    return coder.classes_.index(code_id)


@pytest.mark.parametrize("text, fires", [
    ("I was terrified at the joint session.", True),
    ("He frightened me badly.", True),
    ("I wasn't scared of him at all.", False),
    ("I was never frightened by him.", False),
    ("If he had scared me I would have said so.", False),
    ("We went to a refuge in the end.", True),
    ("It was not too basic, it was fine.", False),
    ("Honestly it was too basic and a bit patronising.", True),
])
def test_rules_respect_negation_and_hypotheticals(rules, text, fires):
    scores, reasons = rules.score([text])
    assert (scores[0].max() >= 0.5) == fires
    assert reasons[0], "every match, counted or not, leaves a rationale"
    if not fires:
        assert any(("negated" in r) or ("hypothetical" in r) for r in reasons[0].values())


def test_rule_rationale_names_the_matched_words(rules):
    scores, reasons = rules.score(["There is a non-molestation order against him."])
    assert scores[0, column(rules, "safety_orders")] >= 0.9
    assert "non-molestation" in reasons[0]["safety_orders"]


def test_a_text_is_scored_from_its_sentences_each_parsed_once(codebook, monkeypatch):
    """An answer read with its question scores as its sentences do together (and a negated sentence
    stays negated inside it); sentences seen before are not parsed again; the memory is not pickled."""
    import pickle

    from qualkit.resources import english_pipeline

    rules = RuleCoder(codebook).fit()
    question, answer = "Did you feel safe at the session?", "I was terrified at the joint session."
    negated = "I wasn't scared of him at all."
    alone, _ = rules.score([question, answer, negated])
    parsed = []
    nlp = english_pipeline()
    real_pipe = nlp.pipe
    monkeypatch.setattr(nlp, "pipe", lambda texts, **kw: real_pipe(parsed.extend(texts) or texts, **kw))
    together, reasons = rules.score([f"{question} {answer}", f"{negated} {question}"])
    assert parsed == [], "every sentence was parsed in the first call"
    assert np.allclose(together[0], 1 - (1 - alone[0]) * (1 - alone[1]))
    assert np.allclose(together[1], 1 - (1 - alone[2]) * (1 - alone[0]))
    assert together[0, column(rules, "safety")] >= 0.5 and "terrified" in reasons[0]["safety"]
    assert "negated" in reasons[1]["safety"]
    rules.score(["A sentence nobody has seen. I was terrified at the joint session."])
    assert parsed == ["A sentence nobody has seen."]
    copy = pickle.loads(pickle.dumps(rules))
    assert copy._remembered == {} and np.array_equal(copy.score([answer])[0], alone[[1]])


def test_word_prefilter_never_drops_a_match_the_full_matcher_finds():
    """The shipped codebook's token patterns, run on the sample's segments, with and without the
    words-present test that skips most patterns."""
    from spacy.matcher import Matcher

    from qualkit.coding import load_codebook
    from qualkit.ingest import read_inputs
    from qualkit.resources import CODING_OFF, english_pipeline

    shipped = RuleCoder(load_codebook(ROOT / "codebooks" / "spip_plus.yaml")).fit()
    nlp = english_pipeline()
    full = Matcher(nlp.vocab)
    for code in shipped.codebook.codes:
        if code.token_patterns:
            full.add(code.id, [p for _, m in shipped._matchers if code.id in m
                               for p in m.get(code.id)[1]])
    texts = read_inputs([ROOT / "transcripts_sample"]).segments["text"].tolist()
    found = 0
    for doc in nlp.pipe(texts, disable=CODING_OFF):
        expected = set(full(doc))
        found += len(expected)
        assert expected <= set(shipped._all_matches(doc))
    assert found > 20  # the comparison saw real matches


def test_semantic_coder_generalises_to_unseen_wording(codebook, embedder):
    coder = SemanticCoder(codebook, embedder).fit()
    texts = ["He threatened to kill me and I had to ring 999.",
             "We had separated six years earlier so the material felt pointless for us."]
    scores, reasons = coder.score(texts)
    safety, relevance = column(coder, "safety"), column(coder, "relevance")
    assert scores[0, safety] > scores[0, relevance] and scores[0, safety] >= 0.5
    assert scores[1, relevance] > scores[1, safety] and scores[1, relevance] >= 0.5
    assert "nearest example" in reasons[0]["safety"]


@pytest.mark.parametrize("head", [1, 4, 32])
def test_nearest_first_equals_a_full_sort_of_each_set(head):
    """Rows whose set has fewer than k members in the ranked head fall back to a full sort; ties
    and tiny sets included, the means must equal sorting each set's columns, bit for bit."""
    from qualkit.coding.semantic import NearestFirst

    rng = np.random.default_rng(7)
    similarity = rng.normal(size=(300, 90)).astype(np.float32)
    similarity[:, 10:20] = similarity[:, [10]]  # ties across columns
    nearest = NearestFirst(similarity, head=head)
    sets = [np.arange(90), np.arange(0, 90, 7), np.array([5]), np.array([3, 60]),
            rng.choice(90, 40, replace=False), np.arange(10, 25)]
    for members in sets:
        for k in (1, 3):
            expected = np.sort(similarity[:, members], axis=1)[:, -min(k, len(members)):].mean(axis=1)
            found = nearest.top_mean(members, k)
            assert found.dtype == expected.dtype
            assert np.array_equal(found, expected)


def test_best_threshold_maximises_f1_by_hand():
    labels = np.array([1, 1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # Cutting below 0.6 predicts 4 positives: tp 3, fp 1 -> F1 = 6/7; below 0.8: tp 2 -> 0.8.
    assert best_threshold(labels, scores) == pytest.approx((0.6 + 0.2) / 2)


def synthetic_training(n: int = 40):
    fear = ["I was frightened he would turn up at the door", "he threatened me in the car park",
            "the police came after he pushed me", "I kept looking over my shoulder all day",
            "he followed me home after the session", "I shook the whole time in that room",
            "he has a history of violence towards me", "I needed an escort to my car"]
    other = ["the venue was easy to find by bus", "the biscuits at the break were nice",
             "the facilitator wrote on a flipchart", "we did a quiz about the children",
             "there were eight parents in the group", "it started at ten in the morning",
             "the handout had some useful websites", "the room was a bit cold"]
    texts = [fear[i % 8] + f" ({i})" for i in range(n // 2)] + [other[i % 8] + f" ({i})"
                                                                 for i in range(n // 2)]
    return texts, np.array([1] * (n // 2) + [0] * (n // 2))


def test_learned_coder_learns_from_human_codings(codebook, embedder):
    texts, safety = synthetic_training()
    y = np.full((len(texts), len(codebook.ids)), UNKNOWN)
    y[:, codebook.ids.index("safety")] = safety
    coder = LearnedCoder(codebook, embedder, random_state=0).fit(texts, y)
    assert set(coder.models_) == {"safety"}  # sub-codes and relevance have no human labels
    new = ["he grabbed my arm and I was shaking", "the room had a projector and a whiteboard"]
    proba = coder.predict_proba(new)
    assert np.isnan(proba[:, codebook.ids.index("relevance")]).all()
    assert proba[0, 0] > coder.thresholds_["safety"] > proba[1, 0]
    assert coder.predict(new)[:, 0].tolist() == [1, 0]
    assert not np.isnan(coder.oof_proba_[:, 0]).any()
    # one product for all codes must be what each code's own model says
    own = coder.models_["safety"].predict_proba(coder._features(new))[:, 1]
    assert np.array_equal(proba[:, codebook.ids.index("safety")], own)
    _, reasons = coder.score(new)
    assert reasons[0]["safety"].startswith(f"model p={proba[0, 0]:.2f}") and not reasons[1]


def test_label_matrix_reads_theme_lists_and_lifts_subcodes(codebook):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": ["x", "y", "z"],
                          "codes": ["safety_orders", "relevance", ""]})
    y = label_matrix(codebook, frame)
    ids = codebook.ids
    assert y[0, ids.index("safety")] == 1 and y[0, ids.index("safety_orders")] == 1
    assert y[1, ids.index("relevance")] == 1 and y[1, ids.index("safety")] == 0
    assert (y[2] <= 0).all()
    wide = pd.DataFrame({"id": ["a"], "text": ["x"], "safety": ["1"]})
    y = label_matrix(codebook, wide)
    assert y[0, ids.index("safety")] == 1 and y[0, ids.index("relevance")] == UNKNOWN


def test_ensemble_is_deterministic_and_hierarchical(codebook, embedder):
    texts, safety = synthetic_training()
    y = np.full((len(texts), len(codebook.ids)), UNKNOWN)
    y[:, codebook.ids.index("safety")] = safety
    new = ["I was scared stiff, there is a restraining order against him.",
           "It was far too basic for two people who already talk every day.",
           "The car park was full so we parked on the road."]
    first = CodingEnsemble(codebook, embedder, random_state=1).fit(texts, y).code(new)
    second = CodingEnsemble(codebook, embedder, random_state=1).fit(texts, y).code(new)
    assert np.array_equal(first.scores, second.scores)
    decided = hierarchical(first.decisions, codebook)
    ids = codebook.ids
    assert decided[0, ids.index("safety")] == 1 and decided[0, ids.index("safety_orders")] == 1
    assert decided[1, ids.index("relevance")] == 1 and decided[1, ids.index("safety")] == 0
    assert decided[2].sum() == 0
    assert any(r.startswith("rule: ") for r in first.rationales[0]["safety"])
    assert set(first.by_source) == {"rule", "semantic", "learned"}
    orphan = np.zeros_like(first.decisions)
    orphan[0, ids.index("safety_orders")] = 1
    assert hierarchical(orphan, codebook)[0].sum() == 0  # no sub-code without its theme


def test_cli_code_csv_round_trip_and_evaluate(tmp_path):
    codebook_path = tmp_path / "mini.yaml"
    codebook_path.write_text(CODEBOOK, encoding="utf-8")
    segments = pd.DataFrame({
        "id": ["q1", "q2", "q3", "q4"],
        "text": ["I was terrified of him and we had to go to a refuge.",
                 "It was too basic, we'd already sorted everything between us.",
                 "The session was on a Tuesday evening.",
                 "I wasn't frightened, we just didn't agree."]})
    segments.to_csv(tmp_path / "quotes.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(main, ["code", str(tmp_path / "quotes.csv"), "--codebook",
                                  str(codebook_path), "--out", str(tmp_path / "coded.csv"),
                                  "--explain", "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 0, result.output
    coded = pd.read_csv(tmp_path / "coded.csv", dtype=str, keep_default_na=False)
    assert coded.segment_id.tolist() == ["q1", "q2", "q3", "q4"]
    assert coded.text.tolist() == segments.text.tolist()  # verbatim through the round trip
    assert {"codes", "safety", "safety_score", "relevance", "relevance_score",
            "rationale"} <= set(coded.columns)
    assert coded.safety.tolist() == ["1", "0", "0", "0"]
    assert coded.relevance.tolist() == ["0", "1", "0", "0"]
    assert all(0 <= float(s) <= 1 for s in coded.safety_score)
    assert "matched" in coded.rationale[0]
    with Project(tmp_path / "p.qualkit") as project:
        stored = project.query("SELECT segment_id, code_id, source, score, rationale FROM codings")
        assert {"rule", "semantic", "ensemble"} <= set(stored.source)
        ensemble = stored[stored.source == "ensemble"]
        assert set(zip(ensemble.segment_id, ensemble.code_id)) >= {("q1", "safety"),
                                                                   ("q2", "relevance")}
        assert stored.rationale.str.len().min() > 0
        cached = project.query("SELECT COUNT(*) AS n FROM embeddings").n[0]
        assert cached >= len(segments)
    gold = pd.DataFrame({"id": ["q1", "q2", "q3", "q4"], "safety": [1, 0, 0, 0],
                         "relevance": [0, 1, 0, 1]})
    gold.to_csv(tmp_path / "gold.csv", index=False)
    result = runner.invoke(main, ["evaluate", "--gold", str(tmp_path / "gold.csv"), "--pred",
                                  str(tmp_path / "coded.csv"), "--codebook", str(codebook_path),
                                  "--out", str(tmp_path / "agreement.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "agreement.csv").set_index("code")
    assert table.loc["safety", "f1"] == pytest.approx(1.0)
    assert table.loc["relevance", "recall"] == pytest.approx(0.5)
    assert "overall" in table.index


def test_cli_code_reports_a_bad_codebook_in_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\ncodes:\n  - id: a\n    definition: ''\n")
    (tmp_path / "in.csv").write_text("id,text\n1,hello there\n")
    result = CliRunner().invoke(main, ["code", str(tmp_path / "in.csv"), "--codebook",
                                       str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "E068" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_cross_validation_never_scores_on_training_cases(tmp_path, codebook, embedder):
    from qualkit.coding.validation import cross_validate

    texts, safety = synthetic_training(40)
    # Five cases; each wording recurs in several cases, so every held-out case is codable.
    sheet = pd.DataFrame({"id": [f"s{i}" for i in range(40)], "case": [f"C{i % 5}" for i in range(40)],
                          "text": texts, "safety": safety})
    sheet.to_csv(tmp_path / "sheet.csv", index=False)
    table, out_of_fold = cross_validate(codebook, [tmp_path / "sheet.csv"], folds=5,
                                        codes=["safety"], embedder=embedder)
    row = table.set_index("code").loc["safety"]
    assert row["n"] == 40 and row["a_pos"] == 20
    assert row["f1"] > 0.8  # the two synthetic topics are easy to tell apart
    assert out_of_fold["safety_gold"].tolist() == safety.tolist()
    assert out_of_fold.groupby("case").size().tolist() == [8] * 5
    with pytest.raises(QualkitError) as caught:
        cross_validate(codebook, [tmp_path / "sheet.csv"], folds=9, codes=["safety"],
                       embedder=embedder)
    assert caught.value.code == "E079"
