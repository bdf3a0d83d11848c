"""Semantic coder: is a segment closer in meaning to a code's examples than to what the code is not?

Each code is represented by its definition, include criteria and positive examples; what it is not,
by its negative examples and by the positive examples of the other themes. A segment scores high for
a code when its nearest neighbours on the code's side are nearer than those on the other side, so
the coder generalises to wording the codebook never used, and says which example it found nearest.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..embeddings import Embedder
from .base import (BadData, Coder, expect_keys, params_from, params_of, stored_array,
                   stored_strings)
from .codebook import Codebook
from .examples import codebook_examples

CHUNK = 1024  # texts scored at once


class SemanticCoder(Coder):
    """Contrastive nearest-example scores from all-MiniLM-L6-v2 embeddings.

    ``k`` neighbours are averaged on each side; ``temperature`` sets how sharply a margin in cosine
    similarity turns into a score; ``min_similarity`` is how close a segment must come to a code's
    own side before any score is given. ``embedder`` shares the embedding cache.
    """

    def __init__(self, codebook: Codebook | None = None, embedder: Embedder | None = None, k: int = 3,
                 temperature: float = 0.04, min_similarity: float = 0.3, window: int = 2,
                 random_state: int | None = None) -> None:
        self.codebook = codebook
        self.embedder = embedder
        self.window = window
        self.k = k
        self.temperature = temperature
        self.min_similarity = min_similarity
        self.random_state = random_state

    def fit(self, X=None, y=None) -> "SemanticCoder":
        """Embed the codebook's prototypes; labelled segments are the learned coder's job."""
        codebook = self.codebook
        self.classes_ = codebook.ids
        self.embedder_ = self.embedder or Embedder()
        # One prototype per distinct text: a near miss of A confused with B is one vector, on B's
        # side and against A, never two copies that would both count in a top-k mean.
        examples = codebook_examples(codebook, prototypes=True)
        self._texts = [example.text for example in examples]
        self._vectors = self.embedder_.encode(self._texts)
        theme_of = {code.id: codebook.theme_of(code.id) for code in codebook.codes}
        self._own = {}
        self._other = {}
        for code in codebook.codes:
            family = {code.id, *codebook.descendants(code.id)}
            lineage = {*codebook.ancestors(code.id), *family}
            own, against = [], []
            for row, example in enumerate(examples):
                if example.codes & family:
                    own.append(row)
                # Said not to be this code (or a sub-code of it); or an example of another theme
                # only: those of its own theme do not count against it (a sibling sub-code is
                # still evidence for the shared theme), nor do its ancestors'.
                elif (example.not_codes & family) or (
                        example.codes and not example.codes & lineage
                        and any(theme_of[c] != theme_of[code.id] for c in example.codes)):
                    against.append(row)
            self._own[code.id] = np.array(own, dtype=np.intp)
            self._other[code.id] = np.array(against, dtype=np.intp)
        return self

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The prototype texts (JSON), their vectors and, per code (by its position in the
        codebook), the rows of its own side and of the other side."""
        arrays = {"vectors": self._vectors}
        for j, code_id in enumerate(self.classes_):
            arrays[f"own.{j}"] = self._own[code_id]
            arrays[f"other.{j}"] = self._other[code_id]
        return {"params": params_of(self), "texts": list(self._texts)}, arrays

    @classmethod
    def from_data(cls, codebook: Codebook, embedder: Embedder | None, meta: dict,
                  arrays: dict[str, np.ndarray]) -> "SemanticCoder":
        """The coder :meth:`fit` made, from :meth:`to_data`'s output, without embedding again."""
        coder = cls(codebook, embedder, **params_from(cls, meta))
        coder.classes_ = codebook.ids
        coder.embedder_ = embedder or Embedder()
        coder._texts = stored_strings(meta.get("texts"))
        n = len(coder._texts)
        expect_keys(arrays, ["vectors", *(f"{side}.{j}" for j in range(len(coder.classes_))
                                          for side in ("own", "other"))])
        coder._vectors = stored_array(arrays, "vectors", np.float32, (n, None))
        coder._own, coder._other = {}, {}
        for j, code_id in enumerate(coder.classes_):
            for side, kept in (("own", coder._own), ("other", coder._other)):
                rows = stored_array(arrays, f"{side}.{j}", np.intp, (None,))
                if len(rows) and (rows.min() < 0 or rows.max() >= n):
                    raise BadData(f"{side}.{j}: rows outside the {n} prototypes")
                kept[code_id] = rows
        return coder

    def score(self, X: Sequence[str]) -> tuple[np.ndarray, list[dict[str, str]]]:
        """Scores per segment: the best of the whole segment and each run of ``window`` sentences,
        since a long answer often touches a theme in one or two sentences only."""
        pieces, owner = sentence_windows(list(X), self.window)
        piece_scores, piece_reasons = self._score_texts(pieces)
        scores = np.zeros((len(X), len(self.classes_)))
        rationales: list[dict[str, str]] = [{} for _ in X]
        best_piece = np.full((len(X), len(self.classes_)), -1)
        for p, row in enumerate(owner):
            better = piece_scores[p] > scores[row]
            scores[row, better] = piece_scores[p, better]
            best_piece[row, better] = p
        for row in range(len(X)):
            for j, code_id in enumerate(self.classes_):
                p = best_piece[row, j]
                if p >= 0 and code_id in piece_reasons[p]:
                    rationales[row][code_id] = piece_reasons[p][code_id]
        return scores, rationales

    def _score_texts(self, X: Sequence[str]) -> tuple[np.ndarray, list[dict[str, str]]]:
        """Scored in chunks: the similarity matrix (texts by examples) of a whole corpus's
        sentence windows would otherwise hold gigabytes at a hundred times the sample."""
        parts = [self._score_chunk(X[i:i + CHUNK]) for i in range(0, len(X), CHUNK)] or \
            [self._score_chunk([])]
        return np.vstack([p[0] for p in parts]), [r for p in parts for r in p[1]]

    def _score_chunk(self, X: Sequence[str]) -> tuple[np.ndarray, list[dict[str, str]]]:
        segments = self.embedder_.encode(list(X))
        similarity = segments @ self._vectors.T
        scores = np.zeros((len(X), len(self.classes_)))
        rationales: list[dict[str, str]] = [{} for _ in X]
        nearest = NearestFirst(similarity)
        for j, code_id in enumerate(self.classes_):
            own, other = self._own[code_id], self._other[code_id]
            if not len(own):
                continue
            near_own = nearest.top_mean(own, self.k)
            near_other = nearest.top_mean(other, self.k) if len(other) else np.zeros(len(X))
            margin = (near_own - near_other) / self.temperature
            score = 1 / (1 + np.exp(-margin))
            score[near_own < self.min_similarity] = 0.0
            scores[:, j] = score
            best = own[np.argmax(similarity[:, own], axis=1)]
            for row in np.flatnonzero(score >= 0.5):
                example = self._texts[best[row]]
                rationales[row][code_id] = (f"nearest example ({similarity[row, best[row]]:.2f}): "
                                            f"'{_clip(example)}'")
        return scores, rationales


