"""The whole ``qualkit run``: against the raw libraries doing its model work, and as the corpus grows.

For each scale (copies of the sample with varied case ids) ``qualkit run`` is started in fresh
processes: at the first scale first with an empty shared cache (a machine's first run ever: coders
are trained and numba compiles UMAP); at every scale into a new output folder with that cache warm
(a new project on a machine that has run qualkit before), then again into that folder (a second run,
which finds its imports, anonymity checks, embeddings and codings in the project). The topics stage
of the cold run and the new project shows what numba's persistent cache saves. The floor is the raw
libraries on the same text in a fresh process of their own: spaCy ``nlp.pipe`` (en_core_web_sm,
every component the run uses: the rule coder parses, the privacy check finds entities),
sentence-transformers ``encode`` of every respondent segment and of each answer with its question
(what the coders and the typology embed), and BERTopic ``fit_transform`` on the segments. Each run
also times what it spends inside those libraries' own calls (``nlp.pipe``, ``encode``,
``fit_transform``) and counts the texts it sends them (``same_calls_ratio`` is the run's time over
that). The new project's calls are also kept, texts and arguments, and the raw libraries make
exactly those calls again in a process of their own (the replay): the run's time over the replay's
is qualkit's overhead on the model work it chose to do, while the ratio to the floor also counts the
model work the floor does not do (sentences, answers read with their questions, typology passages,
quote candidates).
With ``--repeats N`` the new project, its replay and the floor are measured N times in turn and the
best of each is reported, as ``timeit`` does: on a shared machine noise only adds time.
Run: ``python bench/bench_run.py [--scales 1,10,100] [--repeats N]`` (1x takes a few minutes on 2
cores).
"""

from __future__ import annotations

import argparse
import json
import os
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
import json, os, pickle, resource, sys, time
from pathlib import Path
import qualkit.run
# numba reads its cache folder when first imported, and BERTopic below imports it: point it where
# the run would, or every run (cold ones too) silently uses numba's in-tree cache instead.
import qualkit.tuning
qualkit.tuning.enable(Path(os.environ["QUALKIT_CACHE_DIR"]))
from qualkit.cli import main
from bertopic import BERTopic
from sentence_transformers import SentenceTransformer
from spacy.language import Language

stages, peaks = {}, {}
whole = qualkit.run.run
def run(*args, **kwargs):
    summary = whole(*args, **kwargs)
    stages.update(summary.seconds)
    peaks.update(summary.peak_mb)
    return summary
qualkit.run.run = run

# Time (and texts) inside the raw libraries' calls, outermost call only.
inside = {"spacy": 0.0, "sentence_transformers": 0.0, "bertopic": 0.0}
texts = {"spacy": 0, "sentence_transformers": 0}
depth = [0]
def timed(name, call):
    def wrapper(*args, **kwargs):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                inside[name] += time.perf_counter() - start
    return wrapper
# With QUALKIT_BENCH_CALLS set, every outermost call is also kept (its texts and arguments), for
# the raw libraries to make the very same calls in a process of their own (REPLAY).
calls = [] if os.environ.get("QUALKIT_BENCH_CALLS") else None
encode = SentenceTransformer.encode
def counted_encode(self, sentences, *args, **kwargs):
    if depth[0] == 1:  # the outermost call (timed() has counted itself in)
        texts["sentence_transformers"] += len(sentences)
        if calls is not None:
            calls.append(("encode", list(sentences), dict(kwargs)))
    return encode(self, sentences, *args, **kwargs)
SentenceTransformer.encode = timed("sentence_transformers", counted_encode)
fit_transform = BERTopic.fit_transform
def kept_fit_transform(self, documents, embeddings=None, *args, **kwargs):
    if calls is not None:  # the model as configured, before it is fitted
        calls.append(("bertopic", pickle.dumps(self), list(documents), embeddings))
    return fit_transform(self, documents, embeddings, *args, **kwargs)
BERTopic.fit_transform = timed("bertopic", kept_fit_transform)
pipe = Language.pipe
def timed_pipe(self, stream, *args, **kwargs):
    if calls is not None:
        stream = list(stream)
        calls.append(("spacy", stream, dict(kwargs)))
    docs = pipe(self, stream, *args, **kwargs)
    step = timed("spacy", lambda: next(docs, None))
    while (doc := step()) is not None:
        texts["spacy"] += 1
        yield doc
Language.pipe = timed_pipe

start = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print("PEAK " + json.dumps({"seconds": time.perf_counter() - start, "stages": stages,
          "stage_peak_mb": peaks, "inside": inside, "texts": texts,
          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
    if calls is not None:
        with open(os.environ["QUALKIT_BENCH_CALLS"], "wb") as kept:
            pickle.dump(calls, kept)
"""
# The raw libraries making a run's calls, in order, with the same texts and arguments: spaCy's
# en_core_web_sm and all-MiniLM-L6-v2 loaded from the same files (the load is timed, as the run's
# is), BERTopic with the run's configuration. A user's process compiles UMAP's uncached functions
# in its first fit; BERTopic is then fitted once more to give its time with them compiled.
REPLAY = """
import json, os, pickle, sys, time
os.environ["NUMBA_CACHE_DIR"] = sys.argv[2]
os.environ["HF_HUB_OFFLINE"] = "1"
import spacy
from bertopic import BERTopic
from sentence_transformers import SentenceTransformer
from qualkit.resources import embedding_model_path, spacy_model_path

with open(sys.argv[1], "rb") as kept:
    calls = pickle.load(kept)
seconds = {"load": 0.0, "spacy": 0.0, "sentence_transformers": 0.0, "bertopic": 0.0}
start = time.perf_counter()
nlp = spacy.load(spacy_model_path())
encoder = SentenceTransformer(str(embedding_model_path()), device="cpu")
seconds["load"] = time.perf_counter() - start
fits = []
for kind, *args in calls:
    began = time.perf_counter()
    if kind == "spacy":
        for _doc in nlp.pipe(args[0], **args[1]):
            pass
        seconds["spacy"] += time.perf_counter() - began
    elif kind == "encode":
        encoder.encode(args[0], **args[1])
        seconds["sentence_transformers"] += time.perf_counter() - began
    else:
        pickle.loads(args[0]).fit_transform(args[1], args[2])
        seconds["bertopic"] += time.perf_counter() - began
        fits.append(args)
total = time.perf_counter() - start
began = time.perf_counter()
for model, documents, embeddings in fits:
    pickle.loads(model).fit_transform(documents, embeddings)
compiled = time.perf_counter() - began
print("REPLAY " + json.dumps({"seconds": total, "parts": seconds, "bertopic_compiled": compiled,
                             "calls": len(calls)}), flush=True)
"""


def timed_run(corpus: Path, out: Path, cache: Path, keep_calls: Path | None = None) -> dict:
    """One ``qualkit run`` in a fresh process: its wall time, seconds per stage and peak memory;
    with ``keep_calls``, its calls to the libraries are written there for :func:`replay`."""
    env = {**os.environ, "QUALKIT_CACHE_DIR": str(cache)}
    env.pop("NUMBA_CACHE_DIR", None)
    if keep_calls is not None:
        env["QUALKIT_BENCH_CALLS"] = str(keep_calls)
    return _fresh_process(RUN, ["run", str(corpus), "--out", str(out)], "PEAK ", env)


def replay(calls: Path, cache: Path) -> dict:
    """The raw libraries making exactly a run's calls, in a fresh process of their own."""
    return _fresh_process(REPLAY, [str(calls), str(cache / "numba")], "REPLAY ", dict(os.environ))


def _fresh_process(code: str, args: list[str], prefix: str, env: dict) -> dict:
    """Run ``code`` in a new interpreter; the JSON of its output line starting with ``prefix``."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    line = next((l for l in done.stdout.splitlines() if l.startswith(prefix)), None)
    if line is None or done.returncode:
        raise SystemExit(f"{prefix.strip()} process failed:\n{done.stdout[-2000:]}\n"
                         f"{done.stderr[-2000:]}")
    return json.loads(line[len(prefix):])


# The floor in a process of its own, as a user's would be: in one that had run it before, UMAP's
# uncached functions are compiled already (a repeat's floor took 29 s against 47 s at 1x).
FLOOR = """
import json, sys
from pathlib import Path
sys.path.insert(0, "bench")
from bench_run import floor_seconds
seconds, segments = floor_seconds(Path(sys.argv[1]), Path(sys.argv[2]))
print("FLOOR " + json.dumps({"seconds": seconds, "segments": segments}), flush=True)
"""


def fresh_floor(corpus: Path, cache: Path) -> tuple[float, int]:
    done = _fresh_process(FLOOR, [str(corpus), str(cache)], "FLOOR ", dict(os.environ))
    return done["seconds"], done["segments"]


def floor_seconds(corpus: Path, cache: Path) -> tuple[float, int]:
    """The raw libraries' time for the run's model work on this corpus, run as a user would run
    them: numba keeps in its cache folder only the UMAP functions umap marks for caching, so this
    compiles the rest (about 15 s) where qualkit's runs load them (:mod:`qualkit.compiled`)."""
    os.environ["NUMBA_CACHE_DIR"] = str(cache / "numba")
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    from qualkit.embeddings import load_encoder
    from qualkit.ingest import read_inputs
    from qualkit.resources import english_pipeline
    from qualkit.segment import Segmenter
    from qualkit.typology import with_questions

    found = read_inputs([corpus], segmenter=Segmenter(all_speakers=True))
    answered = with_questions(found.segments)
    texts = answered["text"].tolist()
    nlp, encoder = english_pipeline(), load_encoder()
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=64):
        pass
    vectors = encoder.encode(texts, batch_size=64, show_progress_bar=False)
    encoder.encode(answered["context"].tolist(), batch_size=64, show_progress_bar=False)
    BERTopic(umap_model=UMAP(n_components=5, random_state=42),
             hdbscan_model=HDBSCAN(min_cluster_size=10)).fit_transform(texts, vectors)
    return time.perf_counter() - start, len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="copies of the sample, comma-separated")
    parser.add_argument("--repeats", type=int, default=1,
                        help="new projects, replays and floors per scale, taken in turn; the best "
                             "of each is reported (noise on a shared machine only adds time)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        cache = Path(workdir) / "cache"  # empty: the first scale's first run is a cold one
        for n, scale in enumerate(int(s) for s in args.scales.split(",")):
            corpus = Path(workdir) / f"corpus_{scale}"
            files = replicate(corpus, scale)
            runs = {"cold": timed_run(corpus, Path(workdir) / f"cold_{scale}", cache)} \
                if n == 0 else {}
            kept = Path(workdir) / f"calls_{scale}.pkl"
            trials = []  # (new project, the replay of its calls, the floor), in turn per repeat
            for r in range(args.repeats):
                made = timed_run(corpus, Path(workdir) / f"out_{scale}_{r}", cache, keep_calls=kept)
                replayed, floored = replay(kept, cache), fresh_floor(corpus, cache)
                kept.unlink()
                trials.append((made, replayed, floored))
                if args.repeats > 1:
                    print(f"{scale}x repeat {r + 1}: new project {made['seconds']:.1f}s, replay "
                          f"{replayed['seconds']:.1f}s, floor {floored[0]:.1f}s")
            runs["new project"] = first = min((t[0] for t in trials), key=lambda t: t["seconds"])
            same = min((t[1] for t in trials), key=lambda t: t["seconds"])
            floor, segments = min(t[2] for t in trials)
            runs["second"] = second = timed_run(corpus, Path(workdir) / f"out_{scale}_0", cache)
            for name, timed in runs.items():
                stages = ", ".join(f"{k} {v}" for k, v in timed["stages"].items())
                peaks = ", ".join(f"{k} {v}" for k, v in timed["stage_peak_mb"].items())
                inside = ", ".join(f"{k} {v:.1f}s" for k, v in timed["inside"].items())
                print(f"{scale}x {name} run: {timed['seconds']:.1f}s ({stages}); peak "
                      f"{timed['peak_mb']:.0f} MB (by the end of each stage: {peaks}); inside "
                      f"the libraries' calls: {inside}; texts parsed {timed['texts']['spacy']:,}, "
                      f"embedded {timed['texts']['sentence_transformers']:,}")
            print(f"{scale}x: {len(files)} files, {segments:,} respondent segments; raw libraries "
                  f"{floor:.1f}s, parsing {segments:,} texts and embedding {2 * segments:,}")
            extra = {}
            if "cold" in runs:
                cold = runs["cold"]
                extra = dict(cold_run_s=round(cold["seconds"], 1),
                             cold_ratio=round(cold["seconds"] / floor, 2),
                             cold_second_speedup=round(cold["seconds"] / second["seconds"], 1),
                             topics_cold_s=cold["stages"]["topics"],
                             topics_warm_s=first["stages"]["topics"])
                saved = cold["stages"]["topics"] - first["stages"]["topics"]
                print(f"numba's cache saved {saved:.1f}s of the topics stage")
            parts = ", ".join(f"{k} {v:.1f}s" for k, v in same["parts"].items())
            warm = same["seconds"] - same["parts"]["bertopic"] + same["bertopic_compiled"]
            print(f"{scale}x raw libraries making the new project's {same['calls']} calls: "
                  f"{same['seconds']:.1f}s ({parts}); {warm:.1f}s with BERTopic fitted again, "
                  f"UMAP compiled ({same['bertopic_compiled']:.1f}s)")
            in_libraries = sum(first["inside"].values())
            report(f"qualkit run {scale}x, new project (vs raw libraries)", first["seconds"], floor,
                   f"{segments:,} segments", **extra, in_libraries_s=round(in_libraries, 1),
                   same_calls_ratio=round(first["seconds"] / in_libraries, 2),
                   second_run_s=round(second["seconds"], 1),
                   second_run_speedup=round(first["seconds"] / second["seconds"], 1),
                   run_peak_mb=round(max(t["peak_mb"] for t in runs.values())))
            report(f"qualkit run {scale}x, new project (vs the same calls, raw)", first["seconds"],
                   same["seconds"], f"{same['calls']} calls", raw_umap_compiled_s=round(warm, 1),
                   umap_compiled_ratio=round(first["seconds"] / warm, 2),
                   run_peak_mb=round(first["peak_mb"]))

if __name__ == "__main__":
    main()
