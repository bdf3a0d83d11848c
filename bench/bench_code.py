"""Coding throughput: qualkit's ensemble against raw spaCy ``nlp.pipe`` + raw ``encode``.

The floor is the model work any coder of this design must do once per segment: parse it with the
same spaCy pipeline the rule coder uses (en_core_web_sm without NER) and embed it with
all-MiniLM-L6-v2 via sentence-transformers. qualkit's time covers coding (rules, semantic, learned,
combination); training on the codebook and the sample's gold is timed separately, as is a second
run that finds every embedding in the project cache.
Run: ``python bench/bench_code.py [--words 1000000]`` (about 5 minutes per million words on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _replicate import replicate  # noqa: E402
from _result import report  # noqa: E402
from qualkit import Project  # noqa: E402
from qualkit.coding import code_segments, load_codebook, train_coder  # noqa: E402
from qualkit.embeddings import Embedder, load_encoder  # noqa: E402
from qualkit.resources import CODING_OFF, english_pipeline  # noqa: E402
from qualkit.ingest import segments_from_paths  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_WORDS = 36_829


def floor_seconds(texts: list[str]) -> float:
    nlp, encoder = english_pipeline(), load_encoder()
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=64, disable=CODING_OFF):
        pass
    encoder.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    codebook = load_codebook(ROOT / "codebooks" / "spip_plus.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        replicate(corpus, max(1, round(args.words / SAMPLE_WORDS)))
        segments, _ = segments_from_paths([corpus])
        segments = segments[segments.role == "respondent"].reset_index(drop=True)
        texts = segments.text.tolist()
        words = sum(len(t.split()) for t in texts)
        floor_seconds(texts[:50])  # load both models before timing anything
        floor = floor_seconds(texts)
        with Project(Path(tmp) / "bench.qualkit") as project:
            embedder = Embedder(cache=project)
            start = time.perf_counter()
            coder = train_coder(codebook, embedder=embedder)
            fit = time.perf_counter() - start
            start = time.perf_counter()
            code_segments(segments, coder)
            first = time.perf_counter() - start
            embedded_first = embedder.computed
            cached = Embedder(cache=project)
            coder = train_coder(codebook, embedder=cached)
            start = time.perf_counter()
            code_segments(segments, coder)
            second = time.perf_counter() - start
    n = len(texts)
    print(f"segments: {n:,} respondent segments, {words:,} words")
    print(f"{'':44}{'seconds':>9}{'segments/s':>12}")
    print(f"{'raw spaCy nlp.pipe + raw encode (floor)':44}{floor:9.1f}{n / floor:12.0f}")
    print(f"{'qualkit code (first run)':44}{first:9.1f}{n / first:12.0f}")
    print(f"{'qualkit code (second run, embeddings cached)':44}{second:9.1f}{n / second:12.0f}")
    print(f"{'training the coders (codebook + gold)':44}{fit:9.1f}")
    print(f"texts embedded on the first run: {embedded_first:,}; on the second: {cached.computed:,}")
    print(f"ratio qualkit / floor: first run {first / floor:.2f}, second run {second / floor:.2f}")
    report("coding (vs raw spaCy + raw sentence-transformers)", first, floor, f"{n:,} segments",
           second_run_s=round(second, 2), training_s=round(fit, 2))


if __name__ == "__main__":
    main()
