"""Inter-coder agreement against values worked out by hand (the arithmetic is in the comments), and
cross-checked against independent implementations: a brute-force Krippendorff's alpha built from
the coincidence matrix, Scott's pi, and scikit-learn."""

from __future__ import annotations

import math
from collections import Counter
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

from qualkit import QualkitError
from qualkit.agreement import TABLE_COLUMNS, agreement_table, binary_agreement, read_coding_csv

# The worked example: 10 items, tp=4, fp=1, fn=2, tn=3 (a = reference, b = prediction).
A = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
B = [1, 1, 1, 1, 0, 0, 1, 0, 0, 0]


def brute_force_alpha(*coders):
    """Krippendorff's alpha (nominal) from its definition, for any number of coders, None = missing:
    o_ck = sum over units of (ordered pairs (c,k) of values from different coders) / (m_u - 1),
    alpha = 1 - (n - 1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k."""
    coincidence = Counter()
    for unit in zip(*coders):
        values = [v for v in unit if v is not None]
        if len(values) < 2:
            continue  # a value nobody else coded cannot be paired
        for c, k in permutations(values, 2):  # ordered pairs of values from different coders
            coincidence[c, k] += 1 / (len(values) - 1)
    totals = Counter()
    for (c, _), count in coincidence.items():
        totals[c] += count
    n = sum(totals.values())
    observed = sum(count for (c, k), count in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    return 1 - (n - 1) * observed / expected if expected else math.nan


def scott_alpha(a, b):
    """For two coders with no missing data alpha = 1 - (2N-1)/(2N) * (1 - pi), pi being Scott's pi
    (chance from the pooled marginals)."""
    n = len(a)
    po = np.mean(np.array(a) == np.array(b))
    p1 = (sum(a) + sum(b)) / (2 * n)
    pe = p1 ** 2 + (1 - p1) ** 2
    pi = (po - pe) / (1 - pe)
    return 1 - (2 * n - 1) / (2 * n) * (1 - pi)


def same(x, y):
    return (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y)


# --- binary_agreement -----------------------------------------------------------------------------

def test_worked_example_by_hand():
    result = binary_agreement(A, B)
    assert {k: result[k] for k in ("n", "a_pos", "b_pos", "tp", "fp", "fn", "tn")} == \
        {"n": 10, "a_pos": 6, "b_pos": 5, "tp": 4, "fp": 1, "fn": 2, "tn": 3}
    assert result["precision"] == pytest.approx(0.8)        # 4 / (4+1)
    assert result["recall"] == pytest.approx(4 / 6)         # 4 / (4+2)
    # f1 = 2PR/(P+R) = 2*0.8*(2/3) / (0.8+2/3) = (16/15)/(22/15) = 8/11 = 2tp/(2tp+fp+fn)
    assert result["f1"] == pytest.approx(8 / 11)
    assert result["percent_agreement"] == pytest.approx(0.7)  # (4+3)/10
    # pe = P(a=1)P(b=1) + P(a=0)P(b=0) = 6/10*5/10 + 4/10*5/10 = 0.30 + 0.20 = 0.5
    # kappa = (po - pe)/(1 - pe) = (0.7 - 0.5)/0.5 = 0.4
    assert result["cohen_kappa"] == pytest.approx(0.4)
    # Coincidence matrix over the 2N = 20 values; each item adds (a,b) and (b,a):
    #            0    1   | n_c
    #     0      6    3   |  9     o_00 = 2*tn = 6,  o_01 = o_10 = fp+fn = 3
    #     1      3    8   | 11     o_11 = 2*tp = 8
    # Do = (o_01+o_10)/n = 6/20 = 0.3;  De = (n_0 n_1 + n_1 n_0)/(n(n-1)) = 198/380
    # alpha = 1 - Do/De = 1 - (19 * 6)/198 = 1 - 114/198 = 84/198 = 14/33 = 0.42424...
    assert result["krippendorff_alpha"] == pytest.approx(14 / 33)
    assert brute_force_alpha(A, B) == pytest.approx(14 / 33)
    assert scott_alpha(A, B) == pytest.approx(14 / 33)


def test_published_krippendorff_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", binary data, two observers,
    # no missing data: alpha = 1 - (20-1) * 4 / (14 * 6) = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert binary_agreement(a, b)["krippendorff_alpha"] == pytest.approx(1 - 19 * 4 / 84)
    assert round(binary_agreement(a, b)["krippendorff_alpha"], 3) == 0.095


def test_agrees_with_independent_implementations():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(2, 40))
        a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
        result = binary_agreement(a, b)
        assert same(result["krippendorff_alpha"], brute_force_alpha(list(a), list(b)))
        if len(set(a) | set(b)) == 2:  # both values occur, so every figure below is defined
            assert same(result["krippendorff_alpha"], scott_alpha(list(a), list(b)))
        if not (len(set(a)) == len(set(b)) == 1 and a[0] == b[0]):  # kappa undefined there
            assert same(result["cohen_kappa"], cohen_kappa_score(a, b))
        if (a + b).any():
            assert result["f1"] == pytest.approx(f1_score(a, b, zero_division=0))
        if b.any():
            assert result["precision"] == pytest.approx(precision_score(a, b))
        if a.any():
            assert result["recall"] == pytest.approx(recall_score(a, b))


