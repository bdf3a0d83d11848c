"""Quotes: verbatim pieces at the right offsets, whole sentences, the allowed cuts, attribution,
diversity, and the command."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit.attribution import attribute
from qualkit.cli import main
from qualkit.coding import train_coder
from qualkit.importers import read_file
from qualkit.ingest import read_inputs
from qualkit.segment import count_words
from qualkit.quotes import candidates, extract_quotes, pick_diverse, rank_quotes, readability
from qualkit.sentences import SentenceSplitter, reading_spans

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"


def turn_texts(paths) -> dict[tuple[str, int], str]:
    """(case, turn index) -> the stored verbatim turn."""
    found = {}
    for path in paths:
        for transcript in read_file(path):
            for turn in transcript.turns:
                found[(transcript.case.id, turn.index)] = turn.text
    return found


@pytest.fixture(scope="module")
def sample_segments():
    inputs = read_inputs([SAMPLE], cases=SAMPLE / "cases.csv")
    segments = inputs.segments
    return segments[segments.role == "respondent"].reset_index(drop=True), inputs.attributes


def check_quote(quote: str, pieces, turn: str) -> None:
    """A quote is its verbatim pieces joined by an ellipsis (plus a leading one for a cut opener)."""
    body = quote[4:] if quote.startswith("... ") else quote
    assert body == " ... ".join(turn[a:b] for a, b in pieces)


def test_every_candidate_is_verbatim_whole_sentences_within_limits(sample_segments):
    segments, _ = sample_segments
    segments = segments.head(120)
    turns = turn_texts(sorted(p for p in SAMPLE.iterdir() if p.suffix in {".txt", ".md", ".docx",
                                                                          ".vtt"}))
    found = candidates(segments, max_words=60)
    assert len(found) > 300
    turn_of = dict(zip(segments.segment_id, zip(segments.case, segments.turn)))
    starts_ends = {}
    for row in segments.itertuples():
        turn = turns[(row.case, row.turn)]
        spans = reading_spans(turn, next(SentenceSplitter().pipe([turn])))
        starts_ends[row.segment_id] = ({a for a, _ in spans}, {b for _, b in spans})
    for candidate in found:
        turn = turns[turn_of[candidate.segment_id]]
        check_quote(candidate.text, candidate.pieces, turn)
        starts, ends = starts_ends[candidate.segment_id]
        assert candidate.end in ends, candidate.text                   # ends at a sentence end
        assert candidate.start in starts or candidate.text.startswith("... "), candidate.text
        assert 8 <= count_words(candidate.plain) <= 60
        assert not re.match(r"(and so|but then)\b", candidate.text, re.IGNORECASE)


def frame_of(text: str, case: str = "A", segment_id: str = "A:t001:0", start: int = 0):
    return pd.DataFrame({"segment_id": [segment_id], "case": [case], "text": [text],
                         "start": [start]})


def test_dangling_opener_is_cut_and_marked():
    text = "And so I went to the group session and honestly it was the best thing I did all year."
    (quote,) = candidates(frame_of(text, start=10))
    assert quote.text == "... I went to the group session and honestly it was the best thing I did all year."
    assert quote.pieces == ((10 + text.index("I went"), 10 + len(text)),)


def test_fillers_are_cut_from_inside_and_marked():
    text = "It was, erm, really helpful for me and the kids, you know, in the end it mattered."
    (quote,) = candidates(frame_of(text))
    assert quote.text == ("It was ... really helpful for me and the kids ... in the end it "
                          "mattered.")
    check_quote(quote.text, quote.pieces, text)
    assert readability(quote.text) < readability("It was really helpful for me and the kids in the "
                                                 "end, it mattered a lot to us.")


def test_too_short_and_too_long_runs_are_not_candidates():
    assert candidates(frame_of("Yes. It was fine.")) == []
    long = " ".join(["This sentence has exactly ten words in it, you see."] * 8)
    assert all(len(c.plain.split()) <= 20 for c in candidates(frame_of(long), max_words=20))


def ranked_frame(rows):
    frame = pd.DataFrame(rows, columns=["case", "segment_id", "start", "end", "merit"])
    frame["quote"] = [f"quote {i}" for i in range(len(frame))]
    return frame.sort_values("merit", ascending=False).reset_index(drop=True)


def test_diversity_one_quote_per_case_until_cases_run_out():
    ranked = ranked_frame([("A", "A:1", 0, 50, 0.9), ("A", "A:2", 0, 50, 0.8), ("B", "B:1", 0, 50, 0.7),
                           ("A", "A:3", 0, 50, 0.6), ("C", "C:1", 0, 50, 0.5)])
    picked = pick_diverse(ranked, 3)
    assert picked.case.tolist() == ["A", "B", "C"]
    assert picked["rank"].tolist() == [1, 2, 3]
    more = pick_diverse(ranked, 5)
    assert more.case.tolist()[:3] == ["A", "B", "C"] and len(more) == 5


def test_overlapping_quotes_are_never_both_chosen():
    ranked = ranked_frame([("A", "A:1", 0, 50, 0.9), ("A", "A:1", 20, 80, 0.8),
                           ("A", "A:1", 60, 90, 0.7)])
    picked = pick_diverse(ranked, 3)
    assert list(zip(picked.start, picked.end)) == [(0, 50), (60, 90)]


def test_balance_lets_roles_take_turns():
    ranked = ranked_frame([("M1", "M1:1", 0, 9, 0.9), ("M2", "M2:1", 0, 9, 0.8),
                           ("M3", "M3:1", 0, 9, 0.7), ("F1", "F1:1", 0, 9, 0.3),
                           ("F2", "F2:1", 0, 9, 0.2)])
    roles = {"M1": "Mother", "M2": "Mother", "M3": "Mother", "F1": "Father", "F2": "Father"}
    plain = pick_diverse(ranked, 4)
    balanced = pick_diverse(ranked, 4, roles)
    assert [roles[c] for c in plain.case] == ["Mother", "Mother", "Mother", "Father"]
    assert sorted(roles[c] for c in balanced.case) == ["Father", "Father", "Mother", "Mother"]


def test_ranking_prefers_typical_and_strong_quotes():
    found = candidates(pd.concat([
        frame_of("I was terrified of him and the police had been called many times before.",
                 "A", "A:1"),
        frame_of("The room was painted blue and there was a plant in the corner by the door.",
                 "B", "B:1")]))
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    ranked = rank_quotes(found, np.array([0.4, 0.4]), vectors, centroid=np.array([1.0, 0.1]))
    assert ranked.case.tolist() == ["A", "B"]
    assert ranked.typicality[0] > 0.9 and ranked.typicality[1] < 0.2


@pytest.mark.parametrize("template, attributes, expected", [
    ("({role}, {area})", {"role": "Mother", "area": "Area B"}, "(Mother, Area B)"),
    ("({role}, {area})", {"role": "SPIP Provider"}, "(SPIP Provider)"),
    ("({role}, {area})", {"role": "Father", "area": ""}, "(Father)"),
    ("({role}, {area})", {}, "(Participant)"),
    ("[{role}; {area}]", {"role": "Father", "area": "Area A"}, "[Father; Area A]"),
])
def test_attribution_template(template, attributes, expected):
    assert attribute(template, attributes) == expected


CODEBOOK = """\
name: mini
attribution: "({role}, {area})"
codes:
  - id: safety
    definition: Fear of the other parent, domestic abuse, police, refuges and protective orders.
    examples:
      positive:
        - "I was terrified of being in the same room as him."
        - "The police were called more than once and I went into a refuge with the kids."
      negative: ["We argued about holidays but I was never scared of him."]
  - id: mediation
    definition: Going to mediation, or refusing it, and what came of it.
    examples:
      positive:
        - "We had three mediation sessions and came out with a written plan."
        - "I wouldn't go to mediation, I wanted a judge to decide."
