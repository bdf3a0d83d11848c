"""Cross-validated agreement: how well would the coders do on interviews they were not trained on?

Folds are whole cases (all of one interview's segments on one side), the learned coder and every
threshold are fitted inside each training fold only, and the held-out fold is coded exactly as
``qualkit code`` would code new data. The pooled out-of-fold decisions are then compared with the
human codes, per code and overall.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from ..agreement import agreement_table
from ..embeddings import Embedder
from ..errors import Errors, QualkitError
from ..intervals import Bootstrap
from .codebook import Codebook
from .ensemble import CodingEnsemble
from .labels import read_training


def cross_validate(codebook: Codebook, sheets: Sequence[str | Path], folds: int = 5,
                   codes: Sequence[str] | None = None, embedder: Embedder | None = None,
                   also_train_on: Sequence = (), random_state: int = 0,
                   bootstrap: Bootstrap | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(agreement table, out-of-fold predictions) for human-coded ``sheets``, folded by case.

    ``also_train_on`` sheets (paths or (path, weight)) join every training fold but are never
    scored: e.g. the codebook's other training sheets, to estimate the coder as shipped.
    ``bootstrap`` adds intervals to the table, drawn over the pooled out-of-fold segments.
    """
    from . import hierarchical

    texts, y, groups, weights = read_training(codebook, list(sheets))
    extra_texts, extra_y, extra_groups, extra_weights = read_training(codebook, list(also_train_on))
    embedder = embedder or Embedder()
    decisions = np.zeros_like(y)
    scores = np.zeros(y.shape, dtype=float)
    texts_array = np.array(texts, dtype=object)
    if len(set(groups)) < folds:
        raise QualkitError(Errors.E079, folds=folds, groups=len(set(groups)))
    for train, test in GroupKFold(n_splits=folds).split(texts, groups=groups):
        coder = CodingEnsemble(codebook, embedder=embedder, random_state=random_state).fit(
            list(texts_array[train]) + extra_texts, np.vstack([y[train], extra_y]),
            [groups[i] for i in train] + extra_groups, [weights[i] for i in train] + extra_weights)
        result = coder.code(list(texts_array[test]))
        decisions[test] = hierarchical(result.decisions, codebook)
        scores[test] = result.scores
    codes = list(codes or [c for j, c in enumerate(codebook.ids) if (y[:, j] >= 0).all()])
    index = [codebook.ids.index(c) for c in codes]
    ids = [f"row{i}" for i in range(len(texts))]
    gold = pd.DataFrame(y[:, index], columns=codes).assign(id=ids)
    predicted = pd.DataFrame(decisions[:, index], columns=codes).assign(id=ids)
    table = agreement_table(gold, predicted, codes, bootstrap=bootstrap)
    out_of_fold = pd.DataFrame({"text": texts, "case": groups})
    for j, code in zip(index, codes):
        out_of_fold[code] = decisions[:, j]
        out_of_fold[f"{code}_gold"] = y[:, j]
        out_of_fold[f"{code}_score"] = scores[:, j]
    return table, out_of_fold
