"""Automatic coding against a codebook, with evidence: the public API behind ``qualkit code``.

    codebook = load_codebook("codebooks/spip_plus.yaml")
    coder = train_coder(codebook)                    # + human codings: train=["gold.csv"]
    coded = code_segments(segments, coder)           # DataFrame: one row per segment
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..embeddings import Embedder
from ..store import Project, now
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
    """The ``coded.csv`` table: segment columns, leaf ``codes``, and per theme a 0/1 and a score."""
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
    if explain:
        frame["rationale"] = [
            " | ".join(f"{code}: " + "; ".join(result.rationales[row].get(code, ["(combined score)"]))
                       for code in frame.loc[row, "codes"].split(";") if code)
            for row in range(len(frame))]
    return frame


def code_segments(segments: pd.DataFrame, coder: CodingEnsemble, explain: bool = False,
                  project: Project | None = None) -> pd.DataFrame:
    """Code a segments table (segment_id, case, speaker, text); store codings when given a project."""
    result = coder.code(segments["text"].tolist())
    frame = coding_frame(segments, result, coder.codebook, explain=explain)
    if project is not None:
        store_codings(project, coder.codebook, segments["segment_id"].tolist(), result)
    return frame


def store_codings(project: Project, codebook: Codebook, segment_ids: list[str],
                  result: CodingResult) -> int:
    """Record each coder's suggestions and the ensemble's decisions, with scores and reasons."""
    decisions = hierarchical(result.decisions, codebook)
    stamp = now()
    with project.transaction() as conn:
        codebook_id = stored_codebook_id(conn, codebook, stamp)
        rows = []
        for row, segment_id in enumerate(segment_ids):
            reasons = result.rationales[row]
            for j, code_id in enumerate(result.codes):
                for source in SOURCES:
                    score = result.by_source[source][row, j]
                    mine = [r.split(": ", 1)[1] for r in reasons.get(code_id, [])
                            if r.startswith(f"{source}: ")]
                    if mine and not np.isnan(score):
                        rows.append((segment_id, codebook_id, code_id, source, float(score),
                                     "; ".join(mine), stamp))
                if decisions[row, j]:
                    rows.append((segment_id, codebook_id, code_id, "ensemble",
                                 float(result.scores[row, j]),
                                 " | ".join(reasons.get(code_id, ["combined score"])), stamp))
        conn.executemany("INSERT INTO codings (segment_id, codebook_id, code_id, source, score, "
                         "rationale, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        project.log("code", codebook.name, {"segments": len(segment_ids), "codings": len(rows),
                                            "codebook_sha256": codebook.sha256})
    return len(rows)


def stored_codebook_id(conn, codebook: Codebook, stamp: str) -> int:
    """The stored version of this codebook text, adding a new version when the text changed."""
    found = conn.execute("SELECT id FROM codebooks WHERE name = ? AND sha256 = ?",
                         (codebook.name, codebook.sha256)).fetchone()
    if found:
        return found[0]
    version = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM codebooks WHERE name = ?",
                           (codebook.name,)).fetchone()[0]
    return conn.execute("INSERT INTO codebooks (name, version, sha256, content, loaded_at) "
                        "VALUES (?, ?, ?, ?, ?)", (codebook.name, version, codebook.sha256,
                                                   codebook.text, stamp)).lastrowid


__all__ = ["Code", "Codebook", "CodingEnsemble", "CodingResult", "LearnedCoder", "RuleCoder",
           "SemanticCoder", "code_segments", "coding_frame", "hierarchical", "label_matrix",
           "stored_codebook_id",
           "load_codebook", "parse_codebook", "read_training", "store_codings", "train_coder"]
