"""Peak memory of one ``qualkit run`` on the sample replicated N times (100 by default), the scale of
issue 9's 4 GB target, without the floor and replay that ``bench_run.py`` adds at every scale
(at 100x those would take hours more on 2 cores).

The run is ``bench_run``'s: ``qualkit run`` in a fresh process, here into a new project with an
empty shared cache (the coders are trained, as on a new machine). It prints the peak resident
memory by the end of each stage; HDBSCAN's worker processes are not counted.
Run: ``python bench/bench_memory.py [--copies 100]`` (about an hour at 100x on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _replicate import replicate  # noqa: E402
from _result import report  # noqa: E402
from bench_run import timed_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="copies of the sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        files = replicate(Path(workdir) / "corpus", args.copies)
        timed = timed_run(Path(workdir) / "corpus", Path(workdir) / "out", Path(workdir) / "cache")
    stages = ", ".join(f"{k} {v}" for k, v in timed["stages"].items())
    peaks = ", ".join(f"{k} {v}" for k, v in timed["stage_peak_mb"].items())
    print(f"{args.copies}x: {len(files)} files; {timed['seconds']:.1f}s ({stages}); peak "
          f"{timed['peak_mb']:.0f} MB (by the end of each stage: {peaks})")
    report(f"qualkit run {args.copies}x, memory", timed["seconds"], None, f"{len(files):,} files",
           run_peak_mb=round(timed["peak_mb"]))


if __name__ == "__main__":
    main()
