"""One call from segments to typed cases and their outputs: what ``qualkit typology`` runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..corpus import Corpus
from .classify import CaseType, classify_cases
from .evidence import best_passages, typology_scores
from .scheme import Typology
from .tables import case_matrix, cases_frame, type_counts, typology_markdown, write_typology_docx


@dataclass
class TypologyResult:
    """Every case's type and cells, with the scores and quotes behind them."""

    typology: Typology
    cases: list[CaseType]
    scores: pd.DataFrame                     # segment x code, as the typology read them
    quotes: dict[tuple[str, str], str]       # (case, dimension) -> short quote

    def frame(self) -> pd.DataFrame:
        return cases_frame(self.typology, self.cases)

    def matrix(self) -> pd.DataFrame:
        return case_matrix(self.typology, self.cases, self.quotes)

    def counts(self) -> Counter:
        return type_counts(self.cases)


def type_cases(corpus: Corpus | pd.DataFrame, typology: Typology, coder,
               attributes: pd.DataFrame | None = None,
               overrides: dict[str, dict[str, str]] | None = None) -> TypologyResult:
    """Type every case of ``corpus`` with a trained coder, reading each answer with its question
    (a :class:`qualkit.corpus.Corpus`, or a table of all speakers' segments in transcript order
    with ``attributes`` beside it); ``overrides`` are the researcher's cells, which win."""
    if isinstance(corpus, Corpus):
        segments, attributes = corpus.segments, corpus.attributes
    else:
        segments = corpus
    scores = typology_scores(segments, coder)
    results = classify_cases(typology, scores, attributes, overrides)
    text_of = dict(zip(scores["segment_id"], scores["text"]))
    wanted = [(r.case, d, found.evidence[0], found.code) for r in results
              for d, found in r.dimensions.items() if found.evidence and found.code]
    passages = best_passages([(text_of[segment], code) for _, _, segment, code in wanted], coder)
    quotes = {(case, d): passage for (case, d, _, _), passage in zip(wanted, passages)}
    return TypologyResult(typology, results, scores, quotes)


def write_typology_outputs(result: TypologyResult, out_path: str | Path, gate,
                           suppress_counts: bool = False) -> list[Path]:
    """``cases.csv`` at ``out_path``; ``typology_table.md``/``.docx`` and ``case_matrix.csv`` beside
    it. Every table passes the privacy gate first; each file is written whole or not at all."""
    from ..atomic import atomic_write
    from ..spreadsheets import to_csv

    out_path = Path(out_path)
    folder = out_path.parent
    frame = gate.identifiers(result.frame())  # ids, the typology's wording: no transcript text
    matrix = gate.frame(result.matrix(), result.typology.dimension_ids,
                        where=str(folder / "case_matrix.csv"))
    counts = result.counts()
    written = []
    for path, table in ((out_path, frame), (folder / "case_matrix.csv", matrix)):
        with atomic_write(path) as handle:
            to_csv(table, handle)
        written.append(path)
    with atomic_write(folder / "typology_table.md") as handle:
        handle.write(typology_markdown(result.typology, counts, suppress_counts))
    with atomic_write(folder / "typology_table.docx", "wb") as handle:
        write_typology_docx(result.typology, counts, handle, suppress_counts)
    return written + [folder / "typology_table.md", folder / "typology_table.docx"]

