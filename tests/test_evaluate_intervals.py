"""Bootstrap intervals of the agreement figures (issue 21 item 5, "Honest figures"): the vectorised
bootstrap against a plain loop over the same draws, the properties any honest interval has, and
what ``qualkit evaluate`` prints and writes.

Limits chosen here, and why:
- 200 resamples in the loop comparison (not the default 1000): the plain loop calls
  ``binary_agreement`` once per resample and code, and 200 is enough to exercise the skipping of
  undefined resamples and both percentiles; the bounds must then be *identical*, not close.
- ``_BLOCK_CELLS`` is patched down to 7 resamples a block in one comparison, so that the drawing in
  blocks (which bounds memory on large gold sets) is shown to give the same draws as one big draw.
- ``min_usable=0.7`` in the loop comparison: a code with one positive in 30 segments leaves it out
  of about 36% of resamples, so at the default 0.5 its intervals would all be kept; 0.7 makes the
  blank-interval path run in both implementations.
- Narrowing: the same data replicated 4x should about halve each width (the standard error shrinks
  with the square root of n); the test asks only for a quarter less, so that sampling noise in 1000
  resamples cannot fail it, while an interval that ignored n would.
- Point estimate inside the interval: 300 segments with 20-45% positives and 15% of decisions
  flipped, where the bootstrap distribution is close to symmetric; on tiny, skewed data a
  percentile interval may exclude the estimate, which is why this is not asserted there.
- The cross-validation check trains the real coders on 40 synthetic segments (about 10 s), the
  smallest set test_coding.py already shows five folds can be trained on.
- Every CLI run is bounded by ``within(120)`` so that a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bounds import within
from qualkit import QualkitError
from qualkit import intervals
from qualkit.agreement import TABLE_COLUMNS, agreement_table, binary_agreement, with_parents
from qualkit.cli import main
from qualkit.intervals import (INTERVAL_COLUMNS, METRICS, Bootstrap, blank_intervals,
                               bootstrap_intervals)

KEYS = {"precision": "precision", "recall": "recall", "f1": "f1", "kappa": "cohen_kappa"}

CODEBOOK = """\
name: mini
codes:
  - id: safety
    label: Safety
    definition: Fear of the other parent, violence, police and protective orders.
  - id: safety_orders
    parent: safety
    label: Protective orders
    definition: A non-molestation order or restraining order against the other parent.
  - id: relevance
    label: Relevance
    definition: Whether the course fitted the parent's situation.
"""


def noisy(n: int, rates: list[float], flip: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A gold matrix (segments x codes) with the given positive rates, and a prediction that gets
    a share ``flip`` of its decisions wrong."""
    rng = np.random.default_rng(seed)
    gold = (rng.random((n, len(rates))) < np.array(rates)).astype(int)
    wrong = rng.random(gold.shape) < flip
    return gold, np.where(wrong, 1 - gold, gold)


def loop_reference(gold: np.ndarray, pred: np.ndarray, settings: Bootstrap) -> dict:
    """The bootstrap written as plainly as possible: the same draws, then per resample and code
    binary_agreement on the drawn rows (and on all codes pooled), skip NaN, take percentiles."""
    n, k = gold.shape
    drawn = np.random.default_rng(settings.seed).integers(0, n, size=(settings.resamples, n))
    values = {(code, metric): [] for code in [*range(k), "overall"] for metric in METRICS}
    for rows in drawn:
        for code in [*range(k), "overall"]:
            a = gold[rows].ravel() if code == "overall" else gold[rows, code]
            b = pred[rows].ravel() if code == "overall" else pred[rows, code]
            figures = binary_agreement(a, b)
            for metric in METRICS:
                values[code, metric].append(figures[KEYS[metric]])
    result = {}
    for (code, metric), found in values.items():
        usable = [v for v in found if not math.isnan(v)]
        if len(usable) < settings.min_usable * settings.resamples:
            bounds = (math.nan, math.nan)
        else:
            bounds = tuple(float(x) for x in np.percentile(usable, [2.5, 97.5]))
        result[code, metric] = (*bounds, len(usable))
    return result


def same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


