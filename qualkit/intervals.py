"""Bootstrap intervals for agreement figures: how far a figure could move with another gold set of
the same size.

A gold set of a few hundred segments with a dozen positives gives an F1 that could as easily have
been 0.65 as 0.85; a figure printed without its interval claims more than was measured. The
percentile bootstrap resamples the segments (with replacement, as many as there are), recomputes
every figure on each resample from its 2x2 table, and keeps the middle 95% of the results.
Segments are resampled, not single decisions, so a segment's codes move together.

A resample can leave a figure undefined: no predicted positives (precision), no gold positives
(recall), neither (F1), or both codings constant (kappa). Such resamples are skipped for that
figure and the usable ones counted. When fewer than half are usable the interval is left blank
(NaN): the usable ones are then a selection of the draws, not a sample of what another gold set
would give, and an interval from them would look precise for the wrong reason.

The draws are ``numpy.random.default_rng(seed).integers(0, n, size=(resamples, n))``, taken in
blocks of rows (which yield the same numbers) so that memory stays bounded; each resample becomes a
row of counts (how often each segment was drawn), and one matrix product gives every code's 2x2
table in every resample at once. Segments of one interview are not independent, so on a gold set
of few cases these intervals are, if anything, too narrow: they are the least uncertainty there is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from .errors import Errors, QualkitError

METRICS = ("precision", "recall", "f1", "kappa")
INTERVAL_COLUMNS = ([f"{metric}_{end}" for metric in METRICS for end in ("low", "high")]
                    + [f"{metric}_usable" for metric in METRICS])
LEAST_RESAMPLES = 100  # below this the 2.5th and 97.5th percentiles rest on two or three draws
NEEDS = {"precision": "a predicted positive", "recall": "a gold positive",
         "f1": "a positive in either coding", "kappa": "both 0s and 1s among its decisions"}
_BLOCK_CELLS = 2_000_000  # resamples x segments drawn at once: about 16 MB of counts per block


@dataclass(frozen=True)
class Bootstrap:
    """How the intervals are drawn: ``resamples`` draws from ``seed``, ``level`` coverage, and the
    share of usable resamples below which an interval is left blank."""

    resamples: int = 1000
    seed: int = 0
    level: float = 0.95
    min_usable: float = 0.5

    def __post_init__(self) -> None:
        if self.resamples < LEAST_RESAMPLES:
            raise QualkitError(Errors.E190, value=self.resamples, least=LEAST_RESAMPLES,
                               level=f"{self.level:.0%}")
        if not 0 < self.level < 1 or not 0 < self.min_usable <= 1:
            raise ValueError(f"level must lie in (0, 1) and min_usable in (0, 1], not "
                             f"{self.level} and {self.min_usable}")

    @property
    def percentiles(self) -> tuple[float, float]:
        """The two percentiles that bound the interval, e.g. (2.5, 97.5) for 95%."""
        tail = round(50 * (1 - self.level), 10)  # round: 50 * (1 - 0.95) is 2.5000000000000022
        return tail, 100 - tail

    def note(self, segments: int) -> str:
        """The line a table of intervals is printed with, so that it can be reproduced."""
        return (f"{self.level:.0%} bootstrap intervals over {segments} segments, "
                f"{self.resamples} resamples, seed {self.seed}")


def figures(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray
            ) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and Cohen's kappa from arrays of 2x2 counts, NaN where a denominator
    is 0: the same formulas as :func:`qualkit.agreement.binary_agreement`, element-wise."""
    n = tp + fp + fn + tn
    a_pos, b_pos = tp + fn, tp + fp
    chance = a_pos * b_pos + (n - a_pos) * (n - b_pos)
    return {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "kappa": _ratio(n * (tp + tn) - chance, n * n - chance)}


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    defined = denominator != 0
    return np.where(defined, numerator / np.where(defined, denominator, 1), np.nan)


def resample_counts(n: int, settings: Bootstrap) -> Iterator[np.ndarray]:
    """Blocks of resamples as counts: row r, column i is how often segment i was drawn into
    resample r (float, so that the matrix products below use BLAS; integers stay exact)."""
    rng = np.random.default_rng(settings.seed)
    block = max(1, _BLOCK_CELLS // n)
    for start in range(0, settings.resamples, block):
        rows = min(block, settings.resamples - start)
        drawn = rng.integers(0, n, size=(rows, n)) + n * np.arange(rows)[:, None]
        yield np.bincount(drawn.ravel(), minlength=rows * n).reshape(rows, n).astype(float)


def bootstrap_intervals(reference: np.ndarray, other: np.ndarray, codes: Sequence[str],
                        settings: Bootstrap = Bootstrap(), overall: bool = True) -> pd.DataFrame:
    """Interval bounds per code for 0/1 matrices (segments x codes) of the reference (gold) and
    the other coding, plus an 'overall' row that pools every code's decisions, as
    :func:`qualkit.agreement.agreement_table` does. Indexed by code; columns INTERVAL_COLUMNS."""
    a, b = np.asarray(reference, dtype=float), np.asarray(other, dtype=float)
    if a.ndim != 2 or a.shape != b.shape or a.shape[1] != len(codes) or not len(a):
        raise ValueError(f"reference and other must be the same (segments x {len(codes)} codes) "
                         f"shape with at least one segment, not {a.shape} and {b.shape}")
    both = a * b
    draws: dict[str, list[np.ndarray]] = {metric: [] for metric in METRICS}
    for weights in resample_counts(len(a), settings):
        tp, a_pos, b_pos = weights @ both, weights @ a, weights @ b
        tn = len(a) - a_pos - b_pos + tp
        counts = [tp, b_pos - tp, a_pos - tp, tn]
        if overall:
            counts = [np.column_stack([c, c.sum(axis=1)]) for c in counts]
        for metric, values in figures(*counts).items():
            draws[metric].append(values)
    names = list(codes) + (["overall"] if overall else [])
    columns = {}
    for metric in METRICS:
        bounds = [_bounds(column, settings) for column in np.vstack(draws[metric]).T]
        columns[f"{metric}_low"] = [low for low, _, _ in bounds]
        columns[f"{metric}_high"] = [high for _, high, _ in bounds]
        columns[f"{metric}_usable"] = [usable for _, _, usable in bounds]
    return pd.DataFrame(columns, index=pd.Index(names, name="code"))[INTERVAL_COLUMNS]


def _bounds(values: np.ndarray, settings: Bootstrap) -> tuple[float, float, int]:
    usable = values[np.isfinite(values)]
    if len(usable) < settings.min_usable * settings.resamples:
        return math.nan, math.nan, len(usable)
    low, high = np.percentile(usable, settings.percentiles)
    return float(low), float(high), len(usable)


def blank_intervals(table: pd.DataFrame, settings: Bootstrap) -> list[dict]:
    """Per code whose table row leaves an interval blank, the fields of the note saying which and
    why (E191): the figures, their usable resamples, and what each figure needs of a resample."""
    notes = []
    for _, row in table.iterrows():
        blank = [metric for metric in METRICS if math.isnan(row[f"{metric}_low"])]
        if blank:
            notes.append({
                "code": row["code"], "figures": ", ".join(blank), "resamples": settings.resamples,
                "share": f"{settings.min_usable:.0%}",
                "usable": ", ".join(str(int(row[f"{metric}_usable"])) for metric in blank),
                "why": "; ".join(f"{metric} needs {NEEDS[metric]}" for metric in blank)})
    return notes
