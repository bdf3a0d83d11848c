"""The project store: idempotent re-import, versions, migrations, transactions, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qualkit import Project, QualkitError, import_paths
from qualkit.migrations import MIGRATIONS

INTERVIEW = """---
role: Mother
area: Area B
---
Interviewer: What did the court tell you?
Respondent: Not much at all. I got a letter and that was it. {extra}
Interviewer: And the group session?
Respondent: It was fine, I suppose. The other parents were the best part.
"""


def write_interviews(folder: Path, n: int, extra: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"C{i:02d}.txt"
        path.write_text(INTERVIEW.format(extra=extra), encoding="utf-8")
        paths.append(path)
    return paths


def consistency_problems(project: Project) -> list[str]:
    """Every stored transcript has exactly the turns and segments it says it has."""
    problems = []
    for row in project.query("SELECT id, n_turns, n_segments FROM transcripts").itertuples():
        turns = project.query("SELECT COUNT(*) AS n FROM turns WHERE transcript_id = ?", (row.id,)).n[0]
        segs = project.query("SELECT COUNT(*) AS n FROM segments WHERE transcript_id = ?", (row.id,)).n[0]
        if (turns, segs) != (row.n_turns, row.n_segments):
            problems.append(f"transcript {row.id}: {turns}/{row.n_turns} turns, {segs}/{row.n_segments} segments")
    orphans = project.query("SELECT COUNT(*) AS n FROM turns WHERE transcript_id NOT IN "
                            "(SELECT id FROM transcripts)").n[0]
    if orphans:
        problems.append(f"{orphans} orphan turns")
    return problems


def test_reimporting_unchanged_files_changes_nothing(tmp_path):
    write_interviews(tmp_path / "in", 3)
    with Project(tmp_path / "p.qualkit") as project:
        first = import_paths([tmp_path / "in"], project)
        assert [f.status for f in first.files] == ["imported"] * 3
        before = (len(project.segments()), len(project.turns()), len(project.audit_log()))
        second = import_paths([tmp_path / "in"], project)
        assert [f.status for f in second.files] == ["unchanged"] * 3
        assert (len(project.segments()), len(project.turns()), len(project.audit_log())) == before


def test_changed_file_becomes_new_version_and_old_codings_survive(tmp_path):
    (path,) = write_interviews(tmp_path / "in", 1)
    with Project(tmp_path / "p.qualkit") as project:
        import_paths([path], project)
        old_segment = project.segments().segment_id[0]
        with project.transaction() as conn:
            conn.execute("INSERT INTO codings (segment_id, code_id, source, score, rationale, "
                         "created_at) VALUES (?, 'referral', 'human:ann', 1.0, 'read it', 'now')",
                         (old_segment,))
        write_interviews(tmp_path / "in", 1, extra="Nobody said it would be joint.")
        report = import_paths([path], project)
        assert report.files[0].status == "new version"
        versions = project.transcripts(current_only=False)
        assert sorted(versions.version) == [1, 2]
        assert versions.set_index("version").is_current.to_dict() == {1: 0, 2: 1}
        current = project.segments()
        assert all(sid.endswith("@v2") for sid in current.segment_id)
        assert "Nobody said it would be joint." in " ".join(current.text)
        kept = project.query("SELECT c.code_id, s.text FROM codings c JOIN segments s ON "
                             "s.id = c.segment_id")
        assert kept.code_id.tolist() == ["referral"]
        assert "Nobody said" not in kept.text[0]


def test_schema_migrates_forward_and_refuses_newer_files(tmp_path):
    db = tmp_path / "p.qualkit"
    write_interviews(tmp_path / "in", 1)
    with Project(db, migrations=MIGRATIONS) as project:
        import_paths([tmp_path / "in"], project)
        assert project.schema_version == MIGRATIONS[-1][0]
    newer = MIGRATIONS + [(MIGRATIONS[-1][0] + 1,
                           "ALTER TABLE segments ADD COLUMN note TEXT NOT NULL DEFAULT 'x'")]
    with Project(db, migrations=newer) as project:
        assert project.schema_version == newer[-1][0]
        notes = project.query("SELECT note FROM segments")
        assert len(notes) > 0 and set(notes.note) == {"x"}
    with pytest.raises(QualkitError) as caught:
        Project(db, migrations=MIGRATIONS)
    assert caught.value.code == "E040" and "Fix:" in str(caught.value)


def test_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.qualkit"
    bogus.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(QualkitError) as caught:
        Project(bogus)
    assert caught.value.code == "E041" and str(bogus) in str(caught.value)


def test_a_failing_file_stores_nothing_of_itself(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("id,text\nr1,The group helped me a lot.\nr2,It was too basic.\n")
    (folder / "b.csv").write_text("id,text\nr3,I felt safe there.\nr1,The same id again.\n")
    with Project(tmp_path / "p.qualkit") as project:
        report = import_paths([folder], project)
        statuses = {Path(f.path).name: f.status for f in report.files}
        assert statuses == {"a.csv": "imported", "b.csv": "failed"}
        assert "E042" in report.failed[0].error and "a.csv" in report.failed[0].error
        assert set(project.segments().segment_id) == {"r1", "r2"}
        assert project.query("SELECT COUNT(*) AS n FROM transcripts WHERE source_name = 'b.csv'").n[0] == 0
        assert project.query("SELECT COUNT(*) AS n FROM cases WHERE id = 'r3'").n[0] == 0


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from qualkit import Project, import_paths
    from qualkit import store

    original = store.Project._add_transcript
    calls = []

    def slow(self, transcript, segmentation):
        result = original(self, transcript, segmentation)   # rows written, transaction still open
        calls.append(1)
        if len(calls) == 3:
            Path(sys.argv[3]).write_text("inside the third transaction")
            time.sleep(60)
        return result

    store.Project._add_transcript = slow
    with Project(sys.argv[1]) as project:
        import_paths([sys.argv[2]], project)
""")


