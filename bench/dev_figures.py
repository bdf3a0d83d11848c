"""The shipped coder's figures on the dev set of report-style quotes (issue 21), with intervals.

The coder never trains on ``codebooks/evaluation/spip_dev_gold.csv``, so coding its quotes and
scoring them against the resolved gold gives held-out figures, the nearest this repository has to
the hidden real quotes. It runs the two commands a user would (``qualkit code``, then ``qualkit
evaluate`` with bootstrap intervals) on the chosen part. The frozen part is scored once, when the
coding issue ends; the flag that asks for it says so, so that it is not looked at by accident.

Run: ``.venv/bin/python bench/dev_figures.py [--codebook PATH]`` (a few minutes with a cold cache).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "codebooks" / "evaluation" / "spip_dev_gold.csv"
THEMES = ["relevance", "safety", "mediation_resistance"]


def _qualkit(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from qualkit.cli import main; main()", *args],
                   check=True)


def show_bands(coded: pd.DataFrame, gold: pd.DataFrame) -> None:
    """Per theme: how many suggestions each band holds and how many of them the gold has."""
    truth = gold.set_index("id")
    print("| theme | auto | auto precision | auto share of suggestions | review | review precision |")
    print("|---|---|---|---|---|---|")
    for theme in THEMES:
        band = coded.set_index("segment_id")[f"{theme}_band"]
        right = truth.loc[band.index, theme] == "1"
        auto, review = band == "auto", band == "review"

        def share(mask):
            return f"{right[mask].mean():.2f}" if mask.any() else "-"

        suggested = int(auto.sum() + review.sum())
        print(f"| {theme} | {int(auto.sum())} | {share(auto)} | "
              f"{auto.sum() / max(suggested, 1):.2f} | {int(review.sum())} | {share(review)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", default=str(ROOT / "codebooks" / "spip_plus.yaml"))
    parser.add_argument("--score-the-frozen-part-once", action="store_true",
                        help="score the frozen part instead of the dev part (once, at the end)")
    args = parser.parse_args()
    part = "frozen" if args.score_the_frozen_part_once else "dev"
    gold = pd.read_csv(GOLD, dtype=str, keep_default_na=False)
    gold = gold[gold["part"] == part].drop(columns=["part"])
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        gold[["id", "speaker", "text"]].to_csv(tmp / "quotes.csv", index=False)
        gold.to_csv(tmp / "gold.csv", index=False)
        _qualkit("code", str(tmp / "quotes.csv"), "--codebook", args.codebook,
                 "--out", str(tmp / "coded.csv"), "--no-privacy-check")
        coded = pd.read_csv(tmp / "coded.csv", dtype=str, keep_default_na=False)
        missing = sorted(set(gold["id"]) - set(coded["segment_id"]))
        if missing:  # a quote the import dropped is a quote the coder missed, not one left out
            print(f"{len(missing)} quote(s) never coded (counted as no code): {missing[:10]}")
        show_bands(coded, gold)
        coded = coded.rename(columns={"segment_id": "id"})[["id", *THEMES]]
        filler = pd.DataFrame({"id": missing, **{theme: "0" for theme in THEMES}})
        pd.concat([coded, filler]).to_csv(tmp / "pred.csv", index=False)
        print(f"{part} part: {len(gold)} quotes; positives "
              + ", ".join(f"{t} {int((gold[t] == '1').sum())}" for t in THEMES))
        _qualkit("evaluate", "--gold", str(tmp / "gold.csv"), "--pred", str(tmp / "pred.csv"),
                 "--codebook", args.codebook)


if __name__ == "__main__":
    main()
