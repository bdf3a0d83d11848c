"""The ensemble: rules, meaning and learned patterns combined, with a cut-off per code.

No single coder is right everywhere: rules are precise but literal, embeddings generalise but blur
neighbouring themes, the learned model is as good as the human codings behind it. The ensemble takes
a weighted mean of the scores each coder has for a code and applies a per-code threshold chosen by
cross-validation on human codings when there are some (the codebook's, or ``--train``), else the
codebook's threshold or 0.5. The same out-of-fold scores calibrate each code's score into a
probability and cut its bands (:mod:`.calibration`). Every decision keeps each coder's score and
rationale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator

from ..embeddings import Embedder
from .base import BadData, params_from, params_of, stored_numbers
from .calibration import Calibration, bands
from .codebook import Codebook
from .labels import with_examples
from .learned import UNKNOWN, LearnedCoder, best_threshold
from .rules import RuleCoder
from .semantic import SemanticCoder

DEFAULT_WEIGHTS = {"rule": 0.2, "semantic": 0.3, "learned": 0.5}
CODERS = {"rule": RuleCoder, "semantic": SemanticCoder, "learned": LearnedCoder}  # fit's order
MIN_JUDGED = 20  # human-judged segments (with a few positives) needed to tune a code's threshold


@dataclass
class CodingResult:
    """Scores and decisions for a batch of segments, in codebook code order."""

    codes: list[str]
    scores: np.ndarray                       # combined, (n_segments, n_codes)
    decisions: np.ndarray                    # 0/1, same shape
    by_source: dict[str, np.ndarray]         # each coder's own scores (NaN where it has none)
    rationales: list[dict[str, list[str]]]   # per segment: code -> reasons, 'source: reason'
    probabilities: np.ndarray                # calibrated, same shape as scores
    bands: np.ndarray                        # calibration.REJECT / REVIEW / AUTO, same shape


class CodingEnsemble(BaseEstimator):
    """Rule + semantic + learned coders with per-code thresholds (scikit-learn conventions)."""

    def __init__(self, codebook: Codebook | None = None, embedder: Embedder | None = None,
                 weights: dict[str, float] | None = None, cv: int = 5, random_state: int = 0) -> None:
        self.codebook = codebook
        self.embedder = embedder
        self.weights = weights
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: Sequence[str] | None = None, y: np.ndarray | None = None,
            groups: Sequence[str] | None = None,
            sample_weight: Sequence[float] | None = None) -> "CodingEnsemble":
        """Fit on human-coded segments ``X``/``y`` (label matrix in codebook order), if any;
        ``sample_weight`` lets a sheet count for less than the codebook's own examples."""
        codebook = self.codebook
        self.classes_ = codebook.ids
        self.embedder_ = self.embedder or Embedder()
        self.weights_ = dict(DEFAULT_WEIGHTS, **(self.weights or {}))
        X = list(X or [])
        y = np.asarray(y) if y is not None else np.zeros((0, len(self.classes_)), dtype=int)
        groups = list(groups) if groups is not None else ["human"] * len(X)
        weights = list(sample_weight) if sample_weight is not None else [1.0] * len(X)
        # the learned coder trains on the human codings and the codebook's examples (near misses
        # included), each text once
        train = with_examples(codebook, X, y, groups, weights)
        self.coders_ = {
            "rule": RuleCoder(codebook, random_state=self.random_state).fit(),
            "semantic": SemanticCoder(codebook, self.embedder_,
                                      random_state=self.random_state).fit(),
            "learned": LearnedCoder(codebook, self.embedder_, cv=self.cv,
                                    random_state=self.random_state).fit(*train),
        }
        self.thresholds_, self.calibrations_ = self._cuts(X, y)
        return self

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The fitted ensemble as data: its parameters, weights and thresholds and each coder's
        own ``to_data`` (JSON), and the coders' arrays, named '<coder>.<array>'."""
        meta = {"params": params_of(self), "codes": list(self.classes_),
                "weights": {name: float(w) for name, w in self.weights_.items()},
                "thresholds": {c: float(self.thresholds_[c]) for c in self.classes_},
                "calibrations": {c: self.calibrations_[c].to_data() for c in self.classes_},
                "coders": {}}
        arrays = {}
        for name, coder in self.coders_.items():
            meta["coders"][name], own = coder.to_data()
            arrays.update({f"{name}.{key}": value for key, value in own.items()})
        return meta, arrays

    @classmethod
    def from_data(cls, codebook: Codebook, embedder: Embedder | None, meta: dict,
                  arrays: dict[str, np.ndarray]) -> "CodingEnsemble":
        """The ensemble :meth:`fit` made, from :meth:`to_data`'s output, for ``codebook`` (whose
        codes it must have been trained on); raises :class:`~.base.BadData` for anything else."""
        ensemble = cls(codebook, embedder, **params_from(cls, meta))
        if meta.get("codes") != codebook.ids:
            raise BadData("trained on other codes")
        ensemble.classes_ = codebook.ids
        ensemble.embedder_ = embedder or Embedder()
        ensemble.weights_ = stored_numbers(meta.get("weights"),
                                           list(dict(DEFAULT_WEIGHTS, **(ensemble.weights or {}))))
        ensemble.thresholds_ = stored_numbers(meta.get("thresholds"), codebook.ids)
        calibrations = meta.get("calibrations")
        if not isinstance(calibrations, dict) or list(calibrations) != codebook.ids:
            raise BadData("calibrations")
        ensemble.calibrations_ = {c: Calibration.from_data(calibrations[c]) for c in codebook.ids}
        stored = meta.get("coders")
        if not isinstance(stored, dict) or list(stored) != list(CODERS):
            raise BadData("coders")
        if not all(key.split(".", 1)[0] in CODERS for key in arrays):
            raise BadData("arrays of no coder")
        ensemble.coders_ = {
            name: kind.from_data(codebook, ensemble.embedder_, stored[name],
                                 {key.split(".", 1)[1]: value for key, value in arrays.items()
                                  if key.startswith(f"{name}.")})
            for name, kind in CODERS.items()}
        learned = ensemble.coders_["learned"]
        if learned.models_:  # the learned features start with the semantic coder's embedding
            width = ensemble.coders_["semantic"]._vectors.shape[1]
            if next(iter(learned.models_.values())).n_features_in_ != width + len(
                    learned.vectorizer_.vocabulary_):
                raise BadData("the learned coder's features do not fit the embedding")
        return ensemble

    def _cuts(self, X: list[str], y: np.ndarray
              ) -> tuple[dict[str, float], dict[str, Calibration]]:
        """Per code, from out-of-fold scores of the human-coded segments: the best-F1 cut-off,
        and the calibration with its auto-accept cut (codes with too few codings keep the
        codebook's threshold, or 0.5, and no auto band)."""
        thresholds = {c.id: c.threshold or 0.5 for c in self.codebook.codes}
        calibrations = {c: Calibration.identity() for c in self.classes_}
        if not X:
            return thresholds, calibrations
        by_source = self._source_scores(X)[0]
        by_source["learned"] = self.coders_["learned"].oof_proba_[:len(X)]  # never its own fit
        combined = self._combine(by_source)
        for j, code_id in enumerate(self.classes_):
            known = y[:, j] != UNKNOWN
            labels = y[known, j]
            if known.sum() >= MIN_JUDGED and 3 <= labels.sum() < len(labels):
                thresholds[code_id] = best_threshold(labels, combined[known, j])
                calibrations[code_id] = Calibration.fit(labels, combined[known, j],
                                                        thresholds[code_id])
        return thresholds, calibrations

    def confidence(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities and band numbers for combined ``scores`` (codebook order)."""
        probabilities = np.column_stack(
            [self.calibrations_[c].probability(scores[:, j]) for j, c in enumerate(self.classes_)]
        ) if len(scores) else np.zeros_like(scores, dtype=float)
        limits = np.array([self.thresholds_[c] for c in self.classes_])
        autos = np.array([self.calibrations_[c].auto for c in self.classes_])
        return probabilities, bands(scores, limits, autos)

    def _source_scores(self, X: Sequence[str]):
        by_source, reasons = {}, {}
        for name, coder in self.coders_.items():
            by_source[name], reasons[name] = coder.score(X)
        by_source["rule"] = self._family_max(by_source["rule"])
        return by_source, reasons

    def _family_max(self, scores: np.ndarray) -> np.ndarray:
        """A rule that fires for a sub-code is evidence for each of its ancestors."""
        scores = scores.copy()
        index = {c: j for j, c in enumerate(self.classes_)}
        for code in self.codebook.codes:
            for ancestor in self.codebook.ancestors(code.id):
                scores[:, index[ancestor]] = np.maximum(scores[:, index[ancestor]],
                                                        scores[:, index[code.id]])
        return scores

    def _combine(self, by_source: dict[str, np.ndarray]) -> np.ndarray:
        total = np.zeros_like(by_source["rule"], dtype=float)
        weight = np.zeros_like(total)
        for name, scores in by_source.items():
            present = ~np.isnan(scores)
            total += np.where(present, scores, 0.0) * self.weights_[name]
            weight += present * self.weights_[name]
        return np.divide(total, weight, out=np.zeros_like(total), where=weight > 0)

    def code(self, X: Sequence[str]) -> CodingResult:
        """Score and decide every code for each segment, keeping the evidence."""
        X = list(X)
        by_source, reasons = self._source_scores(X)
        scores = self._combine(by_source)
        limits = np.array([self.thresholds_[c] for c in self.classes_])
        decisions = (scores >= limits).astype(int)
        rationales = []
        for row in range(len(X)):
            merged: dict[str, list[str]] = {}
            for name in ("rule", "semantic", "learned"):
                for code_id, reason in reasons[name][row].items():
                    merged.setdefault(code_id, []).append(f"{name}: {reason}")
            rationales.append(merged)
        return CodingResult(list(self.classes_), scores, decisions, by_source, rationales,
                            *self.confidence(scores))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        return self.code(X).scores

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.code(X).decisions
