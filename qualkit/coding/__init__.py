"""Automatic coding against a codebook, with evidence: the public API behind ``qualkit code``.

    codebook = load_codebook("codebooks/spip_plus.yaml")
    coder = train_coder(codebook)                    # + human codings: train=["gold.csv"]
    codings = code(project.corpus(), coder)          # Codings: typed, with every reason
    codings.frame()                                  # the coded.csv table
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from ..corpus import Corpus
from ..embeddings import Embedder
from ..store import Project
from .calibration import AUTO, BANDS, REVIEW
from .codebook import Code, Codebook, load_codebook, parse_codebook
from .ensemble import CodingEnsemble, CodingResult
from .labels import label_matrix, read_training
from .learned import LearnedCoder
from .rules import RuleCoder
from .semantic import SemanticCoder

SOURCES = ("rule", "semantic", "learned")


def train_coder(codebook: Codebook, train: Sequence[str | Path] = (), *,
                use_codebook_training: bool = True, embedder: Embedder | None = None,
                random_state: int = 0) -> CodingEnsemble:
    """Fit the ensemble on the codebook's examples plus human-coded sheets.

    The codebook's own ``training`` sheets are used unless ``use_codebook_training`` is False.
    """
    sheets = [*(codebook.training if use_codebook_training else ()), *train]
    texts, y, groups, weights = read_training(codebook, sheets)
    return CodingEnsemble(codebook, embedder=embedder, random_state=random_state).fit(
        texts, y, groups, weights)


def hierarchical(decisions: np.ndarray, codebook: Codebook) -> np.ndarray:
    """A sub-code is only on when every ancestor is on: themes decide, sub-codes specify."""
    decisions = decisions.copy()
    index = {c: j for j, c in enumerate(codebook.ids)}
    for code in codebook.codes:
        for ancestor in codebook.ancestors(code.id):
            decisions[:, index[code.id]] &= decisions[:, index[ancestor]]
    return decisions


def coding_frame(segments: pd.DataFrame, result: CodingResult, codebook: Codebook,
                 explain: bool = False) -> pd.DataFrame:
    """The ``coded.csv`` table: segment columns, leaf ``codes``, and per theme a 0/1, the combined
    score, its calibrated probability and its band (auto, review or reject)."""
    decisions = hierarchical(result.decisions, codebook)
    index = {c: j for j, c in enumerate(result.codes)}
    frame = segments[["segment_id", "case", "speaker", "text"]].reset_index(drop=True).copy()
    leaves = []
    for row in range(len(frame)):
        on = {c for c in result.codes if decisions[row, index[c]]}
        leaves.append(";".join(c for c in result.codes
                               if c in on and not any(d in on for d in codebook.children(c))))
    frame["codes"] = leaves
    for theme in codebook.themes:
        frame[theme] = decisions[:, index[theme]]
        frame[f"{theme}_score"] = np.round(result.scores[:, index[theme]], 4)
        frame[f"{theme}_probability"] = np.round(result.probabilities[:, index[theme]], 4)
        frame[f"{theme}_band"] = np.array(BANDS)[result.bands[:, index[theme]]]
    if explain:
        frame["rationale"] = [
            " | ".join(f"{code}: " + "; ".join(result.rationales[row].get(code, ["(combined score)"]))
                       for code in frame.loc[row, "codes"].split(";") if code)
            for row in range(len(frame))]
    return frame


@dataclass(frozen=True)
class Codings:
    """What the coders suggested for a corpus's respondent segments: the stage's typed output.

    ``segments`` are the coded segments (segment_id, case, speaker, text), ``result`` the coders'
    scores, decisions and reasons in the same order, and ``coder`` the trained coders' key (the
    store keeps it with each suggestion, so a re-run with the same coders changes nothing)."""

    segments: pd.DataFrame
    result: CodingResult
    codebook: Codebook
    coder: str | None = None

    def frame(self, explain: bool = False) -> pd.DataFrame:
        """The ``coded.csv`` table."""
        return coding_frame(self.segments, self.result, self.codebook, explain=explain)

    def counts(self) -> dict[str, int]:
        """Segments given each theme."""
        decisions = hierarchical(self.result.decisions, self.codebook)
        index = {c: j for j, c in enumerate(self.result.codes)}
        return {t: int(decisions[:, index[t]].sum()) for t in self.codebook.themes}

    def bands(self) -> dict[str, dict[str, int]]:
        """Per theme, how many of its suggestions are auto-accepted and how many are to review."""
        index = {c: j for j, c in enumerate(self.result.codes)}
        return {t: {name: int((self.result.bands[:, index[t]] == band).sum())
                    for name, band in (("auto", AUTO), ("review", REVIEW))}
                for t in self.codebook.themes}

    def rows(self) -> Iterator[tuple]:
        """(segment_id, code_id, source, score, rationale, probability, band): each coder's
        scored suggestion with its reasons (no probability or band), and the ensemble's
        decisions with theirs, as the project stores them."""
        result = self.result
        decisions = hierarchical(result.decisions, self.codebook)
        for row, segment_id in enumerate(self.segments["segment_id"]):
            reasons = result.rationales[row]
            for j, code_id in enumerate(result.codes):
                for source in SOURCES:
                    score = result.by_source[source][row, j]
                    mine = [r.split(": ", 1)[1] for r in reasons.get(code_id, [])
                            if r.startswith(f"{source}: ")]
                    if mine and not np.isnan(score):
                        yield segment_id, code_id, source, float(score), "; ".join(mine), None, None
                if decisions[row, j]:
                    yield (segment_id, code_id, "ensemble", float(result.scores[row, j]),
                           " | ".join(reasons.get(code_id, ["combined score"])),
                           float(result.probabilities[row, j]), BANDS[result.bands[row, j]])


def code(corpus: Corpus | pd.DataFrame, coder: CodingEnsemble, coder_key: str | None = None
         ) -> Codings:
    """Code every respondent segment of ``corpus`` (or a table of segments with ``segment_id``,
    ``case``, ``speaker`` and ``text``)."""
    segments = corpus.respondents if isinstance(corpus, Corpus) else corpus.reset_index(drop=True)
    return Codings(segments, coder.code(segments["text"].tolist()), coder.codebook, coder_key)


def code_segments(segments: pd.DataFrame, coder: CodingEnsemble, explain: bool = False,
                  project: Project | None = None) -> pd.DataFrame:
    """Code a segments table (segment_id, case, speaker, text); store codings when given a project."""
    codings = code(segments, coder)
    if project is not None:
        store_codings(project, codings)
    return codings.frame(explain=explain)


def store_codings(project: Project, codings: Codings) -> int:
    """Record each coder's suggestions and the ensemble's decisions, with scores and reasons."""
    return project.add_codings(codings.codebook, codings.rows(), coder=codings.coder,
                               segment_ids=codings.segments["segment_id"])


__all__ = ["Code", "Codebook", "CodingEnsemble", "CodingResult", "Codings", "LearnedCoder",
           "RuleCoder", "SemanticCoder", "code", "code_segments", "coding_frame", "hierarchical",
           "label_matrix", "load_codebook", "parse_codebook", "read_training", "store_codings", "train_coder"]
