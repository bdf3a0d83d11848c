"""Coding results kept on disk, so a second run over the same texts does not code them again.

A run codes the same texts in several stages and again on every re-run: segments, answers with their
questions, quote candidates. The trained coders are deterministic for a given training, so a text's
scores, decisions and reasons can be kept per (coders, text) and reused; only new texts are coded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..atomic import read_pickle, write_pickle
from ..embeddings import text_hash
from .ensemble import CodingResult


class MemoCoder:
    """Wraps trained coders; ``code`` returns what they would, computing only unseen texts.

    Everything else (``codebook``, ``embedder_``...) is the wrapped coder's. Call :meth:`save` to
    keep what was coded for the next process.
    """

    def __init__(self, coder, path: str | Path) -> None:
        self._coder = coder
        self._path = Path(path)
        self._rows: dict[str, tuple] = read_pickle(self._path, {})
        self._dirty = False

    def __getattr__(self, name: str):
        return getattr(self._coder, name)

    def code(self, X: Sequence[str]) -> CodingResult:
        X = list(X)
        if not X:  # nothing to code (the coders themselves refuse an empty batch)
            width = len(self._coder.classes_)
            empty = np.zeros((0, width))
            return CodingResult(list(self._coder.classes_), empty, empty.astype(int),
                                {s: empty for s in ("rule", "semantic", "learned")}, [])
        keys = [text_hash(text) for text in X]
        missing = list(dict.fromkeys(k for k in keys if k not in self._rows))
        if missing:
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            fresh = self._coder.code([X[first[k]] for k in missing])
            for row, key in enumerate(missing):
                self._rows[key] = (fresh.scores[row], fresh.decisions[row],
                                   {s: v[row] for s, v in fresh.by_source.items()},
                                   fresh.rationales[row])
            self._dirty = True
        rows = [self._rows[k] for k in keys]
        codes = list(self._coder.classes_)
        width = len(codes)
        sources = rows[0][2].keys()
        return CodingResult(
            codes, np.array([r[0] for r in rows]).reshape(len(rows), width),
            np.array([r[1] for r in rows], dtype=int).reshape(len(rows), width),
            {s: np.array([r[2][s] for r in rows]).reshape(len(rows), width) for s in sources},
            [r[3] for r in rows])

    def save(self) -> None:
        if self._dirty:
            write_pickle(self._path, self._rows)
            self._dirty = False
