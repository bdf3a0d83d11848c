"""Learned coder: a classifier trained on human codings ("autocode using existing coding pattern").

One logistic regression per code over the segment's embedding and its word n-grams, trained on
every human-coded segment available plus the codebook's own examples. Decision thresholds are chosen
by cross-validation on the training data, never on what is being coded, so the more segments people
code, the better the suggestions and the more honest the thresholds.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from ..embeddings import Embedder
from .base import Coder
from .codebook import Codebook

UNKNOWN = -1  # in label matrices: this segment was not judged for this code


class LearnedCoder(Coder):
    """Per-code logistic regression on [embedding | tf-idf n-grams], thresholds by CV.

    ``y`` for :meth:`fit` is an (n_segments, n_codes) matrix in codebook order holding 1, 0 or
    ``UNKNOWN``; codes with fewer than ``min_positive`` positives (or negatives) are not learned and
    score NaN. ``groups`` (e.g. case ids) keep one interview's segments in one CV fold.
    """

    def __init__(self, codebook: Codebook | None = None, embedder: Embedder | None = None,
                 C: float = 4.0, cv: int = 5, min_positive: int = 6, text_weight: float = 3.0,
                 random_state: int = 0) -> None:
        self.codebook = codebook
        self.embedder = embedder
        self.C = C
        self.cv = cv
        self.min_positive = min_positive
        self.text_weight = text_weight
        self.random_state = random_state

    def fit(self, X: Sequence[str], y: np.ndarray, groups: Sequence[str] | None = None,
            sample_weight: Sequence[float] | None = None) -> "LearnedCoder":
        self.classes_ = self.codebook.ids
        self.embedder_ = self.embedder or Embedder()
        y = np.asarray(y)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                           token_pattern=r"(?u)\b\w[\w']*\b").fit(X)
        features = self._features(X)
        self.models_: dict[str, LogisticRegression] = {}
        self.thresholds_: dict[str, float] = {}
        self.oof_proba_ = np.full(y.shape, np.nan)
        for j, code_id in enumerate(self.classes_):
            known = np.flatnonzero(y[:, j] != UNKNOWN)
            labels = y[known, j]
            if min(labels.sum(), len(labels) - labels.sum()) < self.min_positive:
                continue
            self.models_[code_id] = self._model().fit(features[known], labels,
                                                      sample_weight=weight[known])
            oof = self._out_of_fold(features[known], labels,
                                    None if groups is None else np.asarray(groups)[known],
                                    weight[known])
            self.oof_proba_[known, j] = oof
            self.thresholds_[code_id] = best_threshold(labels, oof)
        return self

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000,
                                  solver="liblinear", random_state=self.random_state)

    def _features(self, X: Sequence[str]):
        embedded = sp.csr_matrix(self.embedder_.encode(list(X)))
        words = self.vectorizer_.transform(X) * self.text_weight
        return sp.hstack([embedded, words]).tocsr()

    def _out_of_fold(self, features, labels: np.ndarray, groups, weight: np.ndarray) -> np.ndarray:
        folds = min(self.cv, int(min(labels.sum(), len(labels) - labels.sum())))
        if groups is not None and len(set(groups)) >= folds:
            splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True,
                                            random_state=self.random_state)
            splits = splitter.split(features, labels, groups)
        else:
            splits = StratifiedKFold(n_splits=folds, shuffle=True,
                                     random_state=self.random_state).split(features, labels)
        oof = np.zeros(len(labels))
        for train, test in splits:
            if len(set(labels[train])) < 2:
                oof[test] = labels[train].mean()
                continue
            model = self._model().fit(features[train], labels[train], sample_weight=weight[train])
            oof[test] = model.predict_proba(features[test])[:, 1]
        return oof

    def thresholds(self) -> np.ndarray:
        return np.array([self.thresholds_.get(c, np.inf) for c in self.classes_])

    def score(self, X: Sequence[str]) -> tuple[np.ndarray, list[dict[str, str]]]:
        """All codes' probabilities in one product of the features with the stacked coefficients
        (what each model's ``predict_proba`` computes, one code at a time), and for each segment a
        code is suggested for, the n-grams that pushed it there most."""
        from scipy.special import expit

        features = self._features(X)
        scores = np.full((len(X), len(self.classes_)), np.nan)
        rationales: list[dict[str, str]] = [{} for _ in X]
        learned = [j for j, code_id in enumerate(self.classes_) if code_id in self.models_]
        if not learned:
            return scores, rationales
        models = [self.models_[self.classes_[j]] for j in learned]
        coefficients = np.vstack([model.coef_[0] for model in models])
        decision = features @ coefficients.T + np.array([model.intercept_[0] for model in models])
        scores[:, learned] = expit(decision)
        names = self.vectorizer_.get_feature_names_out()
        words = features[:, -len(names):]
        for j, model in zip(learned, models):
            code_id = self.classes_[j]
            rows = np.flatnonzero(scores[:, j] >= self.thresholds_[code_id])
            if not len(rows):
                continue
            pushed = words[rows].multiply(model.coef_[0, -len(names):]).tocsr()
            for k, row in enumerate(rows):
                data = pushed.data[pushed.indptr[k]:pushed.indptr[k + 1]]
                columns = pushed.indices[pushed.indptr[k]:pushed.indptr[k + 1]]
                order = np.argsort(data)[::-1][:3]
                terms = [names[columns[i]] for i in order if data[i] > 0]
                rationales[row][code_id] = (f"model p={scores[row, j]:.2f}"
                                            + (f", top terms: {', '.join(terms)}" if terms else ""))
        return scores, rationales


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The cut-off on ``scores`` with the best F1 against ``labels`` (midpoint between scores)."""
    order = np.argsort(scores)[::-1]
    sorted_scores, sorted_labels = scores[order], labels[order]
    tp = np.cumsum(sorted_labels)
    predicted = np.arange(1, len(labels) + 1)
    f1 = 2 * tp / (predicted + labels.sum())
    # only cut between distinct scores
    distinct = np.append(sorted_scores[1:] < sorted_scores[:-1], True)
    best = int(np.argmax(np.where(distinct, f1, -1)))
    upper = sorted_scores[best]
    lower = sorted_scores[best + 1] if best + 1 < len(sorted_scores) else upper - 1e-6
    return float((upper + lower) / 2)
