"""Coding results kept on disk, so a second run over the same texts does not code them again.

A run codes the same texts in several stages and again on every re-run: segments, answers with their
questions, quote candidates. The trained coders are deterministic for a given training, so a text's
scores, decisions and reasons can be kept per (coders, text) and reused; only new texts are coded.
Probabilities and bands are not kept: the coders' calibration derives them from the scores.
They are kept in a small SQLite file rather than in memory: a study a hundred times the sample
codes hundreds of thousands of texts, and a run should not hold every one of their results.

The file sits in the project folder, which travels, so a row is plain data and nothing read from it
can run code: scores and each coder's scores as little-endian float64 bytes, decisions as int8
bytes, the coders' names and the reasons as JSON (see :mod:`qualkit.cache`). A row that does not
decode is coded again and replaced; a file that is not a database is deleted and begun anew.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from ..embeddings import text_hash
from ..memory import between_steps
from ..store import transaction
from .ensemble import CodingResult

CHUNK = 1000  # texts coded at once: bounds the windows, vectors and reasons held in memory
_LOOKUP = 500  # hashes per SELECT (SQLite's variable limit)
COLUMNS = ("text_hash", "scores", "decisions", "by_source", "sources", "rationales")
_CREATE = ("CREATE TABLE IF NOT EXISTS coded (text_hash TEXT PRIMARY KEY, scores BLOB NOT NULL, "
           "decisions BLOB NOT NULL, by_source BLOB NOT NULL, sources TEXT NOT NULL, "
           "rationales TEXT NOT NULL)")
_BROKEN = ("SQLITE_NOTADB", "SQLITE_CORRUPT")  # the file is not (or no longer) a database
_FLOAT, _FLAG = np.dtype("<f8"), np.dtype("i1")


class MemoCoder:
    """Wraps trained coders; ``code`` returns what they would, computing only unseen texts.

    Everything else (``codebook``, ``embedder_``...) is the wrapped coder's. What is coded is
    written to ``path`` as each chunk is done, in one transaction per chunk.
    """

    def __init__(self, coder, path: str | Path) -> None:
        self._coder = coder
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = self._open()

    def __getattr__(self, name: str):
        return getattr(self._coder, name)

    def close(self) -> None:
        self._conn.close()

    def _open(self) -> sqlite3.Connection:
        """The memo, with a ``coded`` table of this layout; a table of another layout (an older
        qualkit's) is dropped, and a file that is not a database deleted."""
        for attempt in (1, 2):
            conn = sqlite3.connect(self._path, isolation_level=None)
            try:
                columns = tuple(row[1] for row in conn.execute("PRAGMA table_info(coded)"))
                if columns != COLUMNS:
                    if columns:
                        conn.execute("DROP TABLE coded")
                    conn.execute(_CREATE)
                return conn
            except sqlite3.DatabaseError as error:
                conn.close()
                if attempt == 2 or getattr(error, "sqlite_errorname", "") not in _BROKEN:
                    raise
                self._discard()
        raise AssertionError("unreachable")

    def _discard(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self._path}{suffix}").unlink()

    def _sources(self) -> list[str] | None:
        coders = getattr(self._coder, "coders_", None)
        return list(coders) if isinstance(coders, dict) else None

    def code(self, X: Sequence[str]) -> CodingResult:
        X = list(X)
        codes = list(self._coder.classes_)
        width = len(codes)
        if not X:  # nothing to code (the coders themselves refuse an empty batch)
            empty = np.zeros((0, width))
            return CodingResult(codes, empty, empty.astype(int),
                                {s: empty for s in ("rule", "semantic", "learned")}, [],
                                *self._coder.confidence(empty))
        keys = [text_hash(text) for text in X]
        rows = self._stored(list(dict.fromkeys(keys)), width)
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
            between_steps()  # what coding the chunk made and dropped
        ordered = [rows[k] for k in keys]
        sources = ordered[0][2].keys()
        scores = np.array([r[0] for r in ordered]).reshape(len(ordered), width)
        return CodingResult(
            codes, scores, np.array([r[1] for r in ordered], dtype=int).reshape(len(ordered), width),
            {s: np.array([r[2][s] for r in ordered]).reshape(len(ordered), width)
             for s in sources},
            [r[3] for r in ordered], *self._coder.confidence(scores))

    def _stored(self, keys: list[str], width: int) -> dict[str, tuple]:
        """The rows kept for ``keys`` that decode; the rest are coded again."""
        found = {}
        expected = self._sources()
        try:
            for start in range(0, len(keys), _LOOKUP):
                chunk = keys[start:start + _LOOKUP]
                for key, *stored in self._conn.execute(
                        f"SELECT {', '.join(COLUMNS)} FROM coded "
                        f"WHERE text_hash IN ({','.join('?' * len(chunk))})", chunk):
                    row = decode_row(width, *stored)
                    if row is not None and (expected is None or list(row[2]) == expected):
                        found[key] = row
        except sqlite3.DatabaseError as error:  # damaged since it was opened
            if getattr(error, "sqlite_errorname", "") not in _BROKEN:
                raise
            self._conn.close()
            self._discard()
            self._conn = self._open()
            return {}
        return found

    def _keep(self, rows: dict[str, tuple]) -> None:
        with transaction(self._conn) as conn:
            marks = ",".join("?" * len(COLUMNS))
            conn.executemany(f"INSERT OR REPLACE INTO coded VALUES ({marks})",
                             [(k, *encode_row(*v)) for k, v in rows.items()])


def encode_row(scores: np.ndarray, decisions: np.ndarray, by_source: dict[str, np.ndarray],
               rationales: dict[str, list[str]]) -> tuple[bytes, bytes, bytes, str, str]:
    """One text's result as (scores, decisions, by_source, sources, rationales) column values."""
    names = list(by_source)
    return (np.asarray(scores, dtype=_FLOAT).tobytes(),
            np.asarray(decisions).astype(_FLAG).tobytes(),
            b"".join(np.asarray(by_source[s], dtype=_FLOAT).tobytes() for s in names),
            json.dumps(names), json.dumps(rationales, ensure_ascii=False))


def decode_row(width: int, scores, decisions, by_source, sources, rationales):
    """:func:`encode_row`'s columns as (scores, decisions, {source: scores}, reasons), or None
    when they are not what it writes for ``width`` codes."""
    try:
        names = json.loads(sources)
        reasons = json.loads(rationales)
        if not (isinstance(names, list) and names and all(isinstance(s, str) for s in names)
                and len(set(names)) == len(names) and isinstance(reasons, dict)
                and all(isinstance(v, list) and all(isinstance(r, str) for r in v)
                        for v in reasons.values())):
            return None
        scored = np.frombuffer(scores, dtype=_FLOAT)
        flags = np.frombuffer(decisions, dtype=_FLAG)
        each = np.frombuffer(by_source, dtype=_FLOAT)
    except (TypeError, ValueError, RecursionError):  # not bytes, not JSON, a ragged buffer
        return None
    if len(scored) != width or len(flags) != width or len(each) != width * len(names) or not (
            (flags == 0) | (flags == 1)).all():
        return None
    return (scored.astype(np.float64), flags.astype(int),
            {s: each[i * width:(i + 1) * width].astype(np.float64) for i, s in enumerate(names)},
            reasons)
