"""Topic fitting: qualkit ``fit_topics`` against plain BERTopic ``fit_transform``, same embeddings.

The floor is BERTopic itself, configured exactly as qualkit configures it (``build_model``) and
given the precomputed embeddings. The ratio qualkit / plain says what qualkit's tables (topic table,
attributions, map coordinates) cost on top (target: at most 1.1). Both are warmed up first in the
same process so that neither pays numba's compilation of UMAP. A second part times the embeddings
cache: a first run on a fresh project computes the vectors, a second finds them all stored.
Run: ``python bench/bench_topics.py [--copies 2]``.
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
from qualkit.embeddings import Embedder  # noqa: E402
from qualkit.ingest import segments_from_paths  # noqa: E402
from qualkit.topics import build_model, fit_topics  # noqa: E402


def respondent_segments(folder: Path):
    segments, report = segments_from_paths([folder])
    assert report.ok, report.failed[:3]
    return segments[segments.role == "respondent"].reset_index(drop=True)


def time_plain(texts: list[str], embeddings, seed: int) -> tuple[float, int]:
    model = build_model(len(texts), seed=seed)
    start = time.perf_counter()
    assigned, _ = model.fit_transform(texts, embeddings)
    return time.perf_counter() - start, len(set(assigned)) - (-1 in set(assigned))


def time_qualkit(segments, embedder: Embedder, seed: int) -> tuple[float, int]:
    start = time.perf_counter()
    result = fit_topics(segments, embedder, seed=seed)
    return time.perf_counter() - start, int((result.topics.topic != -1).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the sample")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        corpus = workdir / "corpus"
        files = replicate(corpus, args.copies)
        segments = respondent_segments(corpus)
        texts = segments["text"].tolist()

        embedder = Embedder()  # in memory: after this call it holds every vector
        start = time.perf_counter()
        embeddings = embedder.encode(texts)
        embed_seconds = time.perf_counter() - start
        unique = embedder.computed

        # warm-up: imports, numba compilation of UMAP and HDBSCAN, on a small subset
        time_plain(texts[:200], embeddings[:200], args.seed)
        time_qualkit(segments.head(200), embedder, args.seed)

        plains, ours = [], []
        for _ in range(args.repeats):
            plain, plain_topics = time_plain(texts, embeddings, args.seed)
            plains.append(plain)
            elapsed, our_topics = time_qualkit(segments, embedder, args.seed)
            ours.append(elapsed)
        assert embedder.computed == unique, "the timed fits must not embed anything"

        with Project(workdir / "cache.qualkit") as project:
            first_embedder = Embedder(cache=project)
            first, _ = time_qualkit(segments, first_embedder, args.seed)
            second_embedder = Embedder(cache=project)  # fresh memory: vectors come from the project
            second, _ = time_qualkit(segments, second_embedder, args.seed)

    plain, qualkit = min(plains), min(ours)
    print(f"corpus: {len(files)} files ({args.copies} copies of the sample), {len(texts):,} "
          f"respondent segments ({unique:,} distinct texts)")
    print(f"embedding the distinct texts (all-MiniLM-L6-v2, CPU): {embed_seconds:.2f}s")
    print(f"{'':44}{'seconds':>10}{'topics':>8}")
    print(f"{'plain BERTopic fit_transform (floor)':44}{plain:10.2f}{plain_topics:8}")
    print(f"{'qualkit fit_topics (cached embeddings)':44}{qualkit:10.2f}{our_topics:8}")
    print(f"ratio qualkit / plain: {qualkit / plain:.2f} (target <= 1.1; best of {args.repeats})")
    print("embeddings cache (Project-backed Embedder, fit_topics end to end):")
    print(f"  first run, computes {first_embedder.computed:,} vectors: {first:8.2f}s")
    print(f"  second run, computes {second_embedder.computed:,} vectors: {second:8.2f}s")
    print(f"  saved by the cache: {first - second:.2f}s ({first / second:.1f}x faster)")

    report("topics (vs raw BERTopic)", qualkit, plain, f"{len(texts):,} segments")


if __name__ == "__main__":
    main()