def test_perfect_agreement():
    result = binary_agreement([1, 0, 1, 1, 0], [1, 0, 1, 1, 0])
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (3, 0, 0, 2)
    for key in ("precision", "recall", "f1", "percent_agreement", "cohen_kappa",
                "krippendorff_alpha"):
        assert result[key] == pytest.approx(1.0), key


def test_systematic_disagreement_is_negative():
    result = binary_agreement([1, 0, 1, 0], [0, 1, 0, 1])   # tp=0, fp=2, fn=2, tn=0
    assert result["percent_agreement"] == 0.0
    # pe = 2/4*2/4 + 2/4*2/4 = 0.5; kappa = (0 - 0.5)/(1 - 0.5) = -1
    assert result["cohen_kappa"] == pytest.approx(-1.0)
    # n = 8 values, n_0 = n_1 = 4; alpha = 1 - (8-1)*(fp+fn)/(n_0 n_1) = 1 - 7*4/16 = -0.75
    assert result["krippendorff_alpha"] == pytest.approx(-0.75)
    # positives exist but none is shared: precision = recall = f1 = 0, not NaN
    assert (result["precision"], result["recall"], result["f1"]) == (0.0, 0.0, 0.0)


def test_constant_coders_give_nan_not_a_number_that_looks_real():
    never = binary_agreement([0, 0, 0], [0, 0, 0])
    assert never["percent_agreement"] == 1.0
    for key in ("precision", "recall", "f1", "cohen_kappa", "krippendorff_alpha"):
        assert math.isnan(never[key]), key  # no positives, pe = 1, De = 0
    always = binary_agreement([1, 1, 1], [1, 1, 1])
    assert (always["precision"], always["recall"], always["f1"]) == (1.0, 1.0, 1.0)
    assert math.isnan(always["cohen_kappa"]) and math.isnan(always["krippendorff_alpha"])


def test_one_constant_coder():
    result = binary_agreement([0, 0, 0, 0], [0, 1, 0, 0])   # tp=0, fp=1, fn=0, tn=3
    assert result["precision"] == 0.0                       # 0/(0+1)
    assert math.isnan(result["recall"])                     # 0/(0+0): nothing to recall
    assert result["f1"] == 0.0                              # a positive exists, none shared
    # po = 3/4, pe = 0*1/4 + 1*3/4 = 3/4, kappa = 0/(1/4) = 0
    assert result["cohen_kappa"] == 0.0
    # n_0 = 7, n_1 = 1: alpha = 1 - 7*1/(7*1) = 0
    assert result["krippendorff_alpha"] == pytest.approx(0.0)