@pytest.mark.parametrize("block_cells", [None, 7 * 30])
def test_vectorised_bootstrap_equals_a_plain_loop_over_the_same_draws(monkeypatch, block_cells):
    if block_cells:
        monkeypatch.setattr(intervals, "_BLOCK_CELLS", block_cells)
    rng = np.random.default_rng(5)
    common = (rng.random(30) < 0.4).astype(int)
    gold = np.zeros((30, 4), dtype=int)
    pred = np.zeros((30, 4), dtype=int)
    gold[:, 0], pred[:, 0] = common, np.where(rng.random(30) < 0.2, 1 - common, common)
    gold[3, 1] = pred[3, 1] = pred[8, 1] = 1   # one positive, one false positive
    gold[11, 2] = pred[11, 2] = 1              # one positive, found: often undefined
    # column 3: nobody codes it, so no figure is ever defined
    settings = Bootstrap(resamples=200, seed=7, min_usable=0.7)
    table = bootstrap_intervals(gold, pred, ["common", "rare", "single", "never"], settings)
    expected = loop_reference(gold, pred, settings)
    for position, code in enumerate(["common", "rare", "single", "never", "overall"]):
        key = "overall" if code == "overall" else position
        for metric in METRICS:
            low, high, usable = expected[key, metric]
            row = table.loc[code]
            assert same(row[f"{metric}_low"], low) and same(row[f"{metric}_high"], high), (
                code, metric, row[f"{metric}_low"], low, row[f"{metric}_high"], high)
            assert row[f"{metric}_usable"] == usable, (code, metric)
    # the cases meant to be degenerate are: one positive leaves ~36% of resamples without it
    assert 0 < table.loc["single", "f1_usable"] < 0.7 * 200
    assert math.isnan(table.loc["single", "f1_low"]) and math.isnan(table.loc["never", "kappa_low"])
    assert table.loc["never", "f1_usable"] == 0 and table.loc["common", "f1_usable"] == 200
    blank = {note["code"]: note for note in blank_intervals(table.reset_index(), settings)}
    assert set(blank) == {"rare", "single", "never"}
    assert blank["rare"]["figures"] == "recall"  # its one gold positive is in ~64% of resamples
    assert blank["never"]["figures"] == "precision, recall, f1, kappa"


def test_the_interval_holds_the_point_estimate():
    gold, pred = noisy(300, [0.2, 0.3, 0.45], flip=0.15, seed=1)
    codes = ["a", "b", "c"]
    table = bootstrap_intervals(gold, pred, codes)
    for j, code in enumerate([*codes, "overall"]):
        a = gold.ravel() if code == "overall" else gold[:, j]
        b = pred.ravel() if code == "overall" else pred[:, j]
        point = binary_agreement(a, b)
        for metric in METRICS:
            low, high = table.loc[code, f"{metric}_low"], table.loc[code, f"{metric}_high"]
            estimate = point[KEYS[metric]]
            assert low <= estimate <= high, (code, metric, low, estimate, high)
            assert low < high  # noisy data: a real spread, not a point
            assert table.loc[code, f"{metric}_usable"] == 1000


def test_the_interval_narrows_as_the_gold_set_grows():
    gold, pred = noisy(80, [0.3, 0.4], flip=0.15, seed=2)
    small = bootstrap_intervals(gold, pred, ["a", "b"])
    large = bootstrap_intervals(np.tile(gold, (4, 1)), np.tile(pred, (4, 1)), ["a", "b"])
    for metric in METRICS:
        width_small = small[f"{metric}_high"] - small[f"{metric}_low"]
        width_large = large[f"{metric}_high"] - large[f"{metric}_low"]
        assert (width_large < 0.75 * width_small).all(), (metric, width_small, width_large)


def test_same_seed_same_bounds_other_seed_other_bounds():
    gold, pred = noisy(60, [0.3, 0.5], flip=0.2, seed=3)
    first = bootstrap_intervals(gold, pred, ["a", "b"], Bootstrap(seed=11))
    again = bootstrap_intervals(gold, pred, ["a", "b"], Bootstrap(seed=11))
    pd.testing.assert_frame_equal(first, again)
    other = bootstrap_intervals(gold, pred, ["a", "b"], Bootstrap(seed=12))
    lows = [f"{metric}_low" for metric in METRICS]
    assert not np.allclose(first[lows].to_numpy(), other[lows].to_numpy())


