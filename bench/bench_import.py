"""Import throughput: qualkit import+segmentation+store against raw spaCy ``nlp.pipe``.

The floor is what any tokenised import must pay: spaCy's blank English pipeline with the
rule-based sentencizer, run with ``nlp.pipe`` over exactly the turn texts qualkit tokenises. The
ratio qualkit / floor says what reading files, parsing speakers, segmenting and writing the SQLite
store cost on top (target: at most 2.0). Run: ``python bench/bench_import.py [--words 1000000]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spacy  # noqa: E402

from _replicate import SAMPLE, replicate  # noqa: E402
from _result import report  # noqa: E402
from qualkit import Project, Segmenter, import_paths, read_file  # noqa: E402
from qualkit.ingest import expand_paths  # noqa: E402


def sample_words() -> int:
    return sum(t.n_words for t in Segmenter().transform(
        [t for p in expand_paths([SAMPLE]) for t in read_file(p)]))


def turn_texts(folder: Path) -> list[str]:
    return [turn.text for path in expand_paths([folder]) for t in read_file(path) for turn in t.turns]


def time_floor(texts: list[str], gc_paused: bool = False) -> float:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    if gc_paused:
        gc.disable()
    try:
        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=256):
            pass
        return time.perf_counter() - start
    finally:
        gc.enable()


def time_qualkit(folder: Path, workdir: Path, run: int) -> tuple[float, int]:
    db = workdir / f"bench{run}.qualkit"
    start = time.perf_counter()
    with Project(db) as project:
        report = import_paths([folder], project)
    elapsed = time.perf_counter() - start
    assert report.ok, report.failed[:3]
    return elapsed, sum(f.words for f in report.files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000, help="corpus size to aim for")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    per_copy = sample_words()
    copies = max(1, round(args.words / per_copy))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        corpus = workdir / "corpus"
        files = replicate(corpus, copies)
        texts = turn_texts(corpus)
        time_floor(texts[:200])  # warm both paths up: imports, vocab, first-call costs
        with Project(workdir / "warm.qualkit") as project:
            import_paths(files[:5], project)
        floors, paused_floors, ours, words = [], [], [], 0
        for run in range(args.repeats):
            floors.append(time_floor(texts))
            paused_floors.append(time_floor(texts, gc_paused=True))
            elapsed, words = time_qualkit(corpus, workdir, run)
            ours.append(elapsed)
    floor, paused_floor, qualkit = min(floors), min(paused_floors), min(ours)
    print(f"corpus: {len(files)} files ({copies} copies of the sample), {words:,} words, "
          f"{len(texts):,} turns")
    print("qualkit segments with spaCy's English tokenizer and the sentencizer's rules run on token "
          "arrays (qualkit/sentences.py; same boundaries as spaCy's sentencizer)")
    print(f"{'':34}{'seconds':>10}{'words/s':>12}")
    print(f"{'raw spaCy nlp.pipe (floor)':34}{floor:10.2f}{words / floor:12,.0f}")
    print(f"{'qualkit import+segment+store':34}{qualkit:10.2f}{words / qualkit:12,.0f}")
    print(f"{'floor with the cyclic GC paused':34}{paused_floor:10.2f}{words / paused_floor:12,.0f}")
    print(f"ratio qualkit / floor: {qualkit / floor:.2f} (target <= 2.0; best of {args.repeats})")
    print(f"ratio qualkit / floor with GC paused as qualkit does: {qualkit / paused_floor:.2f}")

    report("import (vs raw spaCy nlp.pipe)", qualkit, floor, f"{words:,} words")


if __name__ == "__main__":
    main()
