"""What every coder shares: scikit-learn's predict/predict_proba on top of one ``score`` method.

A coder's ``score(X)`` returns (scores, rationales) in one pass, so the evidence shown to a
researcher is always the computation that produced the number, never a second, separate guess.

A fitted coder is kept between processes as data, never as an object (see :mod:`qualkit.cache`):
each coder's ``to_data()`` gives (JSON-able dict, named numpy arrays), and ``from_data(codebook,
embedder, meta, arrays)`` rebuilds it, checking every value and raising :class:`BadData` for
anything ``to_data`` would not have written. The helpers below do those checks.
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


class BadData(ValueError):
    """Stored coder state that is not what ``to_data`` writes (a malformed or tampered cache
    entry): the cache ignores it and trains afresh."""


def _number(value) -> bool:
    """A finite int or float (JSON's numbers; a bool is not one)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def params_of(coder: BaseEstimator) -> dict:
    """The constructor parameters of ``coder`` but its codebook and embedder, as plain data."""
    return {name: value for name, value in coder.get_params(deep=False).items()
            if name not in ("codebook", "embedder")}


def params_from(cls: type, meta: dict) -> dict:
    """The parameters :func:`params_of` kept in ``meta['params']``, each checked against the type
    of its default (an int stays an int: ``k=3.0`` would fail only later, when coding)."""
    defaults = params_of(cls())
    stored = meta.get("params") if isinstance(meta, dict) else None
    if not isinstance(stored, dict) or set(stored) != set(defaults):
        raise BadData(f"{cls.__name__}: parameters {stored!r}")
    for name, value in stored.items():
        default = defaults[name]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        elif isinstance(default, float):
            ok = _number(value)
        else:  # None by default: random_state, or the ensemble's weights
            ok = value is None or _number(value) or (
                isinstance(value, dict) and all(isinstance(k, str) and _number(v)
                                                for k, v in value.items()))
        if not ok:
            raise BadData(f"{cls.__name__}: {name}={value!r}")
    return stored


def stored_array(arrays: dict, name: str, dtype, shape: tuple) -> np.ndarray:
    """``arrays[name]``, which must have exactly ``dtype`` and ``shape`` (None: any length)."""
    value = arrays.get(name)
    if (not isinstance(value, np.ndarray) or value.dtype != np.dtype(dtype)
            or value.ndim != len(shape)
            or any(want is not None and got != want for got, want in zip(value.shape, shape))):
        raise BadData(f"array {name!r}")
    return value


def stored_strings(value, unique: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (
            unique and len(set(value)) != len(value)):
        raise BadData("a list of strings")
    return value


def stored_numbers(value, keys) -> dict[str, float]:
    """A dict of finite numbers with exactly ``keys``, in ``keys``' order."""
    if not isinstance(value, dict) or set(value) != set(keys) or not all(
            _number(v) for v in value.values()):
        raise BadData("a dict of numbers")
    return {key: float(value[key]) for key in keys}


def expect_keys(arrays: dict, names) -> None:
    if set(arrays) != set(names):
        raise BadData(f"arrays {sorted(arrays)}")
