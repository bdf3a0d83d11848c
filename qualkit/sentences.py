"""Sentence boundaries for transcript text: spaCy's rule-based sentencizer, run on arrays.

qualkit splits sentences with exactly the rules of spaCy's ``sentencizer`` (a sentence starts at the
first word after a sentence-final punctuation character), over spaCy's English tokenizer. Interview
speech is punctuated by the transcriber, so these rules find its sentences as well as a parser would,
with no model to load and the same output on every machine.

spaCy's own component walks the tokens one Python object at a time, which is half the cost of a
tokenised import. Here the same decision is made for a whole batch of documents at once from token
arrays (numpy), and only character offsets come back: the boundaries are identical to spaCy's
(``tests/test_sentences.py`` checks this against spaCy on the whole sample corpus).
"""

from __future__ import annotations

import functools
import itertools
from typing import Iterable, Iterator

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, ORTH

Spans = tuple[tuple[int, int], ...]


@functools.cache
def blank_english():
    """spaCy's blank English pipeline: its tokenizer is all qualkit's segmentation needs."""
    import spacy

    return spacy.blank("en")


@functools.cache
def reference_pipeline():
    """spaCy's blank English with its own sentencizer: the reference these rules must match."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


class SentenceSplitter:
    """Character offsets of sentences, by spaCy's sentencizer rules, for many texts at once."""

    def __init__(self, batch_size: int = 256) -> None:
        from spacy.pipeline.sentencizer import Sentencizer

        nlp = blank_english()
        self.batch_size = batch_size
        self._tokenizer = nlp.tokenizer
        self._final_punct = np.array(
            sorted(nlp.vocab.strings.add(c) for c in Sentencizer.default_punct_chars),
            dtype=np.uint64)

    def pipe(self, texts: Iterable[str]) -> Iterator[Spans]:
        """Yield, per text, its sentences' (start, end) offsets with whitespace trimmed."""
        texts = iter(texts)
        while True:
            batch = list(itertools.islice(texts, self.batch_size))
            if not batch:
                return
            docs = list(self._tokenizer.pipe(batch, batch_size=self.batch_size))
            yield from (_spans(text, starts) for text, starts in zip(batch, self._starts(docs)))

    def _starts(self, docs) -> list[list[int]]:
        """Per doc, the character offsets of its sentence-initial tokens."""
        arrays = [doc.to_array([ORTH, IS_PUNCT, IDX]) for doc in docs]
        lengths = np.array([len(doc) for doc in docs])
        if not lengths.sum():
            return [[] for _ in docs]
        tokens = np.concatenate([a for a in arrays if len(a)])
        final = np.isin(tokens[:, 0], self._final_punct)         # in the sentencizer's punct_chars
        punct_like = final | (tokens[:, 1] == 1)                  # is_punct, or one of those
        doc_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        words = np.flatnonzero(~punct_like)
        previous = np.concatenate([[-1], words[:-1]])
        same_doc = previous >= doc_start[doc_of[words]]
        previous = np.where(same_doc, previous, doc_start[doc_of[words]] - 1)
        finals_before = np.concatenate([[0], np.cumsum(final)])
        # A word starts a sentence when a final punctuation mark stands between it and the word
        # before it (only punctuation in between): spaCy's "seen_period" state, without the loop.
        starts_sentence = finals_before[words] - finals_before[previous + 1] > 0
        is_start = np.zeros(len(tokens), dtype=bool)
        is_start[words[starts_sentence]] = True
        is_start[doc_start[lengths > 0]] = True
        start_chars = tokens[:, 2].astype(np.int64)
        bounds = np.concatenate([doc_start, [len(tokens)]])
        return [start_chars[lo:hi][is_start[lo:hi]].tolist() for lo, hi in zip(bounds, bounds[1:])]


def _spans(text: str, starts: list[int]) -> Spans:
    spans = []
    for left, right in zip(starts, starts[1:] + [len(text)]):
        piece = text[left:right]
        stripped = piece.strip()
        if stripped:
            left += len(piece) - len(piece.lstrip())
            spans.append((left, left + len(stripped)))
    return tuple(spans)


def reference_spans(text: str) -> Spans:
    """Sentence offsets from spaCy's own sentencizer, trimmed the same way (for checks)."""
    doc = reference_pipeline()(text)
    return _spans(text, [sent.start_char for sent in doc.sents])


def reading_sentences(texts: Iterable[str]) -> Iterator[Spans]:
    """Per text, its sentences' offsets as a reader cuts them: what coding, passages and quotes
    all split on, so that the same sentence is the same string everywhere."""
    texts = list(texts)
    yield from (reading_spans(text, spans) for text, spans in zip(texts, SentenceSplitter().pipe(texts)))


def reading_spans(text: str, spans: Spans) -> Spans:
    """Sentences as a reader cuts them: spaCy's rules attach an opening bracket after a full stop
    ("before. [son] said") to the sentence before; move it to the sentence it opens."""
    fixed = [list(span) for span in spans]
    for current, following in zip(fixed, fixed[1:]):
        piece = text[current[0]:current[1]]
        trimmed = piece.rstrip("[( ")
        if trimmed != piece and trimmed:
            current[1] = current[0] + len(trimmed)
            following[0] = current[0] + len(trimmed) + (len(piece[len(trimmed):]) -
                                                         len(piece[len(trimmed):].lstrip()))
    return tuple((left, right) for left, right in fixed)

