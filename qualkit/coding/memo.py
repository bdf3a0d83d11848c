"""Coding results kept on disk, so a second run over the same texts does not code them again.

A run codes the same texts in several stages and again on every re-run: segments, answers with their
questions, quote candidates. The trained coders are deterministic for a given training, so a text's
scores, decisions and reasons can be kept per (coders, text) and reused; only new texts are coded.
They are kept in a small SQLite file rather than in memory: a study a hundred times the sample
codes hundreds of thousands of texts, and a run should not hold every one of their results.
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from ..embeddings import text_hash
from ..memory import release_memory
from ..store import transaction
from .ensemble import CodingResult

CHUNK = 1000  # texts coded at once: bounds the windows, vectors and reasons held in memory
_LOOKUP = 500  # hashes per SELECT (SQLite's variable limit)


class MemoCoder:
    """Wraps trained coders; ``code`` returns what they would, computing only unseen texts.

    Everything else (``codebook``, ``embedder_``...) is the wrapped coder's. What is coded is
    written to ``path`` as each chunk is done, in one transaction per chunk.
    """

    def __init__(self, coder, path: str | Path) -> None:
        self._coder = coder
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self._path, isolation_level=None)
        self._conn.execute("CREATE TABLE IF NOT EXISTS coded (text_hash TEXT PRIMARY KEY, "
                           "row BLOB NOT NULL)")

    def __getattr__(self, name: str):
        return getattr(self._coder, name)

    def close(self) -> None:
        self._conn.close()

    def code(self, X: Sequence[str]) -> CodingResult:
        X = list(X)
        codes = list(self._coder.classes_)
        width = len(codes)
        if not X:  # nothing to code (the coders themselves refuse an empty batch)
            empty = np.zeros((0, width))
            return CodingResult(codes, empty, empty.astype(int),
                                {s: empty for s in ("rule", "semantic", "learned")}, [])
        keys = [text_hash(text) for text in X]
        rows = self._stored(list(dict.fromkeys(keys)))
        first = {k: i for i, k in reversed(list(enumerate(keys)))}
        missing = [k for k in dict.fromkeys(keys) if k not in rows]
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start:start + CHUNK]
            fresh = self._coder.code([X[first[k]] for k in chunk])
            done = {key: (fresh.scores[row], fresh.decisions[row],
                          {s: v[row] for s, v in fresh.by_source.items()}, fresh.rationales[row])
                    for row, key in enumerate(chunk)}
            self._keep(done)
            rows.update(done)
            release_memory()  # what coding the chunk made and dropped
        ordered = [rows[k] for k in keys]
        sources = ordered[0][2].keys()
        return CodingResult(
            codes, np.array([r[0] for r in ordered]).reshape(len(ordered), width),
            np.array([r[1] for r in ordered], dtype=int).reshape(len(ordered), width),
            {s: np.array([r[2][s] for r in ordered]).reshape(len(ordered), width)
             for s in sources},
            [r[3] for r in ordered])

    def _stored(self, keys: list[str]) -> dict[str, tuple]:
        found = {}
        for start in range(0, len(keys), _LOOKUP):
            chunk = keys[start:start + _LOOKUP]
            found.update((key, pickle.loads(blob)) for key, blob in self._conn.execute(
                f"SELECT text_hash, row FROM coded WHERE text_hash IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    def _keep(self, rows: dict[str, tuple]) -> None:
        with transaction(self._conn) as conn:
            conn.executemany("INSERT OR IGNORE INTO coded VALUES (?, ?)",
                             [(k, pickle.dumps(v, protocol=5)) for k, v in rows.items()])