"""

STORY = """\
---
case: {case}
role: {role}
area: {area}
---
Interviewer: What happened at the joint session?

{role}: {first} The facilitator was kind but it didn't help much with any of it at all.

Interviewer: And after that?

{role}: {second}
"""


STORIES = {
    "C1": ("Mother", "Area B", "I was terrified of him, the police had been called twice that year "
           "and I was still shaking.", "We went to mediation three times and came out with a written "
           "plan for the holidays."),
    "C2": ("Father", "Area A", "She was scared of me, she said, and they put us in separate rooms "
           "because of the police report.", "I wouldn't go to mediation, I wanted a judge to decide "
           "it properly."),
    "C3": ("Mother", "Area C", "I was frightened walking in, he'd got a non-molestation order against "
           "him only last spring.", "Mediation was three sessions and we agreed most things in the "
           "end, which surprised me."),
}


def write_study(folder: Path, stories: dict) -> Path:
    """Small transcripts, one per case, and the codebook above, beside the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for case, (role, area, first, second) in stories.items():
        (folder / f"{case}.txt").write_text(STORY.format(case=case, role=role, area=area, first=first,
                                                         second=second), encoding="utf-8")
    codebook_path = folder.parent / "mini_codebook.yaml"
    codebook_path.write_text(CODEBOOK, encoding="utf-8")
    return codebook_path


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quotes") / "study"
    return folder, write_study(folder, STORIES)