def test_inputs_blanks_strings_and_bools():
    assert binary_agreement(["1", "", " 0", None], [True, False, 0.0, 1]) == \
        binary_agreement([1, 0, 0, 0], [1, 0, 0, 1])
    with pytest.raises(ValueError, match="same items"):
        binary_agreement([1, 0], [1])
    with pytest.raises(ValueError, match="'yes'"):
        binary_agreement([1, 0], [1, "yes"])
    with pytest.raises(ValueError, match="0 or 1"):
        binary_agreement([2, 0], [1, 0])


# --- agreement_table ------------------------------------------------------------------------------

def reference_frame():
    return pd.DataFrame({"id": ["s1", "s2", "s3", "s4", "s5", "s9"],
                         "text": ["..."] * 6,
                         "worry": [1, 1, 0, 0, 1, 1],
                         "support": [0, 1, 1, 0, 0, 1]})


def other_frame():  # other order, a 'segment_id' column, one id (s7) the reference lacks
    return pd.DataFrame({"segment_id": ["s5", "s4", "s3", "s2", "s1", "s7"],
                         "worry": [1, 0, 1, 1, 1, 0],
                         "support": [1, 0, 1, 0, 0, 1]})


def by_code(table):
    return table.set_index("code")


def test_table_matches_id_and_segment_id_by_hand():
    table = agreement_table(reference_frame(), other_frame(), ["worry", "support"])
    assert list(table.columns) == TABLE_COLUMNS
    assert list(table["code"]) == ["worry", "support", "overall"]
    rows = by_code(table)
    # matched s1..s5 (s9 and s7 are in one file only)
    # worry: ref 1,1,0,0,1  other 1,1,1,0,1 -> tp=3 fp=1 fn=0 tn=1
    worry = rows.loc["worry"]
    assert (worry["n"], worry["a_pos"], worry["b_pos"]) == (5, 3, 4)
    assert worry["precision"] == pytest.approx(3 / 4)
    assert worry["recall"] == pytest.approx(1.0)
    assert worry["f1"] == pytest.approx(6 / 7)              # 2*3/(6+1+0)
    assert worry["percent_agreement"] == pytest.approx(0.8)
    # pe = 3/5*4/5 + 2/5*1/5 = 14/25; kappa = (20/25 - 14/25)/(11/25) = 6/11
    assert worry["cohen_kappa"] == pytest.approx(6 / 11)
    # n_1 = 3+4 = 7, n_0 = 3: alpha = 1 - 9*1/(3*7) = 4/7
    assert worry["krippendorff_alpha"] == pytest.approx(4 / 7)
    # support: ref 0,1,1,0,0  other 0,0,1,0,1 -> tp=1 fp=1 fn=1 tn=2
    support = rows.loc["support"]
    assert (support["precision"], support["recall"], support["f1"]) == (0.5, 0.5, 0.5)
    # pe = 2/5*2/5 + 3/5*3/5 = 13/25; kappa = (15/25 - 13/25)/(12/25) = 1/6
    assert support["cohen_kappa"] == pytest.approx(1 / 6)
    # n_1 = 4, n_0 = 6: alpha = 1 - 9*2/(6*4) = 0.25
    assert support["krippendorff_alpha"] == pytest.approx(0.25)


