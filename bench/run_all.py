"""Every benchmark, each in a fresh process, summed up in one table of ratios and peak memory.

    python bench/run_all.py                      # quick sizes (about 15 minutes on 2 cores)
    python bench/run_all.py --scales 1,10,100    # the run's scaling up to 100x the sample
    python bench/run_all.py --memory-copies 100  # adds the 100x peak memory alone (about an hour)

A ratio is qualkit's time over the raw libraries' time for the same work in the same process
(lower is better; 1.0 means no overhead). Timings vary run to run on shared machines: compare ratios
from one run of this script, not across machines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> list[dict]:
    done = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True,
                          text=True)
    results = [json.loads(line[7:]) for line in done.stdout.splitlines()
               if line.startswith("RESULT ")]
    if done.returncode or not results:
        print(f"{script} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--run-repeats", default="1", help="bench_run.py's --repeats")
    parser.add_argument("--memory-copies", help="bench_memory.py's --copies (not run by default)")
    args = parser.parse_args()
    rows = [*run("bench_import.py", "--words", "1000000", "--repeats", "2"),
            *run("bench_code.py", "--words", "200000"),
            *run("bench_topics.py", "--copies", "2", "--repeats", "2"),
            *run("bench_run.py", "--scales", args.scales, "--repeats", args.run_repeats)]
    if args.memory_copies:
        rows += run("bench_memory.py", "--copies", args.memory_copies)
    print(f"{'benchmark':52}{'work':>18}{'qualkit s':>11}{'raw s':>9}{'ratio':>7}{'peak MB':>9}")
    for row in rows:
        raw = f"{row['raw_s']:9.1f}" if row["raw_s"] else f"{'-':>9}"
        ratio = f"{row['ratio']:7.2f}" if row["ratio"] else f"{'-':>7}"
        peak = row.get("run_peak_mb", row["peak_mb"])
        print(f"{row['name']:52}{row['work']:>18}{row['qualkit_s']:11.1f}{raw}{ratio}{peak:9.0f}")
        extra = {k: v for k, v in row.items() if k.endswith(("_s", "speedup", "_ratio")) and
                 k not in ("qualkit_s", "raw_s")}
        if extra:
            print(" " * 4 + ", ".join(f"{k} {v}" for k, v in extra.items()))


if __name__ == "__main__":
    main()
