"""Calibrated probabilities and confidence bands: what a suggestion's score means, and what to do.

A combined score of 0.62 tells a researcher nothing; "of the human-coded segments scored like this,
81% had the code" does, and so does "these 512 suggestions need no second look, these 141 do".
Both are learned per code from out-of-fold scores (the learned coder never scores its own training
rows), so they describe how the coders do on segments they were not trained on:

- the probability is an isotonic fit of the human label on the score: monotone, so it never
  reorders suggestions, and read between its knots by linear interpolation;
- the bands are cut-offs on the same score: *reject* below the code's decision threshold (the
  ensemble does not suggest the code), *auto* from the lowest cut at which the suggestions above
  it reach :data:`AUTO_PRECISION` counting one unseen false positive (so a handful of lucky hits
  never opens the band), *review* in between. A code with too few human codings to measure
  precision has no auto band: every suggestion goes to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression

from .base import BadData

BANDS = ("reject", "review", "auto")  # a band's number is its index here
REJECT, REVIEW, AUTO = range(3)
AUTO_PRECISION = 0.95


@dataclass(frozen=True)
class Calibration:
    """One code's map from combined score to probability, and the score from which a suggestion
    is auto-accepted (``inf``: never)."""

    knots: np.ndarray          # increasing scores
    probabilities: np.ndarray  # non-decreasing, one per knot
    auto: float = np.inf

    @classmethod
    def identity(cls) -> "Calibration":
        """For a code no human has coded: the score stands for the probability, nothing is auto."""
        return cls(np.array([0.0, 1.0]), np.array([0.0, 1.0]))

    @classmethod
    def fit(cls, labels: np.ndarray, scores: np.ndarray, threshold: float) -> "Calibration":
        """From out-of-fold ``scores`` of human-judged segments with 0/1 ``labels``."""
        isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, labels)
        knots, probabilities = isotonic.X_thresholds_, isotonic.y_thresholds_
        if len(knots) < 2:  # one distinct score: a flat map
            knots = np.array([0.0, 1.0])
            probabilities = np.repeat(float(np.mean(labels)), 2)
        return cls(np.asarray(knots, dtype=float), np.asarray(probabilities, dtype=float),
                   max(auto_cut(labels, scores), threshold))

    def probability(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(scores, self.knots, self.probabilities)

    def to_data(self) -> dict:
        return {"knots": self.knots.tolist(), "probabilities": self.probabilities.tolist(),
                "auto": None if np.isinf(self.auto) else float(self.auto)}

    @classmethod
    def from_data(cls, data) -> "Calibration":
        """:meth:`to_data`'s output back; :class:`~.base.BadData` for anything else."""
        if not isinstance(data, dict) or set(data) != {"knots", "probabilities", "auto"}:
            raise BadData("calibration")
        try:
            knots = np.array(data["knots"], dtype=float)
            probabilities = np.array(data["probabilities"], dtype=float)
            auto = np.inf if data["auto"] is None else float(data["auto"])
        except (TypeError, ValueError):
            raise BadData("calibration numbers") from None
        if not (knots.ndim == 1 and knots.shape == probabilities.shape and len(knots) >= 2
                and np.isfinite(knots).all() and (np.diff(knots) > 0).all()
                and ((probabilities >= 0) & (probabilities <= 1)).all()
                and (np.diff(probabilities) >= 0).all() and not np.isnan(auto)):
            raise BadData("calibration: increasing knots, monotone probabilities in [0, 1]")
        return cls(knots, probabilities, auto)


def auto_cut(labels: np.ndarray, scores: np.ndarray, precision: float = AUTO_PRECISION) -> float:
    """The lowest score cut-off whose suggestions reach ``precision`` with one false positive
    added to them (midway between the scores either side of it), or ``inf`` where none does."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], np.cumsum(labels[order])
    taken = np.arange(1, len(ranked) + 1)
    distinct = np.append(ranked[1:] < ranked[:-1], True)  # only cut between different scores
    good = np.flatnonzero(distinct & (hits / (taken + 1) >= precision))
    if not len(good):
        return np.inf
    last = good[-1]
    below = ranked[last + 1] if last + 1 < len(ranked) else ranked[last] - 1e-6
    return float((ranked[last] + below) / 2)


def bands(scores: np.ndarray, thresholds: np.ndarray, autos: np.ndarray) -> np.ndarray:
    """Each score's band number (:data:`REJECT`, :data:`REVIEW`, :data:`AUTO`) for per-code
    ``thresholds`` (the decision) and ``autos`` (columns of ``scores``)."""
    return np.where(scores >= autos, AUTO, np.where(scores >= thresholds, REVIEW, REJECT))