def test_overall_row_pools_all_decisions():
    rows = by_code(agreement_table(reference_frame(), other_frame(), ["worry", "support"]))
    overall = rows.loc["overall"]
    # pooled: tp=3+1=4, fp=1+1=2, fn=0+1=1, tn=1+2=3 over n = 5 segments * 2 codes = 10 decisions
    assert (overall["n"], overall["a_pos"], overall["b_pos"]) == (10, 5, 6)
    assert overall["precision"] == pytest.approx(4 / 6)
    assert overall["recall"] == pytest.approx(4 / 5)
    assert overall["f1"] == pytest.approx(8 / 11)           # 2*4/(8+2+1)
    assert overall["percent_agreement"] == pytest.approx(0.7)
    # pe = 5/10*6/10 + 5/10*4/10 = 0.5; kappa = (0.7-0.5)/0.5 = 0.4
    # (micro-averaged: not the mean of the per-code kappas 6/11 and 1/6)
    assert overall["cohen_kappa"] == pytest.approx(0.4)
    # n_1 = 11, n_0 = 9: alpha = 1 - 19*3/99 = 14/33
    assert overall["krippendorff_alpha"] == pytest.approx(14 / 33)


def test_codes_derived_from_a_themes_column():
    listed = pd.DataFrame({"segment_id": ["s5", "s4", "s3", "s2", "s1", "s7"],
                           "themes": ["worry;support", "", "support; worry", "worry", " worry ",
                                      "support"]})
    expected = agreement_table(reference_frame(), other_frame(), ["worry", "support"])
    derived = agreement_table(reference_frame(), listed, ["worry", "support"])
    pd.testing.assert_frame_equal(derived, expected)


def test_key_forces_the_id_column_and_absent_codes_are_left_out():
    left = reference_frame().rename(columns={"id": "seg"})
    right = other_frame().rename(columns={"segment_id": "seg"})
    table = agreement_table(left, right, ["worry", "anger", "support"], key="seg")
    assert list(table["code"]) == ["worry", "support", "overall"]   # no 'anger' column anywhere
    with pytest.raises(QualkitError) as caught:
        agreement_table(left, right, ["worry"])   # neither 'id' nor 'segment_id' without key
    assert caught.value.code == "E030"


def test_no_overlapping_ids():
    other = other_frame().assign(segment_id=["x1", "x2", "x3", "x4", "x5", "x6"])
    with pytest.raises(QualkitError) as caught:
        agreement_table(reference_frame(), other, ["worry"])
    assert caught.value.code == "E078"
    assert "'id' and 'segment_id'" in str(caught.value)


def test_no_code_column_for_any_code():
    bare = reference_frame()[["id", "text"]]
    with pytest.raises(QualkitError) as caught:
        agreement_table(bare, other_frame(), ["worry", "support"])
    assert caught.value.code == "E076"
    assert "columns: id, text" in str(caught.value)


def test_repeated_ids_and_unknown_theme_ids_are_refused():
    twice = reference_frame().assign(id=["s1", "s2", "s1", "s4", "s5", "s9"])
    with pytest.raises(QualkitError) as caught:
        agreement_table(twice, other_frame(), ["worry"])
    assert caught.value.code == "E031" and "rows 2 and 4" in str(caught.value)
    typo = pd.DataFrame({"id": ["s1"], "codes": ["wory"]})
    with pytest.raises(QualkitError) as caught:
        agreement_table(reference_frame(), typo, ["worry"])
    assert caught.value.code == "E077" and "'wory'" in str(caught.value)


# --- read_coding_csv ------------------------------------------------------------------------------

def test_read_coding_csv(tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("id,text,worry,support\n007,I fret,1,\n008,fine,0,1\n", encoding="utf-8")
    frame = read_coding_csv(gold)
    assert list(frame["id"]) == ["007", "008"]              # ids stay strings
    assert list(frame["worry"]) == [1, 0] and list(frame["support"]) == [0, 1]  # blank = 0
    assert frame["text"].dtype != np.int64
    coder = tmp_path / "coder.csv"
    coder.write_text("segment_id,worry\n9,1\n", encoding="utf-8")
    with pytest.raises(QualkitError) as caught:
        agreement_table(frame, read_coding_csv(coder), ["worry"])
    assert str(gold) in str(caught.value) and str(coder) in str(caught.value)  # files are named
    with pytest.raises(QualkitError) as caught:
        read_coding_csv(tmp_path / "missing.csv")
    assert caught.value.code == "E001"
