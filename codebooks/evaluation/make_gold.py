"""Build the dev set's gold sheet from two independent coding passes and the resolutions.

``pass_a.csv`` and ``pass_b.csv`` were coded independently from ``spip_dev_quotes.csv`` against the
codebook's definitions; ``resolutions.csv`` settles each quote and theme on which they disagreed
(kept, with the reason). The gold is pass A where both agree and the resolution where they do not;
the script refuses to run if a disagreement has no resolution, or a resolution no disagreement.

A frozen part (30%, :data:`FROZEN_SHARE`) is chosen by the sha256 of each id, not by reading the
quotes: no choice (threshold, example, model) may be made on it, and it is scored once, at the end
of the coding issue. Run from the checkout: ``python codebooks/evaluation/make_gold.py``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
THEMES = ("relevance", "safety", "mediation_resistance")
FROZEN_SHARE = 0.3


def _rows(name: str) -> list[dict]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def frozen_ids(ids: list[str]) -> set[str]:
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"frozen:{i}".encode()).hexdigest())
    return set(ranked[:round(len(ids) * FROZEN_SHARE)])


def build() -> list[dict]:
    quotes = _rows("spip_dev_quotes.csv")
    first = {row["id"]: row for row in _rows("pass_a.csv")}
    second = {row["id"]: row for row in _rows("pass_b.csv")}
    settled = {(row["id"], row["theme"]): row["resolved"] for row in _rows("resolutions.csv")}
    disputed = {(q["id"], t) for q in quotes for t in THEMES
                if first[q["id"]][t] != second[q["id"]][t]}
    if disputed != set(settled):
        raise SystemExit(f"unresolved: {sorted(disputed - set(settled))}; "
                         f"resolved without a dispute: {sorted(set(settled) - disputed)}")
    frozen = frozen_ids([q["id"] for q in quotes])
    gold = []
    for quote in quotes:
        values = {t: settled.get((quote["id"], t), first[quote["id"]][t]) for t in THEMES}
        gold.append({"id": quote["id"], "speaker": quote["speaker"], "text": quote["text"],
                     "themes": ";".join(t for t in THEMES if values[t] == "1"), **values,
                     "part": "frozen" if quote["id"] in frozen else "dev"})
    return gold


def main() -> None:
    gold = build()
    with (HERE / "spip_dev_gold.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(gold[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(gold)
    dev = [row for row in gold if row["part"] == "dev"]
    print(f"{len(gold)} quotes, {len(dev)} dev, {len(gold) - len(dev)} frozen; positives on dev: "
          + ", ".join(f"{t} {sum(row[t] == '1' for row in dev)}" for t in THEMES))


if __name__ == "__main__":
    main()
