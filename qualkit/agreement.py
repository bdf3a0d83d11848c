"""Inter-coder agreement for binary (0/1) coding, in the figures a methods section reports.

Whether two coders (or a coder and the machine) apply a code to the same segments is the evidence
that a codebook can be used by someone other than its author. Against a gold standard researchers
report precision, recall and F1; between equals they report chance-corrected agreement (Cohen's
kappa, Krippendorff's alpha). All of them come here from one 2x2 table, so they cannot disagree
about what was counted.

A figure whose denominator is 0 is NaN, never a silent 0 or 1: "no positives to recall" or "both
coders constant" has no meaningful value, and a report should say so rather than print a number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import Errors, QualkitError
from .importers import read_table
from .intervals import Bootstrap, bootstrap_intervals

ID_COLUMNS = ("id", "segment_id")
LIST_COLUMNS = ("codes", "themes")
TABLE_COLUMNS = ["code", "n", "a_pos", "b_pos", "precision", "recall", "f1", "cohen_kappa",
                 "krippendorff_alpha", "percent_agreement"]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _cell(value: object) -> str:
    """A cell as trimmed text, missing as ''; True/False as '1'/'0'."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return "" if pd.isna(value) else str(value).strip()


def _binary(values: Iterable, what: str) -> np.ndarray:
    """0/1 decisions as ints. Blanks count as 0, because coders leave a cell empty for 'not
    applied'; anything else (2, 'yes') is refused, since guessing would change the figures."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    numbers = pd.to_numeric(series.map(_cell).replace("", "0"), errors="coerce")
    bad = ~numbers.isin([0, 1])
    if bad.any():
        raise ValueError(f"{what} must hold 0 or 1 (blank counts as 0), not "
                         f"{series[bad].iloc[0]!r} at {series.index[bad][0]!r}")
    return numbers.to_numpy(dtype=int)


def binary_agreement(a: Iterable, b: Iterable) -> dict:
    """Agreement between two 0/1 codings of the same items: a is the reference (gold, or coder A),
    b the prediction (or coder B).

    Returns n, a_pos, b_pos, the 2x2 counts tp/fp/fn/tn, precision, recall, f1, percent_agreement
    (a proportion, 0..1), cohen_kappa and krippendorff_alpha (nominal, two coders, no missing data).
    Everything is computed in integers from the 2x2 table so that "chance agreement is 1" is exact.
    """
    a, b = _binary(a, "a"), _binary(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must code the same items, but have {len(a)} and {len(b)} values")
    n = len(a)
    tn, fp, fn, tp = (int(count) for count in np.bincount(2 * a + b, minlength=4))
    a_pos, b_pos = tp + fn, tp + fp
    # Cohen: pe = (a_pos*b_pos + a_neg*b_neg) / n^2, so kappa = (n*agreed - n^2 pe)/(n^2 - n^2 pe).
    chance = a_pos * b_pos + (n - a_pos) * (n - b_pos)
    # Krippendorff: each item adds the pairs (a,b) and (b,a) to the coincidence matrix of the 2n
    # values, so o_01 + o_10 = 2(fp+fn), n_1 = a_pos + b_pos, n_0 = 2n - n_1, and
    # alpha = 1 - (2n-1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k = 1 - (2n-1)(fp+fn) / (n_0 n_1).
    n_1 = a_pos + b_pos
    return {
        "n": n, "a_pos": a_pos, "b_pos": b_pos, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        # 2PR/(P+R) simplified; 0 when positives exist but none are shared, NaN when none exist.
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "percent_agreement": _ratio(tp + tn, n),
        "cohen_kappa": _ratio(n * (tp + tn) - chance, n * n - chance),
        "krippendorff_alpha": 1 - _ratio((2 * n - 1) * (fp + fn), n_1 * (2 * n - n_1)),
    }


def _name(frame: pd.DataFrame, default: str) -> str:
    return frame.attrs.get("path", default)


def _decisions(frame: pd.DataFrame, codes: list[str], key: str | None, name: str
               ) -> tuple[pd.DataFrame, str]:
    """Index a wide frame by segment id and give a 0/1 column for each code it holds, derived from a
    ';'-separated 'codes'/'themes' column where a code has no column of its own."""
    path = frame.attrs.get("path")
    names = (key,) if key else ID_COLUMNS
    id_column = next((c for c in names if c in frame.columns), None)
    if id_column is None:
        raise QualkitError(Errors.E030, path=path, column="' or '".join(names), option="key",
                           columns=", ".join(map(str, frame.columns)), what="segment ids")
    ids = frame[id_column].map(_cell).to_numpy()
    repeats = np.flatnonzero(pd.Series(ids).duplicated().to_numpy() & (ids != ""))
    if len(repeats):  # rows are numbered as a spreadsheet shows them, after the header
        second = int(repeats[0])
        first = int(np.flatnonzero(ids == ids[second])[0])
        raise QualkitError(Errors.E031, path=path, value=ids[second], first=first + 2,
                           second=second + 2)
    frame = frame.set_axis(ids)[ids != ""]  # a row without an id cannot be matched
    listed = next((c for c in LIST_COLUMNS if c in frame.columns), None)
    sets = [] if listed is None else [
        {part.strip() for part in _cell(v).split(";") if part.strip()} for v in frame[listed]]
    unknown = sorted(set().union(*sets) - set(codes))
    if unknown:  # a typo would otherwise count silently as a missed code
        raise QualkitError(Errors.E077, path=path, code=unknown[0], known=", ".join(codes),
                           what=f"'{listed}' column of {name}")
    columns = {code: (_binary(frame[code], f"column '{code}' of {name}") if code in frame.columns
                      else np.array([int(code in s) for s in sets], dtype=int))
               for code in codes if code in frame.columns or listed is not None}
    return pd.DataFrame(columns, index=frame.index, dtype=int), id_column


def agreement_table(reference: pd.DataFrame, other: pd.DataFrame, codes: list[str],
                    key: str | None = None, bootstrap: Bootstrap | None = None) -> pd.DataFrame:
    """Per-code agreement between two wide coding sheets, plus a micro-averaged 'overall' row.

    Each sheet has one row per segment, an 'id' or 'segment_id' column (``key`` forces the name),
    and a 0/1 column per code id or a 'codes'/'themes' column of ';'-separated ids. Rows are matched
    on the id (inner join, in the reference's order); a code either sheet lacks is left out.
    'overall' pools every code's decisions into one pair of 0/1 vectors, so frequent codes weigh
    more, as they do in the coding itself. With ``bootstrap`` the columns of
    :data:`qualkit.intervals.INTERVAL_COLUMNS` follow: each figure's bounds over resampled segments.
    """
    left_name, right_name = _name(reference, "the reference"), _name(other, "the other coding")
    left, left_key = _decisions(reference, codes, key, left_name)
    right, right_key = _decisions(other, codes, key, right_name)
    shared = [code for code in codes if code in left.columns and code in right.columns]
    if not shared:
        lacking = reference if left.columns.empty else other
        raise QualkitError(Errors.E076, path=lacking.attrs.get("path"),
                           columns=", ".join(map(str, lacking.columns)))
    common = left.index[left.index.isin(right.index)]
    if common.empty:
        keys = left_key if left_key == right_key else f"{left_key}' and '{right_key}"
        raise QualkitError(Errors.E078, left=left_name, right=right_name, key=keys)
    left, right = left.loc[common, shared], right.loc[common, shared]
    rows = [{"code": code, **binary_agreement(left[code], right[code])} for code in shared]
    pooled = binary_agreement(left.to_numpy().ravel(), right.to_numpy().ravel())
    table = pd.DataFrame(rows + [{"code": "overall", **pooled}], columns=TABLE_COLUMNS)
    if bootstrap is None:
        return table
    return table.join(bootstrap_intervals(left.to_numpy(), right.to_numpy(), shared, bootstrap),
                      on="code")


def with_parents(table: pd.DataFrame, parent_of: Mapping[str, str | None]) -> pd.DataFrame:
    """The table with a 'parent' column after the figures: the code each sub-code sits under
    ('' for a theme and for 'overall'), so that a sub-code's row, scored wherever the gold has it,
    reads as a part of its theme and not as a theme of its own."""
    parents = [parent_of.get(code) or "" for code in table["code"]]
    rest = [column for column in table.columns if column not in (*TABLE_COLUMNS, "parent")]
    return table.assign(parent=parents)[[*TABLE_COLUMNS, "parent", *rest]]


def read_coding_csv(path: str | Path) -> pd.DataFrame:
    """Read a wide coding sheet (.csv or .xlsx) as strings, turning its 0/1 columns into ints.

    Ids stay strings so that '007' still matches '007' in the other file; only columns holding
    nothing but 0, 1 and blanks (blank = 0) become numbers. The path is kept in ``frame.attrs`` so
    that later errors name the file.
    """
    frame = read_table(Path(path))  # raises QualkitError (missing, binary, unparseable file)
    for column in frame.columns:
        values = frame[column].str.strip()
        if (column not in ID_COLUMNS + LIST_COLUMNS and values.ne("").any()
                and values.isin(["", "0", "1", "0.0", "1.0"]).all()):
            frame[column] = pd.to_numeric(values.replace("", "0")).astype(int)
    frame.attrs["path"] = str(path)
    return frame
