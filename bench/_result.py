"""One machine-readable line per benchmark, for bench/run_all.py's table: times and peak memory."""

from __future__ import annotations

import json
import resource


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def report(name: str, qualkit_s: float, raw_s: float | None, work: str, **extra) -> None:
    ratio = round(qualkit_s / raw_s, 2) if raw_s else None
    print("RESULT " + json.dumps({"name": name, "qualkit_s": round(qualkit_s, 2),
                                  "raw_s": round(raw_s, 2) if raw_s else None, "ratio": ratio,
                                  "peak_mb": peak_mb(), "work": work, **extra}), flush=True)