def sentence_windows(texts: list[str], window: int) -> tuple[list[str], list[int]]:
    """Each text, plus every run of ``window`` consecutive sentences of a longer text."""
    from ..sentences import reading_sentences

    pieces, owner = [], []
    for row, (text, spans) in enumerate(zip(texts, reading_sentences(texts))):
        pieces.append(text)
        owner.append(row)
        if window and len(spans) > window:
            for i in range(len(spans) - window + 1):
                pieces.append(text[spans[i][0]:spans[i + window - 1][1]])
                owner.append(row)
    return pieces, owner


class NearestFirst:
    """Each row's mean of its ``k`` highest similarities within a set of examples, for many sets.

    Sorting each code's columns anew was most of the coder's own time: every code's 'other side'
    holds over half the examples. Each row's ``head`` most similar examples are ranked once; a set's
    top ``k`` are then its first members in that ranking, and only rows where fewer than ``k``
    members made the head search the set's own columns (its top ``k`` partitioned out, then
    sorted). Results equal a full sort's, bit for bit.
    """

    def __init__(self, similarity: np.ndarray, head: int = 32) -> None:
        self.similarity = similarity
        head = min(head, similarity.shape[1])
        if not head:
            self.columns = self.values = np.zeros((len(similarity), 0), dtype=int)
            return
        part = np.argpartition(-similarity, head - 1, axis=1)[:, :head]
        values = np.take_along_axis(similarity, part, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")
        self.columns = np.take_along_axis(part, order, axis=1)
        self.values = np.take_along_axis(values, order, axis=1)

    def top_mean(self, members: np.ndarray, k: int) -> np.ndarray:
        similarity = self.similarity
        k = min(k, len(members))
        result = np.empty(len(similarity), dtype=similarity.dtype)
        in_set = np.zeros(similarity.shape[1], dtype=bool)
        in_set[members] = True
        found = in_set[self.columns]
        enough = found.sum(axis=1) >= k
        chosen = found[enough] & (np.cumsum(found[enough], axis=1) <= k)
        result[enough] = self.values[enough][chosen].reshape(-1, k)[:, ::-1].mean(axis=1)
        if not enough.all():  # only the members' columns of the rows left, and only their top k
            rest = similarity[np.ix_(np.flatnonzero(~enough), members)]
            if k < rest.shape[1]:
                rest = np.partition(rest, rest.shape[1] - k, axis=1)[:, -k:]
            result[~enough] = np.sort(rest, axis=1).mean(axis=1)
        return result


def _clip(text: str, words: int = 14) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")
