"""The whole ``qualkit run``: against the raw libraries doing its model work, and as the corpus grows.

For each scale (copies of the sample with varied case ids) the run is started twice in fresh
processes into the same output folder: the first run does everything; the second finds the imports,
anonymity checks, embeddings, trained coders and numba's compiled UMAP in the folder. The floor is
the raw libraries on the same text in one process: spaCy ``nlp.pipe`` (en_core_web_sm without NER,
what the rule coder and the privacy check parse with), sentence-transformers ``encode`` of every
respondent segment and of each answer with its question (what the coders and the typology embed),
and BERTopic ``fit_transform`` on the segments.
Run: ``python bench/bench_run.py [--scales 1,10,100]`` (1x takes a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _replicate import replicate  # noqa: E402
from _result import report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUN = """
import json, resource, sys, time
from qualkit.cli import main
start = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print("PEAK " + json.dumps({"seconds": time.perf_counter() - start,
          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
"""


def timed_run(corpus: Path, out: Path) -> dict:
    """One ``qualkit run`` in a fresh process: its wall time and peak memory."""
    done = subprocess.run([sys.executable, "-c", RUN, "run", str(corpus), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    line = next((l for l in done.stdout.splitlines() if l.startswith("PEAK ")), None)
    if line is None:
        raise SystemExit(f"qualkit run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return json.loads(line[5:])


def floor_seconds(corpus: Path) -> tuple[float, int]:
    """The raw libraries' time for the run's model work on this corpus."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    from qualkit.embeddings import load_encoder
    from qualkit.ingest import read_inputs
    from qualkit.resources import CODING_OFF, english_pipeline
    from qualkit.segment import Segmenter
    from qualkit.typology import with_questions

    found = read_inputs([corpus], segmenter=Segmenter(all_speakers=True))
    answered = with_questions(found.segments)
    texts = answered["text"].tolist()
    nlp, encoder = english_pipeline(), load_encoder()
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=64, disable=CODING_OFF):
        pass
    vectors = encoder.encode(texts, batch_size=64, show_progress_bar=False)
    encoder.encode(answered["context"].tolist(), batch_size=64, show_progress_bar=False)
    BERTopic(umap_model=UMAP(n_components=5, random_state=42),
             hdbscan_model=HDBSCAN(min_cluster_size=10)).fit_transform(texts, vectors)
    return time.perf_counter() - start, len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="copies of the sample, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for scale in [int(s) for s in args.scales.split(",")]:
            corpus = Path(workdir) / f"corpus_{scale}"
            files = replicate(corpus, scale)
            out = Path(workdir) / f"out_{scale}"
            first = timed_run(corpus, out)
            second = timed_run(corpus, out)
            floor, segments = floor_seconds(corpus)
            print(f"{scale}x: {len(files)} files, {segments:,} respondent segments; first run "
                  f"{first['seconds']:.1f}s (peak {first['peak_mb']:.0f} MB), second run "
                  f"{second['seconds']:.1f}s ({first['seconds'] / second['seconds']:.1f}x faster); "
                  f"raw libraries {floor:.1f}s; ratio {first['seconds'] / floor:.2f}")
            report(f"qualkit run {scale}x (vs raw libraries)", first["seconds"], floor,
                   f"{segments:,} segments", second_run_s=round(second["seconds"], 1),
                   second_run_speedup=round(first["seconds"] / second["seconds"], 1),
                   run_peak_mb=round(first["peak_mb"]))


if __name__ == "__main__":
    main()
