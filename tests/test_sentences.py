"""qualkit's sentence splitter gives exactly the boundaries of spaCy's own sentencizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualkit import read_file
from qualkit.ingest import expand_paths
from qualkit.sentences import SentenceSplitter, reference_spans

SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"

EDGE_CASES = [
    "", " ", "\n\n", "!!!", "Yes.", "Yes. No? Maybe!!! OK.", "Hello!World",
    "Mr. Smith went. Then... he left!", "He said \"stop.\" Then left.", "!Hello there",
    "   Leading space. Trailing   ", "First line.\nSecond line\n\nThird. ", "終わり。次の文",
    "Erm... well, I - I don't know. [son] was, you know... there.", "Q? A. (laughs) Right.",
    "She said: 'no'. He said: 'yes'.", "1. First point. 2. Second point.",
]


def sample_turn_texts() -> list[str]:
    return [turn.text for path in expand_paths([SAMPLE])
            for transcript in read_file(path) for turn in transcript.turns]


@pytest.mark.parametrize("batch_size", [1, 3, 256])
def test_edge_cases_match_spacy_sentencizer(batch_size):
    ours = list(SentenceSplitter(batch_size=batch_size).pipe(EDGE_CASES))
    assert ours == [reference_spans(text) for text in EDGE_CASES]


def test_whole_sample_matches_spacy_sentencizer():
    texts = sample_turn_texts()
    assert len(texts) > 1000
    ours = list(SentenceSplitter(batch_size=64).pipe(texts))
    mismatches = [t for t, spans in zip(texts, ours) if spans != reference_spans(t)]
    assert mismatches == []
    assert sum(len(spans) for spans in ours) > len(texts)  # real multi-sentence turns were split


def test_spans_are_trimmed_and_cover_every_word():
    text = "  So. We talked,   then\nwe stopped!  "
    (spans,) = SentenceSplitter().pipe([text])
    assert [text[a:b] for a, b in spans] == ["So.", "We talked,   then\nwe stopped!"]
