"""Fit the SPIP Plus typology's weights on every case whose type is known, and say how well that
generalises: each labelled set is typed by weights fitted on the others (leave one set out).

    python eval/fit_typology.py            # report, then rewrite codebooks/spip_plus_typology.yaml
    python eval/fit_typology.py --check    # report only
    python eval/fit_typology.py --check --details eval/typology_loso.csv   # + every case's typing

The labelled sets: the sample's 25 interviews (intended types in transcripts_sample/cases.csv) and
sets of 11 (one per type) written for this evaluation by writers who each saw only the domain brief
and Table 9.1, not the sample or each other's sets (eval/typology_dev*/, types in intended.csv).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualkit.atomic import atomic_write  # noqa: E402
from qualkit.coding import load_codebook, train_coder  # noqa: E402
from qualkit.ingest import segments_from_paths  # noqa: E402
from qualkit.segment import Segmenter  # noqa: E402
from qualkit.typology import classify_cases, load_typology  # noqa: E402
from qualkit.typology.evidence import typology_scores  # noqa: E402
from qualkit.typology.fit import case_features, dump_typology, fit_typology  # noqa: E402

TYPOLOGY = ROOT / "codebooks" / "spip_plus_typology.yaml"
SETS = {"sample": (ROOT / "transcripts_sample", ROOT / "transcripts_sample" / "cases.csv"),
        **{folder.name: (folder, folder / "intended.csv")
           for folder in sorted((ROOT / "eval").glob("typology_dev*"))
           if (folder / "intended.csv").is_file()}}
HEADER = """Case pathway typology of the SPIP Plus evaluation (Table 9.1; see ../shared/domain/typology.md).

Dimensions list the values a case can take; each value names the evidence that votes for it: codes
of the codebook (a code's strength in a case is its best score over the case's answers, each read
with its question) and case attributes. A value's vote is its prior plus weight x strength summed
over its rules; votes become probabilities by a softmax (times sharpness). 'priority' (optional)
makes a value win whenever it has evidence. Types give, per dimension, the value(s) that fit and the
table's own wording for the cell.

Weights and priors were fitted by eval/fit_typology.py on {cases} cases of known type (the sample and
independently written sets); edit which codes vote for which value, then re-run it."""


def main(check: bool, details_path: str | None = None) -> None:
    typology = load_typology(TYPOLOGY)
    coder = train_coder(load_codebook(typology.codebook))
    features, known = [], {}
    for name, (folder, sheet) in SETS.items():
        cases = pd.read_csv(sheet, dtype=str).set_index("case")
        segments, _ = segments_from_paths([folder], None, segmenter=Segmenter(all_speakers=True),
                                          cases=sheet)
        scores = typology_scores(segments, coder)
        scores = scores[scores["case"].isin(cases.index)]
        attrs = cases.drop(columns=[c for c in cases.columns if c != "harm"])
        features.append((name, scores, attrs))
        known.update(cases["intended_type"].to_dict())
    table = pd.concat([case_features(typology, s, a) for _, s, a in features])
    total_types = total_cells = total = 0
    details = []
    for name, scores, attrs in features:
        others = {c: t for c, t in known.items() if c not in set(scores["case"])}
        fitted = fit_typology(typology, table, others)
        results = classify_cases(fitted, scores, attrs)
        right = sum(r.type == known[r.case] for r in results)
        cells = sum(r.dimensions[d.id].value in fitted.type(known[r.case]).cell(d.id).values
                    for r in results for d in fitted.dimensions)
        print(f"{name}: {right}/{len(results)} types, {cells}/{7 * len(results)} cells "
              f"({cells / (7 * len(results)):.0%}) with weights fitted on the other sets")
        details += [{"set": name, "case": r.case, "intended": known[r.case], "derived": r.type,
                     "confidence": r.confidence, "runner_up": r.runner_up,
                     "cells_right": sum(r.dimensions[d.id].value in fitted.type(
                         known[r.case]).cell(d.id).values for d in fitted.dimensions)}
                    for r in results]
        for r in results:
            if r.type != known[r.case]:
                print(f"   {r.case}: {known[r.case]} typed {r.type} ({r.reason})")
        total_types, total_cells, total = total_types + right, total_cells + cells, total + len(results)
    print(f"all: {total_types}/{total} types, {total_cells / (7 * total):.0%} cells (leave one set out)")
    if details_path:
        with atomic_write(details_path) as handle:
            pd.DataFrame(details).to_csv(handle, index=False)
    if not check:
        fitted = fit_typology(typology, table, known)
        with atomic_write(TYPOLOGY) as handle:
            handle.write(dump_typology(fitted, TYPOLOGY, HEADER.format(cases=len(known))))
        print(f"wrote {TYPOLOGY.relative_to(ROOT)}")


if __name__ == "__main__":
    main("--check" in sys.argv,
         sys.argv[sys.argv.index("--details") + 1] if "--details" in sys.argv else None)
