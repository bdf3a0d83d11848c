"""Human codings as label matrices: the wide CSV format that coders, evaluation and training share.

A coding sheet has one row per segment, an ``id`` (or ``segment_id``) column, the ``text``, and either
one 0/1 column per code id or a ``codes``/``themes`` column of ';'-separated ids. A positive sub-code
makes its ancestors positive; a code the sheet never mentions is *unknown* for every row, not
negative, so a sheet coded only at theme level trains theme models and leaves sub-codes alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Errors, QualkitError
from ..importers import read_table
from .codebook import Codebook
from .examples import codebook_examples, same_text
from .learned import UNKNOWN

LIST_COLUMNS = ("codes", "themes")


def id_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in ("id", "segment_id") if c in frame.columns), None)


def label_matrix(codebook: Codebook, frame: pd.DataFrame, where: str = "coding sheet") -> np.ndarray:
    """(n_rows, n_codes) of 1/0/UNKNOWN in codebook order."""
    ids = codebook.ids
    y = np.full((len(frame), len(ids)), UNKNOWN, dtype=int)
    judged = False
    for j, code_id in enumerate(ids):
        if code_id in frame.columns:
            y[:, j] = pd.to_numeric(frame[code_id], errors="coerce").fillna(0).astype(int).clip(0, 1)
            judged = True
    wide = judged
    for column in LIST_COLUMNS:
        if column not in frame.columns:
            continue
        judged = True
        listed = [[c.strip() for c in str(v).split(";") if c.strip()] for v in frame[column].fillna("")]
        mentioned = {c for row in listed for c in row}
        for code_id in mentioned - set(ids):
            raise QualkitError(Errors.E077, code=code_id, what=where, known=", ".join(codebook.themes))
        for j, code_id in enumerate(ids):
            # A list judges the codes it names; with no 0/1 columns beside it, every theme too.
            is_theme = codebook.code(code_id).parent is None
            if code_id in mentioned or (is_theme and not wide):
                y[:, j] = np.maximum(y[:, j], 0)
        for row, codes in enumerate(listed):
            for code_id in codes:
                y[row, ids.index(code_id)] = 1
    if not judged:
        raise QualkitError(Errors.E076, columns=", ".join(frame.columns))
    for j, code_id in enumerate(ids):  # a positive sub-code is a positive for every ancestor
        for ancestor in codebook.ancestors(code_id):
            k = ids.index(ancestor)
            y[:, k] = np.where(y[:, j] == 1, 1, y[:, k])
    return y


def read_training(codebook: Codebook, paths: list) -> tuple[list[str], np.ndarray, list[str],
                                                           list[float]]:
    """Texts, labels, groups (case, else the row) and weights from human-coded sheets, each given as
    a path or a (path, weight) pair."""
    texts, blocks, groups, weights = [], [], [], []
    for entry in paths:
        path, weight = entry if isinstance(entry, tuple) else (entry, 1.0)
        frame = read_table(Path(path))
        if "text" not in frame.columns:
            raise QualkitError(Errors.E030, path=path, column="text", columns=", ".join(frame.columns),
                               option="train", what="segment text")
        try:
            blocks.append(label_matrix(codebook, frame, where=Path(path).name))
        except QualkitError as err:
            raise err.located(path)
        texts.extend(frame["text"].tolist())
        # Segments of one case stay together in cross-validation; rows without a case stand alone.
        groups.extend(frame["case"].tolist() if "case" in frame.columns
                      else [f"{path}:{i}" for i in range(len(frame))])
        weights.extend([weight] * len(frame))
    y = np.vstack(blocks) if blocks else np.zeros((0, len(codebook.ids)), dtype=int)
    return texts, y, groups, weights


def example_matrix(codebook: Codebook) -> tuple[list[str], np.ndarray, list[float]]:
    """The codebook's own examples as labelled texts, one row per distinct text: positive for the
    codes it is an example of and their ancestors, negative for the codes it is not (a near miss:
    negative for its code, positive for the code it is confused with), unknown elsewhere; with
    each row's weight."""
    ids = codebook.ids
    index = {code_id: j for j, code_id in enumerate(ids)}
    texts, rows, weights = [], [], []
    for example in codebook_examples(codebook):
        row = np.full(len(ids), UNKNOWN, dtype=int)
        for code_id in example.codes:
            for positive in (code_id, *codebook.ancestors(code_id)):
                row[index[positive]] = 1
        for code_id in example.not_codes:  # after the positives: 'not this code' is explicit
            row[index[code_id]] = 0
        texts.append(example.text)
        rows.append(row)
        weights.append(example.weight)
    return texts, np.array(rows, dtype=int).reshape(len(rows), len(ids)), weights


def with_examples(codebook: Codebook, texts: list[str], y: np.ndarray, groups: list[str],
                  weights: list[float]) -> tuple[list[str], np.ndarray, list[str], list[float]]:
    """Human-coded rows plus the codebook's examples, each text once.

    An example whose text a sheet already holds adds no row (it would count twice): it fills only
    the cells the sheet left unknown, since the human judgement stands, and gives no sub-code
    where the sheet said its theme (or another ancestor) is absent."""
    example_texts, example_y, example_weights = example_matrix(codebook)
    y = np.array(y, dtype=int).reshape(len(texts), len(codebook.ids))
    judged = y.copy()
    rows_of: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        rows_of.setdefault(same_text(text), []).append(i)
    index = {code_id: j for j, code_id in enumerate(codebook.ids)}
    ancestors = [[index[a] for a in codebook.ancestors(code_id)] for code_id in codebook.ids]
    new = []
    for e, text in enumerate(example_texts):
        for i in rows_of.get(same_text(text), ()):
            for j in np.flatnonzero((judged[i] == UNKNOWN) & (example_y[e] != UNKNOWN)):
                if not (example_y[e, j] == 1 and any(judged[i, a] == 0 for a in ancestors[j])):
                    y[i, j] = example_y[e, j]
        if same_text(text) not in rows_of:
            new.append(e)
    return ([*texts, *(example_texts[e] for e in new)], np.vstack([y, example_y[new]]),
            [*groups, *(f"codebook:{e}" for e in new)],
            [*weights, *(example_weights[e] for e in new)])