def test_a_perfect_predictor_gives_one_to_one():
    gold, _ = noisy(50, [0.2, 0.5], flip=0, seed=4)
    table = bootstrap_intervals(gold, gold.copy(), ["a", "b"])
    for metric in METRICS:
        assert (table[f"{metric}_low"] == 1).all() and (table[f"{metric}_high"] == 1).all(), metric


def test_settings_are_checked_and_the_note_says_how_it_was_drawn():
    with pytest.raises(QualkitError) as caught:
        Bootstrap(resamples=50)
    assert caught.value.code == "E190"
    with pytest.raises(ValueError):
        Bootstrap(level=1.0)
    assert Bootstrap(resamples=500, seed=3).note(120) == (
        "95% bootstrap intervals over 120 segments, 500 resamples, seed 3")
    assert Bootstrap(level=0.9).percentiles == (5.0, 95.0)
    with pytest.raises(ValueError):
        bootstrap_intervals(np.zeros((3, 2)), np.zeros((3, 1)), ["a", "b"])


def test_agreement_table_gains_the_bounds_after_its_own_columns_and_parents_after_those():
    gold, pred = noisy(40, [0.3, 0.3], flip=0.1, seed=6)
    reference = pd.DataFrame(gold, columns=["safety", "safety_orders"]).assign(id=range(40))
    other = pd.DataFrame(pred, columns=["safety", "safety_orders"]).assign(id=range(40))
    plain = agreement_table(reference, other, ["safety", "safety_orders"])
    assert list(plain.columns) == TABLE_COLUMNS
    settings = Bootstrap(seed=1)
    table = agreement_table(reference, other, ["safety", "safety_orders"], bootstrap=settings)
    assert list(table.columns) == TABLE_COLUMNS + INTERVAL_COLUMNS
    pd.testing.assert_frame_equal(table[TABLE_COLUMNS], plain)
    direct = bootstrap_intervals(gold, pred, ["safety", "safety_orders"], settings)
    assert table.set_index("code")[INTERVAL_COLUMNS].equals(direct)
    parented = with_parents(table, {"safety": None, "safety_orders": "safety"})
    assert list(parented.columns) == TABLE_COLUMNS + ["parent"] + INTERVAL_COLUMNS
    assert parented.parent.tolist() == ["", "safety", ""]


def test_cross_validation_intervals_are_over_the_out_of_fold_coding(tmp_path):
    from test_coding import CODEBOOK as TRAINING_CODEBOOK
    from test_coding import synthetic_training

    from qualkit.coding import parse_codebook
    from qualkit.coding.validation import cross_validate

    texts, safety = synthetic_training(40)
    pd.DataFrame({"id": [f"s{i}" for i in range(40)], "case": [f"C{i % 5}" for i in range(40)],
                  "text": texts, "safety": safety}).to_csv(tmp_path / "sheet.csv", index=False)
    settings = Bootstrap(seed=2)
    table, out_of_fold = cross_validate(parse_codebook(TRAINING_CODEBOOK, "mini.yaml"),
                                        [tmp_path / "sheet.csv"], folds=5, codes=["safety"],
                                        bootstrap=settings)
    expected = bootstrap_intervals(out_of_fold[["safety_gold"]].to_numpy(),
                                   out_of_fold[["safety"]].to_numpy(), ["safety"], settings)
    assert table.set_index("code")[INTERVAL_COLUMNS].equals(expected)
    row = table.set_index("code").loc["safety"]
    assert row["f1_low"] <= row["f1"] <= row["f1_high"]


def write_sheets(folder, n: int = 120):
    """A gold and a predicted sheet with a theme, its sub-code and a theme nobody codes."""
    gold, pred = noisy(n, [0.3, 0.15], flip=0.1, seed=8)
    gold[:, 1] &= gold[:, 0]
    pred[:, 1] &= pred[:, 0]
    for name, values in (("gold", gold), ("pred", pred)):
        frame = pd.DataFrame(values, columns=["safety", "safety_orders"])
        frame.insert(0, "id", [f"q{i}" for i in range(n)])
        frame.assign(relevance=0).to_csv(folder / f"{name}.csv", index=False)
    (folder / "mini.yaml").write_text(CODEBOOK, encoding="utf-8")


