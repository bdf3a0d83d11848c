"""The project database's schema, as an ordered list of forward migrations.

A project file outlives the qualkit that wrote it, so the schema only ever moves forward: each
entry is applied once, in its own transaction, and recorded in ``schema_version``. Add new entries
at the end; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str]] = [
    (1, """
    CREATE TABLE cases (
        id          TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE case_attributes (
        case_id     TEXT NOT NULL REFERENCES cases(id),
        name        TEXT NOT NULL,
        value       TEXT NOT NULL,
        source      TEXT NOT NULL,              -- 'front_matter', 'sidecar', 'table', 'human:<who>'
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (case_id, name)
    );
    CREATE TABLE transcripts (
        id           INTEGER PRIMARY KEY,
        case_id      TEXT NOT NULL REFERENCES cases(id),
        source_name  TEXT NOT NULL,             -- file name: the identity across re-imports
        source_path  TEXT NOT NULL,             -- where it was read from, last time
        sha256       TEXT NOT NULL,
        format       TEXT NOT NULL,
        encoding     TEXT NOT NULL,
        version      INTEGER NOT NULL,
        is_current   INTEGER NOT NULL DEFAULT 1,
        preamble     TEXT NOT NULL DEFAULT '',
        segmentation TEXT NOT NULL,             -- JSON: unit, max_words, all_speakers
        n_turns      INTEGER NOT NULL,
        n_segments   INTEGER NOT NULL,
        n_words      INTEGER NOT NULL,
        imported_at  TEXT NOT NULL,
        UNIQUE (case_id, source_name, version)
    );
    CREATE INDEX transcripts_by_source ON transcripts (source_name, sha256);
    CREATE TABLE turns (
        id            INTEGER PRIMARY KEY,
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
        idx           INTEGER NOT NULL,
        speaker       TEXT NOT NULL,
        role          TEXT NOT NULL,
        time          TEXT,
        line          INTEGER,
        text          TEXT NOT NULL,            -- verbatim
        sentences     TEXT NOT NULL,            -- JSON [[start, end], ...] into text
        n_words       INTEGER NOT NULL,
        UNIQUE (transcript_id, idx)
    );
    CREATE TABLE segments (
        id            TEXT PRIMARY KEY,
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
        turn_id       INTEGER NOT NULL REFERENCES turns(id),
        idx           INTEGER NOT NULL,
        start         INTEGER NOT NULL,         -- character offsets into turns.text
        end           INTEGER NOT NULL,
        text          TEXT NOT NULL,            -- verbatim
        search_text   TEXT NOT NULL,            -- normalised quotes and case, for searching only
        n_words       INTEGER NOT NULL
    );
    CREATE INDEX segments_by_transcript ON segments (transcript_id);
    CREATE TABLE codebooks (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        version    INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        content    TEXT NOT NULL,
        loaded_at  TEXT NOT NULL,
        UNIQUE (name, version),
        UNIQUE (name, sha256)
    );
    CREATE TABLE codings (
        id          INTEGER PRIMARY KEY,
        segment_id  TEXT NOT NULL REFERENCES segments(id),
        codebook_id INTEGER REFERENCES codebooks(id),
        code_id     TEXT NOT NULL,
        source      TEXT NOT NULL CHECK (source IN ('rule', 'semantic', 'learned', 'ensemble')
                                        OR source LIKE 'human:_%'),
        score       REAL,
        rationale   TEXT,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX codings_by_segment ON codings (segment_id);
    CREATE TABLE typology_assignments (
        id          INTEGER PRIMARY KEY,
        case_id     TEXT NOT NULL REFERENCES cases(id),
        typology    TEXT NOT NULL,
        dimension   TEXT,                       -- NULL for the case's type
        value       TEXT NOT NULL,
        confidence  REAL,
        source      TEXT NOT NULL,              -- 'derived' or 'human:<who>'
        evidence    TEXT,                       -- JSON list of segment ids
        created_at  TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT,
        detail  TEXT
    );
    """),
    (2, """
    CREATE TABLE embeddings (
        text_hash  TEXT NOT NULL,               -- sha1 of the exact text embedded
        model_id   TEXT NOT NULL,
        dim        INTEGER NOT NULL,
        vector     BLOB NOT NULL,               -- float32, little-endian, L2-normalised
        PRIMARY KEY (text_hash, model_id)
    ) WITHOUT ROWID;
    """),
    (3, """
    CREATE TABLE anonymity_checks (
        id          INTEGER PRIMARY KEY,
        source_name TEXT NOT NULL,              -- matches transcripts.source_name
        sha256      TEXT NOT NULL,              -- the exact file content that was checked
        checked_at  TEXT NOT NULL,
        findings    INTEGER NOT NULL,
        passed      INTEGER NOT NULL
    );
    CREATE INDEX anonymity_checks_by_source ON anonymity_checks (source_name, sha256);
    """),
    # "Stored once" becomes a rule of the database. A machine coder's suggestion is one row per
    # (segment, codebook version, code, source), the latest kept; a human coding one row per
    # (segment, code, coder, span and note). Projects written before this held a second copy of
    # everything 'qualkit code --project' coded twice: the duplicates go first. ``coder`` records
    # which trained coders made a machine suggestion (the cache key of the coder), so a re-run with
    # the same coders leaves their rows alone and a changed coder replaces them.
    (4, """
    DELETE FROM codings WHERE source NOT LIKE 'human:%' AND id NOT IN (
        SELECT MAX(id) FROM codings WHERE source NOT LIKE 'human:%'
        GROUP BY segment_id, codebook_id, code_id, source);
    DELETE FROM codings WHERE source LIKE 'human:%' AND id NOT IN (
        SELECT MIN(id) FROM codings WHERE source LIKE 'human:%'
        GROUP BY segment_id, code_id, source, COALESCE(rationale, ''));
    ALTER TABLE codings ADD COLUMN coder TEXT;
    CREATE UNIQUE INDEX codings_machine_once ON codings (segment_id, codebook_id, code_id, source)
        WHERE source NOT LIKE 'human:%';
    CREATE UNIQUE INDEX codings_human_once ON codings (segment_id, code_id, source,
        COALESCE(rationale, '')) WHERE source LIKE 'human:%';
    CREATE INDEX typology_assignments_by_typology ON typology_assignments (typology, created_at);
    """),
    # An ensemble suggestion keeps its calibrated probability and its band (auto, review), so a
    # reviewer can take the auto band at once and read the rest; other rows leave them NULL.
    (5, """
    ALTER TABLE codings ADD COLUMN probability REAL;
    ALTER TABLE codings ADD COLUMN band TEXT CHECK (band IN ('auto', 'review', 'reject'));
    """),
]

LATEST_VERSION = MIGRATIONS[-1][0]
