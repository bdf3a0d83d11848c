"""The project database: one SQLite file that is the system of record for a study.

Every change happens inside a transaction, so a crash or a kill leaves the file as it was before
the change began (SQLite's write-ahead log makes this hold even when the writer is killed mid-way).
Verbatim text is stored untouched; a normalised copy beside it serves search.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from .corpus import SEGMENT_COLUMNS, Corpus, attribute_frame
from .errors import Errors, QualkitError
from .migrations import MIGRATIONS
from .models import Transcript
from .sqlitefile import connect

_SEARCH_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"',
                              "‟": '"', "–": "-", "—": "-", "…": "..."})

_compact_json = json.JSONEncoder(separators=(",", ":")).encode  # one encoder, not one per call

#: What ``Project.add_transcript`` did with a transcript.
IMPORTED, NEW_VERSION, UNCHANGED = "imported", "new version", "unchanged"
#: The machine coders' sources; every other coding is a person's, ``human:<coder>``.
MACHINE_SOURCES = ("rule", "semantic", "learned", "ensemble")
IN_MEMORY = ":memory:"
_LOOKUP = 500  # ids per SELECT ... IN (...): SQLite's variable limit


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All-or-nothing on a connection opened with ``isolation_level=None``: commit when the block
    ends, roll back if it raises (the project and the coders' memo both write this way)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(sqlite3.Error, QualkitError):  # the first error is the one to tell
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def search_copy(text: str) -> str:
    """Lower-cased text with typographic quotes and dashes made plain, for matching only."""
    return text.translate(_SEARCH_FOLD).casefold()


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Project:
    """A study's project database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, migrations: list[tuple[int, str]] = MIGRATIONS) -> None:
        """``path`` is the project file, or ``":memory:"`` for a project that lives only as long as
        the object (what a command given no ``--project`` works in)."""
        self.path = Path(path)
        if str(path) != IN_MEMORY:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = connect(path, isolation_level=None, timeout=30)
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(migrations)
        except sqlite3.DatabaseError as err:
            self.conn.close()
            raise QualkitError(Errors.E041, path=self.path, reason=str(err)) from None
        except QualkitError:
            self.conn.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """All-or-nothing: commit when the block ends, roll back if it raises."""
        return transaction(self.conn)

    @property
    def schema_version(self) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return row[0] or 0

    def _migrate(self, migrations: list[tuple[int, str]]) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                          "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        current, known = self.schema_version, migrations[-1][0]
        if current > known:
            raise QualkitError(Errors.E040, path=self.path, found=current, known=known)
        for version, script in migrations:
            if version <= current:
                continue
            with self.transaction() as conn:
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, now()))

    # -- writing ---------------------------------------------------------------------------------
    def is_unchanged(self, source_name: str, sha256: str) -> bool:
        """True when this exact file content is already the current version of its source."""
        row = self.conn.execute(
            "SELECT 1 FROM transcripts WHERE source_name = ? AND sha256 = ? AND is_current = 1 "
            "LIMIT 1", (source_name, sha256)).fetchone()
        return row is not None

    def add_transcripts(self, transcripts: list[Transcript], segmentation: dict) -> list[str]:
        """Store the transcripts of one source file in one transaction; return what was done."""
        with self.transaction():
            return [self._add_transcript(t, segmentation) for t in transcripts]

    def _add_transcript(self, transcript: Transcript, segmentation: dict) -> str:
        conn, case, stamp = self.conn, transcript.case, now()
        source_name = Path(transcript.source).name
        previous = conn.execute(
            "SELECT id, version, sha256 FROM transcripts WHERE case_id = ? AND source_name = ? "
            "AND is_current = 1", (case.id, source_name)).fetchone()
        if previous and previous[2] == transcript.sha256:
            return UNCHANGED
        version = previous[1] + 1 if previous else 1
        conn.execute("INSERT OR IGNORE INTO cases (id, created_at) VALUES (?, ?)", (case.id, stamp))
        self._set_attributes(case.id, case.attributes,
                             "table" if transcript.encoding == "table" else "front_matter", stamp)
        if previous:
            conn.execute("UPDATE transcripts SET is_current = 0 WHERE id = ?", (previous[0],))
        transcript_id = conn.execute(
            "INSERT INTO transcripts (case_id, source_name, source_path, sha256, format, encoding, "
            "version, preamble, segmentation, n_turns, n_segments, n_words, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case.id, source_name, str(transcript.source), transcript.sha256, transcript.format,
             transcript.encoding, version, transcript.preamble, json.dumps(segmentation),
             len(transcript.turns), len(transcript.segments), transcript.n_words, stamp)).lastrowid
        # Turn ids are assigned here so that all turns go in with one executemany call.
        first_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM turns").fetchone()[0]
        turn_ids = {turn.index: first_id + i for i, turn in enumerate(transcript.turns)}
        conn.executemany(
            "INSERT INTO turns (id, transcript_id, idx, speaker, role, time, line, text, sentences, "
            "n_words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(turn_ids[turn.index], transcript_id, turn.index, turn.speaker, turn.role, turn.time,
              turn.line, turn.text, _compact_json(turn.sentences), turn.n_words)
             for turn in transcript.turns])
        rows = [(versioned_id(seg.id, version), transcript_id, turn_ids[seg.turn_index], seg.index,
                 seg.start, seg.end, seg.text, search_copy(seg.text), seg.n_words)
                for seg in transcript.segments]
        try:
            conn.executemany("INSERT INTO segments (id, transcript_id, turn_id, idx, start, end, text, "
                             "search_text, n_words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.IntegrityError:
            clash = next(r[0] for r in rows if self._segment_source(r[0]))
            raise QualkitError(Errors.E042, path=transcript.source, segment_id=clash,
                               other=self._segment_source(clash)) from None
        self.log("import", case.id, {"source": str(transcript.source), "sha256": transcript.sha256,
                                     "version": version, "segments": len(rows)})
        return NEW_VERSION if previous else IMPORTED

    def _segment_source(self, segment_id: str) -> str | None:
        row = self.conn.execute("SELECT t.source_path FROM segments s JOIN transcripts t ON "
                                "t.id = s.transcript_id WHERE s.id = ?", (segment_id,)).fetchone()
        return row[0] if row else None

    def set_case_attributes(self, attributes: dict[str, dict[str, str]], source: str) -> None:
        """Record case attributes (e.g. from a classification sheet) in one transaction."""
        stamp = now()
        with self.transaction() as conn:
            for case_id, values in attributes.items():
                conn.execute("INSERT OR IGNORE INTO cases (id, created_at) VALUES (?, ?)",
                             (case_id, stamp))
                self._set_attributes(case_id, values, source, stamp)
            self.log("case attributes", source, {"cases": len(attributes)})

    def _set_attributes(self, case_id: str, values: dict[str, str], source: str, stamp: str) -> None:
        """Sidecar sheets win over front matter: a front-matter value never replaces a sheet's."""
        self.conn.executemany(
            "INSERT INTO case_attributes (case_id, name, value, source, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, name) DO UPDATE SET "
            "value = excluded.value, source = excluded.source, updated_at = excluded.updated_at "
            "WHERE case_attributes.source != 'sidecar' OR excluded.source = 'sidecar'",
            [(case_id, name, value, source, stamp) for name, value in values.items()])

    def cached_embeddings(self, hashes: list[str], model_id: str) -> dict[str, bytes]:
        """Stored vectors (raw float32 bytes) for the text hashes that have one."""
        found: dict[str, bytes] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
                (model_id, *chunk)).fetchall())
        return found

    def cache_embeddings(self, rows: list[tuple[str, int, bytes]], model_id: str) -> None:
        """Keep vectors (hash, dim, float32 bytes) for the next run, in one transaction."""
        with self.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO embeddings (text_hash, model_id, dim, vector) "
                             "VALUES (?, ?, ?, ?)", [(h, model_id, d, v) for h, d, v in rows])

    def record_anonymity_checks(self, checks: list[tuple[str, str, int]]) -> None:
        """Record (source name, sha256, number of findings) per checked file, in one transaction."""
        stamp = now()
        with self.transaction() as conn:
            conn.executemany("INSERT INTO anonymity_checks (source_name, sha256, checked_at, "
                             "findings, passed) VALUES (?, ?, ?, ?, ?)",
                             [(name, sha, stamp, n, int(n == 0)) for name, sha, n in checks])
            self.log("check anonymity", None, {"files": len(checks),
                                               "passed": sum(n == 0 for _, _, n in checks)})

    def anonymity_status(self) -> pd.DataFrame:
        """Per current transcript: whether its exact content passed the latest check, and when."""
        return self.query(
            "SELECT t.case_id, t.source_name, a.checked_at, a.findings, a.passed FROM transcripts t "
            "LEFT JOIN anonymity_checks a ON a.id = (SELECT MAX(id) FROM anonymity_checks c WHERE "
            "c.source_name = t.source_name AND c.sha256 = t.sha256) WHERE t.is_current = 1 "
            "ORDER BY t.case_id")

    def log(self, action: str, target: str | None, detail: dict | None = None) -> None:
        """Append to the audit log (inside the caller's transaction when there is one)."""
        self.conn.execute("INSERT INTO audit_log (at, action, target, detail) VALUES (?, ?, ?, ?)",
                          (now(), action, target, json.dumps(detail or {}, sort_keys=True)))

    # -- reading ---------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        try:
            return pd.read_sql_query(sql, self.conn, params=params)
        except pd.errors.DatabaseError as err:  # pandas wraps what the statement raised
            if isinstance(err.__cause__, QualkitError):
                raise err.__cause__ from None
            raise

    def transcripts(self, current_only: bool = True) -> pd.DataFrame:
        where = "WHERE is_current = 1" if current_only else ""
        return self.query(f"SELECT * FROM transcripts {where} ORDER BY case_id, source_name, version")

    def turns(self, case: str | None = None, current_only: bool = True) -> pd.DataFrame:
        """Turns with their case, for reading a transcript back as context."""
        sql = ("SELECT t.case_id AS case_id, u.idx AS turn, u.speaker, u.role, u.time, u.line, u.text, "
               "u.sentences, u.n_words, t.version, t.source_name FROM turns u JOIN transcripts t ON "
               "t.id = u.transcript_id WHERE (? IS NULL OR t.case_id = ?)")
        sql += " AND t.is_current = 1" if current_only else ""
        return self.query(sql + " ORDER BY t.case_id, t.source_name, u.idx", (case, case))

    def segments(self, current_only: bool = True) -> pd.DataFrame:
        """The codable segments: id, case, speaker, role, offsets into the turn, and text."""
        sql = ("SELECT s.id AS segment_id, t.case_id AS \"case\", u.speaker, u.role, u.idx AS turn, "
               "s.idx AS segment, s.start, s.end, s.text, s.n_words, t.source_name, t.version "
               "FROM segments s JOIN turns u ON u.id = s.turn_id JOIN transcripts t ON "
               "t.id = s.transcript_id")
        sql += " WHERE t.is_current = 1" if current_only else ""
        return self.query(sql + " ORDER BY t.case_id, t.source_name, u.idx, s.idx")

    def cases(self) -> pd.DataFrame:
        """One row per case, one column per attribute (the shape of NVivo's classification sheet)."""
        long = self.query("SELECT c.id AS \"case\", a.name, a.value FROM cases c LEFT JOIN "
                          "case_attributes a ON a.case_id = c.id ORDER BY c.id")
        if long.empty:
            return pd.DataFrame(columns=["case"])
        wide = long.dropna(subset=["name"]).pivot(index="case", columns="name", values="value")
        wide = wide.reindex(sorted(long["case"].unique())).reset_index()
        wide.columns.name = None
        return wide

    def audit_log(self) -> pd.DataFrame:
        return self.query("SELECT * FROM audit_log ORDER BY id")

    # -- the corpus every later stage reads --------------------------------------------------------
    def corpus(self, sources: Iterable[str] | None = None) -> Corpus:
        """Every speaker's current segments in transcript order, with the cases' attributes.

        Interviewer turns that were not segmented (the default) come in whole, one row each with no
        segment id, so that answers can be read with their questions. ``sources`` (file names)
        keeps only those transcripts: a run describes the files it was given.
        """
        frame = self.query(
            "SELECT s.id AS segment_id, t.case_id AS \"case\", u.speaker, u.role, u.idx AS turn, "
            "s.idx AS segment, s.start, s.end, s.text, t.source_name FROM segments s "
            "JOIN turns u ON u.id = s.turn_id JOIN transcripts t ON t.id = s.transcript_id "
            "WHERE t.is_current = 1 UNION ALL "
            "SELECT NULL, t.case_id, u.speaker, u.role, u.idx, 0, 0, LENGTH(u.text), u.text, "
            "t.source_name FROM turns u JOIN transcripts t ON t.id = u.transcript_id "
            "WHERE t.is_current = 1 AND u.role != 'respondent' AND NOT EXISTS "
            "(SELECT 1 FROM segments s WHERE s.turn_id = u.id) "
            "ORDER BY 2, 10, 5, 6")
        if sources is not None:
            frame = frame[frame["source_name"].isin(set(sources))]
        segments = frame[SEGMENT_COLUMNS].reset_index(drop=True)
        cases = self.cases()
        attributes = cases.set_index("case").to_dict("index") if len(cases) else {}
        attributes = {case: {k: v for k, v in values.items() if isinstance(v, str)}
                      for case, values in attributes.items()}
        return Corpus(segments, attribute_frame(attributes, segments))

    # -- codebooks and codings -------------------------------------------------------------------
    def add_codebook(self, codebook) -> int:
        """The stored version of this codebook text, adding a new version when the text changed
        (inside the caller's transaction when there is one)."""
        found = self.conn.execute("SELECT id FROM codebooks WHERE name = ? AND sha256 = ?",
                                  (codebook.name, codebook.sha256)).fetchone()
        if found:
            return found[0]
        version = self.conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM codebooks "
                                    "WHERE name = ?", (codebook.name,)).fetchone()[0]
        return self.conn.execute(
            "INSERT INTO codebooks (name, version, sha256, content, loaded_at) VALUES (?, ?, ?, ?, ?)",
            (codebook.name, version, codebook.sha256, codebook.text, now())).lastrowid

    def codebooks(self, latest_only: bool = True) -> pd.DataFrame:
        """Stored codebook texts (name, version, content), the latest version of each by default."""
        where = ("WHERE version = (SELECT MAX(version) FROM codebooks WHERE name = b.name)"
                 if latest_only else "")
        return self.query(f"SELECT id, name, version, sha256, content FROM codebooks b {where} "
                          "ORDER BY name, version")

    def add_codings(self, codebook, rows: Iterable[tuple], *, coder: str | None = None,
                    segment_ids: Iterable[str] | None = None) -> int:
        """Store machine suggestions ``(segment_id, code_id, source, score, rationale,
        probability, band)`` of ``codebook`` made by the trained coders ``coder`` (their cache
        key), in one transaction; probability and band are the ensemble's (else None).

        A segment holds one set of machine suggestions per codebook version: the segments in
        ``segment_ids`` (default: those in ``rows``) that the same coders coded before are left as
        they are, and those another coder coded have their machine rows replaced. Returns the
        number of rows added."""
        rows = list(rows)
        segment_ids = list(dict.fromkeys(segment_ids if segment_ids is not None
                                         else (r[0] for r in rows)))
        with self.transaction() as conn:
            codebook_id = self.add_codebook(codebook)
            done = self._coded_by(codebook_id, coder, segment_ids) if coder else set()
            redo = [s for s in segment_ids if s not in done]
            marks = ",".join("?" * len(MACHINE_SOURCES))
            conn.executemany(f"DELETE FROM codings WHERE segment_id = ? AND codebook_id = ? AND "
                             f"source IN ({marks})",
                             [(s, codebook_id, *MACHINE_SOURCES) for s in redo])
            wanted, stamp = set(redo), now()
            added = [(s, codebook_id, code, source, score, rationale, probability, band, coder,
                      stamp)
                     for s, code, source, score, rationale, probability, band in rows if s in wanted]
            conn.executemany("INSERT INTO codings (segment_id, codebook_id, code_id, source, score, "
                             "rationale, probability, band, coder, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", added)
            self.log("code", codebook.name, {"segments": len(redo), "codings": len(added),
                                             "unchanged": len(done), "coder": coder,
                                             "codebook_sha256": codebook.sha256})
        return len(added)

    def _coded_by(self, codebook_id: int, coder: str, segment_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(segment_ids), _LOOKUP):
            chunk = segment_ids[start:start + _LOOKUP]
            found.update(r[0] for r in self.conn.execute(
                f"SELECT DISTINCT segment_id FROM codings WHERE codebook_id = ? AND coder = ? AND "
                f"segment_id IN ({','.join('?' * len(chunk))})", (codebook_id, coder, *chunk)))
        return found

    def add_imported_codings(self, codebook, rows: Iterable[tuple], origin: str,
                             detail: dict | None = None) -> int:
        """Store codings ``(segment_id, code_id, source, score, rationale)`` read from another
        tool's project (``origin``, a .qdpx), keeping those already stored: importing the same
        file twice adds nothing. Returns how many were new."""
        stamp = now()
        with self.transaction() as conn:
            codebook_id = self.add_codebook(codebook)
            before = conn.total_changes
            conn.executemany("INSERT OR IGNORE INTO codings (segment_id, codebook_id, code_id, "
                             "source, score, rationale, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(s, codebook_id, code, source, score, rationale, stamp)
                              for s, code, source, score, rationale in rows])
            added = conn.total_changes - before
            self.log("import codings", origin, {"codebook": codebook.name, "codings": added,
                                                **(detail or {})})
        return added

    def codings(self, sources: Iterable[str] | None = None, current_only: bool = True
                ) -> pd.DataFrame:
        """Stored codings with their segment's place: one row per segment, code and coder, in
        transcript order. ``sources`` keeps only those (``human`` stands for every person)."""
        frame = self.query(
            "SELECT c.id, s.id AS segment_id, t.case_id AS \"case\", t.source_name, u.idx AS turn, "
            "s.start, s.end, c.code_id, COALESCE(b.name, '') AS codebook, c.source, c.score, "
            "c.rationale, c.probability, c.band, c.coder FROM codings c JOIN segments s ON s.id = c.segment_id "
            "JOIN turns u ON u.id = s.turn_id JOIN transcripts t ON t.id = s.transcript_id "
            "LEFT JOIN codebooks b ON b.id = c.codebook_id"
            + (" WHERE t.is_current = 1" if current_only else "")
            + " ORDER BY t.case_id, t.source_name, u.idx, s.idx, c.code_id, c.source, c.id")
        if sources is not None:
            kind = frame["source"].where(~frame["source"].str.startswith("human:"), "human")
            frame = frame[kind.isin(set(sources))].reset_index(drop=True)
        return frame

    # -- typings ---------------------------------------------------------------------------------
    def add_typing(self, typology, rows: list[tuple], detail: dict,
                   unless_unchanged: bool = False) -> int:
        """Record one dated typing: rows of (case, dimension or None, value, confidence, source,
        evidence segment ids). With ``unless_unchanged`` nothing is added when the latest typing
        of this typology says the same. Returns the rows added."""
        stamp = now()
        with self.transaction() as conn:
            if unless_unchanged and self._latest_typing(typology.name) == {
                    (case, dimension, value, confidence, source)
                    for case, dimension, value, confidence, source, _ in rows}:
                return 0
            conn.executemany("INSERT INTO typology_assignments (case_id, typology, dimension, "
                             "value, confidence, source, evidence, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             [(case, typology.name, dimension, value, confidence, source,
                               json.dumps(list(evidence)), stamp)
                              for case, dimension, value, confidence, source, evidence in rows])
            self.log("typology", typology.name, detail)
        return len(rows)

    def _latest_typing(self, typology: str) -> set[tuple]:
        return set(self.conn.execute(
            "SELECT case_id, dimension, value, confidence, source FROM typology_assignments "
            "WHERE typology = ? AND created_at = (SELECT MAX(created_at) FROM typology_assignments "
            "WHERE typology = ?)", (typology, typology)))

    def typings(self, typology: str | None = None) -> pd.DataFrame:
        """Every recorded typing, oldest first."""
        return self.query("SELECT case_id, typology, dimension, value, confidence, source, evidence, "
                          "created_at FROM typology_assignments WHERE (? IS NULL OR typology = ?) "
                          "ORDER BY id", (typology, typology))

    # -- what the exporters and importers of other tools' projects read --------------------------
    def current_turns(self) -> pd.DataFrame:
        """Every turn of every current transcript, with the transcript's preamble."""
        return self.query(
            "SELECT t.case_id AS \"case\", t.source_name, t.preamble, u.idx, u.speaker, u.time, "
            "u.text FROM turns u JOIN transcripts t ON t.id = u.transcript_id "
            "WHERE t.is_current = 1 ORDER BY t.case_id, t.source_name, u.idx")

    def source_segments(self, case: str, source_name: str) -> pd.DataFrame:
        """The segments of one current transcript: id, turn, start, end."""
        return self.query(
            "SELECT s.id, u.idx AS turn, s.start, s.end FROM segments s JOIN turns u ON "
            "u.id = s.turn_id JOIN transcripts t ON t.id = s.transcript_id WHERE t.is_current = 1 "
            "AND t.case_id = ? AND t.source_name = ? ORDER BY u.idx, s.idx", (case, source_name))


def versioned_id(segment_id: str, version: int) -> str:
    """Segment ids of a re-imported, changed file carry the version, so old codings keep theirs."""
    return segment_id if version == 1 else f"{segment_id}@v{version}"


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
