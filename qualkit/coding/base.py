"""What every coder shares: scikit-learn's predict/predict_proba on top of one ``score`` method.

A coder's ``score(X)`` returns (scores, rationales) in one pass, so the evidence shown to a
researcher is always the computation that produced the number, never a second, separate guess.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator


class Coder(BaseEstimator):
    """Base for the rule, semantic and learned coders (codes in codebook order)."""

    def score(self, X: Sequence[str]) -> tuple[np.ndarray, list[dict[str, str]]]:
        raise NotImplementedError

    def thresholds(self) -> np.ndarray:
        """Per-code cut-offs for :meth:`predict`; 0.5 unless a coder learns its own."""
        return np.full(len(self.classes_), 0.5)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        return self.score(X)[0]

    def predict(self, X: Sequence[str]) -> np.ndarray:
        scores = np.nan_to_num(self.predict_proba(X), nan=0.0)
        return (scores >= self.thresholds()).astype(int)