def test_extract_quotes_carry_the_code_with_offsets_and_attribution(study):
    folder, codebook_path = study
    from qualkit.coding import load_codebook

    inputs = read_inputs([folder])
    segments = inputs.segments[inputs.segments.role == "respondent"].reset_index(drop=True)
    coder = train_coder(load_codebook(codebook_path))
    quotes = extract_quotes(segments, coder, codes=["safety", "mediation"], per_group=3,
                            attributes=inputs.attributes)
    turns = turn_texts(sorted(folder.glob("*.txt")))
    turn_of = dict(zip(segments.segment_id, zip(segments.case, segments.turn)))
    assert set(quotes.code) == {"safety", "mediation"}
    safety = quotes[quotes.code == "safety"]
    assert set(safety.case) == {"C1", "C2", "C3"}  # one per case before any case repeats
    assert all(re.search(r"terrified|scared|frightened|police|order", q) for q in safety.quote)
    for row in quotes.itertuples():
        turn = turns[turn_of[row.segment_id]]
        assert turn[row.start:row.end] in (row.quote, row.quote.removeprefix("... "))
        expected = {"C1": "(Mother, Area B)", "C2": "(Father, Area A)", "C3": "(Mother, Area C)"}
        assert row.attribution == expected[row.case]
    assert quotes.groupby("code")["rank"].apply(list).map(lambda r: r == list(range(1, len(r) + 1))
                                                          ).all()


def test_cli_quotes_writes_the_columns_and_rejects_unknown_groups(study, tmp_path):
    folder, codebook_path = study
    out = tmp_path / "quotes.csv"
    result = CliRunner().invoke(main, ["quotes", str(folder), "--codebook", str(codebook_path),
                                       "--code", "mediation", "--per-group", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    quotes = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(quotes.columns) == ["quote", "attribution", "case", "segment_id", "start", "end",
                                    "code", "type", "topic", "score", "typicality", "readability",
                                    "rank"]
    assert len(quotes) == 2 and set(quotes.code) == {"mediation"}
    bad = CliRunner().invoke(main, ["quotes", str(folder), "--codebook", str(codebook_path),
                                    "--code", "happiness", "--out", str(tmp_path / "q2.csv")])
    assert bad.exit_code == 2 and "E077" in bad.output and "Traceback" not in bad.output
    topic = CliRunner().invoke(main, ["quotes", str(folder), "--topic", "3",
                                      "--out", str(tmp_path / "q3.csv")])
    assert topic.exit_code == 2 and "--topics" in topic.output
    assert not (tmp_path / "q2.csv").exists() and not (tmp_path / "q3.csv").exists()


def test_a_type_shared_by_many_cases_draws_bounded_evidence_from_all_of_them():
    """A type held by hundreds of cases must not send all their segments to the quote stage, yet
    its quotes should come from many cases, not the first few."""
    from types import SimpleNamespace

    from qualkit.quotes import SEGMENTS_PER_GROUP, _type_rows

    n_cases, n_cells = 30, 4
    cases = [SimpleNamespace(case=f"C{c}", type="steady", dimensions={
        f"d{d}": SimpleNamespace(evidence=[f"C{c}-s{d}", f"C{c}-extra{d}"]) for d in range(n_cells)})
        for c in range(n_cases)]
    cases.append(SimpleNamespace(case="X", type="other", dimensions={
        "d0": SimpleNamespace(evidence=["X-s0"])}))
    segments = pd.DataFrame({"segment_id": [f"C{c}-s{d}" for c in range(n_cases)
                                            for d in range(n_cells)] + ["X-s0"]})
    rows = _type_rows(segments, SimpleNamespace(cases=cases), "steady")
    chosen = segments.loc[rows, "segment_id"]
    assert len(rows) == SEGMENTS_PER_GROUP < n_cases * n_cells
    assert {s.split("-")[0] for s in chosen} == {f"C{c}" for c in range(n_cases)}
    assert "X-s0" not in set(chosen) and not chosen.str.contains("extra").any()


def test_sentence_means_stand_in_for_each_candidates_own_vector(sample_segments):
    """Candidates are shortlisted on the length-weighted mean of their sentences' vectors: a
    one-sentence candidate's must be its own vector, and a longer one's must be nearer its own
    vector than any other segment's candidate is (a wrong offset would take another run's)."""
    from qualkit.embeddings import Embedder
    from qualkit.quotes import _sentence_means

    segments, _ = sample_segments
    pool = segments.head(40)
    found = candidates(pool)
    embedder = Embedder()
    means = _sentence_means(pool, found, embedder)
    own = embedder.encode([c.plain for c in found])
    single = [i for i, c in enumerate(found) if c.plain == c.text and
              len(list(SentenceSplitter().pipe([c.plain]))[0]) == 1]
    longer = [i for i, c in enumerate(found) if i not in set(single) and not c.text.startswith("...")]
    assert len(single) > 10 and len(longer) > 50
    assert np.allclose(means[single], own[single], atol=1e-5)
    near = (means[longer] * own[longer]).sum(axis=1)
    assert near.mean() > 0.85 and near.min() > 0.6, (near.mean(), near.min())  # 0.89, 0.72
    segment_of = np.array([found[i].segment_id for i in longer])
    similarity = means[longer] @ own[longer].T
    other = np.where(segment_of[:, None] != segment_of[None, :], similarity, -1).max(axis=1)
    assert (near > other).mean() > 0.95
