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
from .base import (BadData, Coder, expect_keys, params_from, params_of, stored_array,
                   stored_numbers, stored_strings)
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
        self.vectorizer_ = self._vectorizer().fit(X)
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

    def _vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                               token_pattern=r"(?u)\b\w[\w']*\b")

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The fitted state as data: the vocabulary in column order, the thresholds and which
        codes have a model (JSON); idf weights, the models' stacked coefficients, intercepts,
        classes and iteration counts, and the out-of-fold scores (arrays)."""
        vocabulary = self.vectorizer_.vocabulary_
        terms = sorted(vocabulary, key=vocabulary.get)
        if [int(vocabulary[t]) for t in terms] != list(range(len(terms))):
            raise ValueError("the vocabulary's columns are not 0..n-1")
        ids = [c for c in self.classes_ if c in self.models_]
        models = [self.models_[c] for c in ids]
        features = int(models[0].n_features_in_) if models else None
        arrays = {
            "idf": np.asarray(self.vectorizer_.idf_, dtype=np.float64),
            "coef": (np.vstack([m.coef_ for m in models]) if models
                     else np.zeros((0, 0), dtype=np.float64)),
            "intercept": np.array([m.intercept_[0] for m in models], dtype=np.float64),
            "classes": np.array([m.classes_ for m in models], dtype=np.int64).reshape(-1, 2),
            "n_iter": (np.array([m.n_iter_ for m in models], dtype=np.int32).reshape(len(ids), -1)
                       if models else np.zeros((0, 1), dtype=np.int32)),
            "oof_proba": np.asarray(self.oof_proba_, dtype=np.float64),
        }
        meta = {"params": params_of(self), "vocabulary": terms, "models": ids,
                "features": features, "thresholds": {c: float(self.thresholds_[c]) for c in ids}}
        return meta, arrays

    @classmethod
    def from_data(cls, codebook: Codebook, embedder: Embedder | None, meta: dict,
                  arrays: dict[str, np.ndarray]) -> "LearnedCoder":
        """The coder :meth:`fit` made, from :meth:`to_data`'s output: the vectorizer and each
        logistic regression get their fitted attributes back (scikit-learn has no serialisation
        that stores data only), and predict what the fitted ones did, bit for bit."""
        coder = cls(codebook, embedder, **params_from(cls, meta))
        coder.classes_ = codebook.ids
        coder.embedder_ = embedder or Embedder()
        expect_keys(arrays, ("idf", "coef", "intercept", "classes", "n_iter", "oof_proba"))
        terms = stored_strings(meta.get("vocabulary"), unique=True)
        ids = stored_strings(meta.get("models"), unique=True)
        if not set(ids) <= set(coder.classes_):
            raise BadData("models of codes the codebook lacks")
        ids = [c for c in coder.classes_ if c in ids]  # codebook order, as fit makes them
        if ids != meta["models"]:
            raise BadData("models out of codebook order")
        coder.thresholds_ = stored_numbers(meta.get("thresholds"), ids)
        idf = stored_array(arrays, "idf", np.float64, (len(terms),))
        vectorizer = coder._vectorizer()
        vectorizer.vocabulary_ = {term: column for column, term in enumerate(terms)}
        vectorizer.fixed_vocabulary_ = False
        vectorizer.idf_ = idf.copy()
        vectorizer._tfidf.n_features_in_ = len(terms)
        coder.vectorizer_ = vectorizer
        features = meta.get("features")
        if ids and not (isinstance(features, int) and not isinstance(features, bool)
                        and features > len(terms)):
            raise BadData("features: the embedding's width plus the vocabulary's")
        coef = stored_array(arrays, "coef", np.float64, (len(ids), features if ids else 0))
        intercept = stored_array(arrays, "intercept", np.float64, (len(ids),))
        classes = stored_array(arrays, "classes", np.int64, (len(ids), 2))
        n_iter = stored_array(arrays, "n_iter", np.int32, (len(ids), None))
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()
                and (classes == [0, 1]).all()):
            raise BadData("coefficients or classes")
        coder.models_ = {}
        for i, code_id in enumerate(ids):
            model = coder._model()
            model.coef_ = coef[i:i + 1].copy()
            model.intercept_ = intercept[i:i + 1].copy()
            model.classes_ = classes[i].copy()
            model.n_features_in_ = features
            model.n_iter_ = n_iter[i].copy()
            coder.models_[code_id] = model
        coder.oof_proba_ = stored_array(arrays, "oof_proba", np.float64,
                                        (None, len(coder.classes_))).copy()
        return coder

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