def evaluate(folder, *options):
    with within(120):
        return CliRunner().invoke(main, ["evaluate", "--gold", str(folder / "gold.csv"), "--pred",
                                         str(folder / "pred.csv"), "--codebook",
                                         str(folder / "mini.yaml"), *options])


def test_cli_evaluate_prints_and_writes_the_intervals(tmp_path):
    write_sheets(tmp_path)
    result = evaluate(tmp_path, "--out", str(tmp_path / "a.csv"))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "a.csv", keep_default_na=False).set_index("code")
    assert list(table.reset_index().columns) == TABLE_COLUMNS + ["parent"] + INTERVAL_COLUMNS
    assert table.loc["safety_orders", "parent"] == "safety" and table.loc["safety", "parent"] == ""
    for code in ("safety", "safety_orders", "overall"):
        row = table.loc[code]
        assert float(row["f1_low"]) <= float(row["f1"]) <= float(row["f1_high"])
        shown = (f"{float(row['f1']):.3f} [{float(row['f1_low']):.2f}, "
                 f"{float(row['f1_high']):.2f}]")
        assert shown in result.output, shown
        kappa = (f"{float(row['cohen_kappa']):.3f} [{float(row['kappa_low']):.2f}, "
                 f"{float(row['kappa_high']):.2f}]")
        assert kappa in result.output, kappa
    assert "95% bootstrap intervals over 120 segments, 1000 resamples, seed 0" in result.output
    assert "│   safety" in result.output  # safety_orders, indented under its theme
    assert "used (f1, kappa)" in result.output  # relevance lost every resample
    # nobody codes relevance: no figure, no interval, and a note that says so
    assert table.loc["relevance", "f1_low"] == "" and "[-]" in result.output
    assert "relevance: no interval for precision, recall, f1, kappa" in result.output
    assert "[E191]" in result.output

    again = evaluate(tmp_path, "--out", str(tmp_path / "b.csv"))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    other = evaluate(tmp_path, "--seed", "5", "--out", str(tmp_path / "c.csv"))
    assert again.exit_code == other.exit_code == 0
    assert "resamples, seed 5" in other.output
    assert (pd.read_csv(tmp_path / "c.csv").f1_low != pd.read_csv(tmp_path / "a.csv").f1_low).any()


def test_cli_evaluate_without_intervals_and_with_too_few(tmp_path):
    write_sheets(tmp_path, n=30)
    result = evaluate(tmp_path, "--bootstrap", "0", "--out", str(tmp_path / "a.csv"))
    assert result.exit_code == 0, result.output
    assert "bootstrap" not in result.output and "[E191]" not in result.output
    assert list(pd.read_csv(tmp_path / "a.csv").columns) == TABLE_COLUMNS + ["parent"]
    result = evaluate(tmp_path, "--bootstrap", "50")
    assert result.exit_code == 2 and "[E190]" in result.output
    assert "Traceback" not in result.output and "input:" not in result.output


def test_cli_cross_validation_passes_the_bootstrap_on(tmp_path, monkeypatch):
    """The --cv path hands its settings to cross_validate (whose intervals are checked above)."""
    from qualkit.coding import validation

    write_sheets(tmp_path, n=40)
    seen = {}

    def fake(codebook, sheets, folds, also_train_on, bootstrap):
        seen["bootstrap"] = bootstrap
        gold = pd.read_csv(sheets[0])
        return agreement_table(gold, gold, ["safety"], bootstrap=bootstrap), None

    monkeypatch.setattr(validation, "cross_validate", fake)
    with within(120):
        result = CliRunner().invoke(main, ["evaluate", "--gold", str(tmp_path / "gold.csv"),
                                           "--cv", "3", "--bootstrap", "200", "--seed", "9",
                                           "--codebook", str(tmp_path / "mini.yaml")])
    assert result.exit_code == 0, result.output
    assert seen["bootstrap"] == Bootstrap(resamples=200, seed=9)
    assert "95% bootstrap intervals over 40 segments, 200 resamples, seed 9" in result.output
    assert "1.000 [1.00, 1.00]" in result.output
    assert "used (f1, kappa)" not in result.output  # every resample gave every figure
