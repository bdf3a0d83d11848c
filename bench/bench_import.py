"""Import throughput: qualkit import+segmentation+store against raw spaCy ``nlp.pipe``.

The floor is what any tokenised import must pay: spaCy's blank English pipeline with the
rule-based sentencizer, run with ``nlp.pipe`` over exactly the turn texts qualkit tokenises. The
ratio qualkit / floor says what reading files, parsing speakers, segmenting and writing the SQLite
store cost on top (target: at most 2.0). Run: ``python bench/bench_import.py [--words 1000000]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spacy  # noqa: E402

from _replicate import SAMPLE, replicate  # noqa: E402
from qualkit import Project, Segmenter, import_paths, read_file  # noqa: E402
from qualkit.ingest import expand_paths  # noqa: E402


def sample_words() -> int:
    return sum(t.n_words for t in Segmenter().transform(
        [t for p in expand_paths([SAMPLE]) for t in read_file(p)]))


def turn_texts(folder: Path) -> list[str]:
    return [turn.text for path in expand_paths([folder]) for t in read_file(path) for turn in t.turns]


def time_floor(texts: list[str]) -> float:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=256):
        pass
    return time.perf_counter() - start


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
        floors, ours, words = [], [], 0
        for run in range(args.repeats):
            floors.append(time_floor(texts))
            elapsed, words = time_qualkit(corpus, workdir, run)
            ours.append(elapsed)
    floor, qualkit = min(floors), min(ours)
    print(f"corpus: {len(files)} files ({copies} copies of the sample), {words:,} words, "
          f"{len(texts):,} turns")
    print("segmentation pipeline: spaCy blank 'en' + sentencizer (rule-based, no model)")
    print(f"{'':34}{'seconds':>10}{'words/s':>12}")
    print(f"{'raw spaCy nlp.pipe (floor)':34}{floor:10.2f}{words / floor:12,.0f}")
    print(f"{'qualkit import+segment+store':34}{qualkit:10.2f}{words / qualkit:12,.0f}")
    print(f"ratio qualkit / floor: {qualkit / floor:.2f} (target <= 2.0; best of {args.repeats})")


if __name__ == "__main__":
    main()