def test_killing_the_writer_mid_import_leaves_a_consistent_database(tmp_path):
    write_interviews(tmp_path / "in", 6)
    db, marker = tmp_path / "p.qualkit", tmp_path / "marker"
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(db), str(tmp_path / "in"), str(marker)])
    deadline = time.time() + 120
    while not marker.exists():
        assert writer.poll() is None, "the writer ended before reaching the third file"
        assert time.time() < deadline, "the writer never reached the third file"
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()

    with Project(db) as project:
        assert project.query("PRAGMA integrity_check").iloc[0, 0] == "ok"
        assert consistency_problems(project) == []
        assert sorted(project.transcripts().case_id) == ["C00", "C01"]  # the third never committed
        report = import_paths([tmp_path / "in"], project)
        assert [f.status for f in report.files] == ["unchanged"] * 2 + ["imported"] * 4
        assert consistency_problems(project) == []
        assert sorted(project.transcripts().case_id) == [f"C{i:02d}" for i in range(6)]
        segments = project.segments()
        assert segments.segment_id.is_unique and len(segments) == 6 * 2


def test_import_leaves_no_cyclic_garbage_and_restores_the_collector(tmp_path):
    import gc

    write_interviews(tmp_path / "in", 4)
    gc.collect()
    assert gc.isenabled()
    with Project(tmp_path / "p.qualkit") as project:
        gc.disable()
        import_paths([tmp_path / "in"], project)
        assert not gc.isenabled()  # a caller's choice is left as it was
        gc.enable()
        import_paths([tmp_path / "in2"], project)
    assert gc.isenabled()
    gc.disable()
    try:
        with Project(tmp_path / "q.qualkit") as project:
            import_paths([tmp_path / "in"], project)
        assert gc.collect() == 0  # why pausing the collector during an import is safe
    finally:
        gc.enable()


def test_the_embedders_memory_is_bounded_and_evicted_vectors_come_back_unchanged(tmp_path):
    """A large study must not keep every vector in memory: the oldest are dropped, and the project
    gives them back without running the model again (without a project, the model recomputes)."""
    import numpy as np

    from qualkit.embeddings import Embedder

    texts = ["The court sent a letter.", "The group session helped.", "We agreed on weekends."]
    with Project(tmp_path / "p.qualkit") as project:
        embedder = Embedder(cache=project, remembered=2)
        first = embedder.encode(texts)
        assert len(embedder._memory) == 2 and embedder.computed == 3
        again = embedder.encode(texts[:1])  # evicted from memory, kept in the project
        assert embedder.computed == 3
        assert np.array_equal(again[0], first[0])
    loose = Embedder(remembered=2)
    loose.encode(texts)
    assert np.allclose(loose.encode(texts[:1])[0], first[0], atol=1e-6)
    assert loose.computed == 4


def test_texts_embedded_in_batches_by_length_keep_their_order_and_vectors():
    """Long texts go in smaller batches (the model's memory grows with length squared): the
    vectors must be the model's own, each in its text's place."""
    import numpy as np

    from qualkit.embeddings import Embedder, load_encoder, rows_for, token_lengths

    sentence = "We talked about the children and the handovers at the weekend. "
    texts = [sentence * n for n in (12, 1, 5, 20, 2, 9)]
    assert len({rows_for(n) for n in token_lengths(load_encoder(), texts)}) >= 4
    ours = Embedder().encode(texts)
    theirs = load_encoder().encode(texts, batch_size=64, normalize_embeddings=True)
    assert np.allclose(ours, theirs, atol=1e-5)


def test_a_text_gets_the_same_vector_bit_for_bit_whatever_it_is_embedded_with():
    """Issue 25 item 12: vectors cached while the coder trained (beside training examples) must
    equal those a later run computes beside other segments, or topics move between a cold and a
    warm cache."""
    import numpy as np

    from qualkit.embeddings import Embedder

    segments = ["I was scared of him, to be honest.", "It was alright.", "Yes.",
                "We'd tried mediation before, it didn't work.", "It was awful.",
                "By the end we were actually talking, not after everything with the court."]
    others = ["The course came too late, he'd stopped contact by then.", "It was fine.",
              "I had to be very careful what I said in front of her."] * 3
    together = Embedder().encode(others + segments)[len(others):]
    alone = np.vstack([Embedder().encode([text]) for text in segments])
    reordered = Embedder().encode(segments[::-1])[::-1]
    assert together.tobytes() == alone.tobytes() == reordered.tobytes()
