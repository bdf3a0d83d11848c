"""Code scores for typing cases: every respondent segment, read together with the question it answers.

Answers in an interview are elliptical: "Really well. We had three sessions." is about mediation only
because the interviewer has just asked "And what happened in the mediation itself?". Coding for
themes reads a segment alone (a quote must stand alone); placing a case on a pathway reads each answer
with its question, which is how a researcher reads a transcript to fill a typology table.
"""

from __future__ import annotations

import pandas as pd

from ..coding import CodingEnsemble

PASSAGE_BATCH = 500  # typology cells whose candidate passages are coded at once


def with_questions(segments: pd.DataFrame) -> pd.DataFrame:
    """The respondent segments, each with ``context``: the last interviewer turn before it plus its
    own text. ``segments`` holds every speaker's segments in transcript order (``role`` column)."""
    asked: dict[str, tuple[int, str]] = {}  # case -> (turn, its text so far)
    rows = []
    for row in segments.itertuples(index=False):
        if row.role == "respondent":
            question = asked.get(row.case, (None, ""))[1]
            rows.append({"segment_id": row.segment_id, "case": row.case, "text": row.text,
                         "context": f"{question} {row.text}".strip()})
        elif asked.get(row.case, (None, ""))[0] == row.turn:  # a long question cut in windows
            asked[row.case] = (row.turn, f"{asked[row.case][1]} {row.text}")
        else:
            asked[row.case] = (row.turn, row.text)
    return pd.DataFrame(rows, columns=["segment_id", "case", "text", "context"])


def typology_scores(segments: pd.DataFrame, coder: CodingEnsemble) -> pd.DataFrame:
    """One row per respondent segment: ``segment_id``, ``case``, ``text``, and a 0-1 score per code."""
    answered = with_questions(segments)
    result = coder.code(answered["context"].tolist())
    scores = pd.DataFrame(result.scores, columns=result.codes)
    return pd.concat([answered[["segment_id", "case", "text"]], scores], axis=1)


def best_passages(items: list[tuple[str, str]], coder: CodingEnsemble,
                  max_words: int = 40) -> list[str]:
    """For each (segment text, code id), the run of one or two sentences that carries the code best,
    so that a typology cell can show a short quote instead of a whole answer. Items are done
    ``PASSAGE_BATCH`` at a time: every cell of every case has several candidate runs, and coding
    them all at once held their scores and reasons together (the peak of a large study's run)."""
    return [passage for start in range(0, len(items), PASSAGE_BATCH)
            for passage in _best_of(items[start:start + PASSAGE_BATCH], coder, max_words)]


def _best_of(items: list[tuple[str, str]], coder: CodingEnsemble, max_words: int) -> list[str]:
    from ..coding.semantic import sentence_windows
    from ..segment import count_words

    texts = [text for text, _ in items]
    pieces, owner = [], []
    for window in (1, 2):
        found, owners = sentence_windows(texts, window)
        pieces += found
        owner += owners
    keep = [i for i, piece in enumerate(pieces) if count_words(piece) <= max_words]
    result = coder.code([pieces[i] for i in keep])
    column = {code: j for j, code in enumerate(result.codes)}
    best: dict[int, tuple[float, str]] = {}
    for row, i in enumerate(keep):
        item = owner[i]
        score = result.scores[row, column[items[item][1]]] if items[item][1] in column else 0.0
        if item not in best or score > best[item][0]:
            best[item] = (score, pieces[i])
    return [best[i][1] if i in best else _clip(items[i][0], max_words) for i in range(len(items))]


def _clip(text: str, max_words: int) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]) + " ..."
