"""Peak memory of one ``qualkit run`` on the sample replicated N times (100 by default), the scale of
issue 9's 4 GB target, without the floor and replay that ``bench_run.py`` adds at every scale
(at 100x those would take hours more on 2 cores).

The run is ``qualkit.run.run`` with the gate and detector ``qualkit run`` builds, in this process,
into a new project with an empty shared cache (the coders are trained, as on a new machine). It
prints the peak resident memory by the end of each stage; HDBSCAN's worker processes are not
counted. Run: ``python bench/bench_memory.py [--copies 100]`` (about an hour at 100x on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _replicate import replicate  # noqa: E402
from _result import report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="copies of the sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        os.environ["QUALKIT_CACHE_DIR"] = str(Path(workdir) / "cache")
        from qualkit.cli import DEFAULT_CODEBOOK, DEFAULT_TYPOLOGY, make_gate
        from qualkit.ingest import find_case_sheet
        from qualkit.privacy import build_detector
        from qualkit.run import run

        corpus = Path(workdir) / "corpus"
        files = replicate(corpus, args.copies)
        cases = find_case_sheet([corpus])
        start = time.perf_counter()
        summary = run([corpus], Path(workdir) / "out", codebook_path=DEFAULT_CODEBOOK,
                      typology_path=DEFAULT_TYPOLOGY, cases=cases,
                      gate=make_gate(False, False, None, None, cases),
                      detector=build_detector(None, None, cases))
        seconds = time.perf_counter() - start
    stages = ", ".join(f"{k} {v}" for k, v in summary.seconds.items())
    peaks = ", ".join(f"{k} {v}" for k, v in summary.peak_mb.items())
    print(f"{args.copies}x: {len(files)} files, {summary.segments:,} respondent segments, "
          f"{summary.topics} topics, {summary.quotes} quotes; {seconds:.1f}s ({stages}); peak MB "
          f"by the end of each stage: {peaks}; skipped: {summary.skipped or 'nothing'}")
    report(f"qualkit run {args.copies}x, memory", seconds, None, f"{summary.segments:,} segments",
           run_peak_mb=max(summary.peak_mb.values()))


if __name__ == "__main__":
    main()
