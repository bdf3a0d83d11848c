"""Quotes per code, per case type and per topic: the public API behind ``qualkit quotes``.

    quotes = extract_quotes(segments, coder, codes=["safety"], per_group=5, attributes=cases)

Each group's quotes come from the segments that carry it (the coder's decision for a code, the
evidence cells of the cases typed as a type, a topic's members), are cut into candidate runs of whole
sentences, scored once in a batch, and ranked and picked for diversity (see :mod:`.candidates`).
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import pandas as pd

from ..coding import hierarchical
from ..embeddings import Embedder
from ..sentences import reading_sentences
from .candidates import (DEFAULT_MAX_WORDS, DEFAULT_PER_GROUP, QUOTE_COLUMNS, WEIGHTS, Candidate,
                         candidates, finish, pick_diverse, rank_quotes, readability)

SEGMENTS_PER_GROUP = 40  # the strongest segments of a group that are cut into candidates
SHORTLISTED = 3  # a code's candidates per segment that the coder scores
SCREENED = 6  # candidates per wanted quote put through the screen (the privacy check)
PRE_RANKED = 2  # times as many candidates of a type or topic as are screened get their own vector


def extract_quotes(segments: pd.DataFrame, coder, *, codes: Sequence[str] = (),
                   types: Sequence[str] = (), topics: Sequence[int] = (), typology_result=None,
                   segment_topics: pd.DataFrame | None = None, per_group: int = DEFAULT_PER_GROUP,
                   max_words: int = DEFAULT_MAX_WORDS, attributes: pd.DataFrame | None = None,
                   template: str | None = None, balance: str | None = None,
                   embedder: Embedder | None = None, screen=None, coded=None) -> pd.DataFrame:
    """The best ``per_group`` quotes for each code, type and topic asked for (every theme when
    nothing is asked), as a table with the columns of :data:`QUOTE_COLUMNS`.

    ``segments`` holds respondent segments (segment_id, case, text, start); ``attributes`` is indexed
    by case; ``balance`` names an attribute (e.g. 'role') whose values take turns in each group.
    ``screen(texts) -> [bool]`` keeps only candidates that pass (the privacy check): a quote that
    would need a name redacted is passed over for the next best, so quotes stay verbatim.
    ``coded`` is the coder's result for ``segments`` when the caller already has it.
    """
    embedder = embedder or coder.embedder_
    template = template or coder.codebook.attribution
    segments = segments.reset_index(drop=True)
    if not (codes or types or topics):
        codes = coder.codebook.themes
    groups = []  # (column, group, segment rows, code whose score ranks the candidates or None)
    if codes:
        result = coded if coded is not None else coder.code(segments["text"].tolist())
        decisions = hierarchical(result.decisions, coder.codebook)
        for code in codes:
            j = result.codes.index(code)
            rows = np.flatnonzero(decisions[:, j])
            rows = rows[np.argsort(-result.scores[rows, j], kind="mergesort")][:SEGMENTS_PER_GROUP]
            groups.append(("code", code, rows, code))
    for type_id in types:
        groups.append(("type", type_id, _type_rows(segments, typology_result, type_id), None))
    for topic in topics:
        members = set(segment_topics.loc[segment_topics["topic"] == topic, "segment_id"]) \
            if segment_topics is not None else set()
        rows = np.flatnonzero(segments["segment_id"].isin(members).to_numpy())
        groups.append(("topic", str(topic), rows[:SEGMENTS_PER_GROUP], None))
    pool = sorted({int(r) for _, _, rows, _ in groups for r in rows})
    found = candidates(segments.loc[pool], max_words=max_words) if pool else []
    if not found:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    vectors = _sentence_means(segments.loc[pool], found, embedder)
    by_group = []  # per group: its candidates (indices into found) and its segments' centroid
    for _, _, rows, _ in groups:
        ids = set(segments.loc[rows, "segment_id"])
        mine = [i for i, c in enumerate(found) if c.segment_id in ids]
        centroid = embedder.encode(segments.loc[rows, "text"].tolist()).mean(axis=0) \
            if mine else None
        by_group.append((mine, centroid))
    # The coder scores a code's candidates only, and of those the few per segment that read best
    # and are closest to the code's segments: coding every candidate was most of the stage's time.
    # A type or topic keeps the candidates closest to its segments. Only those shortlisted get
    # their own vectors, and are ranked by them.
    for g, (_, _, _, code) in enumerate(groups):
        mine, centroid = by_group[g]
        if mine and code is not None:
            by_group[g] = (_shortlist(found, mine, vectors, centroid), centroid)
        elif mine:
            by_group[g] = (_closest(found, mine, vectors, centroid,
                                    PRE_RANKED * SCREENED * per_group), centroid)
    to_score = sorted({i for g, (mine, _) in enumerate(by_group) if groups[g][3] is not None
                       for i in mine})
    scored = coder.code([found[i].plain for i in to_score]) if to_score else None
    scored_row = {i: k for k, i in enumerate(to_score)}
    ranked_ids = sorted({i for mine, _ in by_group for i in mine})
    vectors[ranked_ids] = embedder.encode([found[i].plain for i in ranked_ids])
    roles = None
    if balance and attributes is not None and balance in attributes.columns:
        roles = attributes[balance].astype(str).to_dict()
    tables = []
    for (column, group, rows, code), (mine, centroid) in zip(groups, by_group):
        if not mine:
            continue
        if code is not None:
            score = scored.scores[[scored_row[i] for i in mine], scored.codes.index(code)]
        else:  # a type or topic: how close the passage is to what its segments say
            score = _cosine(vectors[mine], centroid)
        ranked = rank_quotes([found[i] for i in mine], score, vectors[mine], centroid)
        if screen is not None:
            ranked = ranked.head(SCREENED * per_group)
            ranked = ranked[list(screen(ranked["quote"].tolist()))].reset_index(drop=True)
        picked = pick_diverse(ranked, per_group, roles)
        tables.append(finish(picked, column, group, attributes, template))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=QUOTE_COLUMNS)


def _sentence_means(pool: pd.DataFrame, found: list[Candidate], embedder: Embedder) -> np.ndarray:
    """Each candidate's approximate vector: the mean of its sentences' vectors, weighted by length.

    A segment of n sentences has up to 5n candidate runs, and embedding each run was most of the
    stage's time; its sentences are embedded once instead. The mean ranks candidates close to how
    their own vectors would, which is all a shortlist needs; the shortlisted get their own."""
    where: dict[str, tuple[int, list[tuple[int, int]], int]] = {}  # offset, sentences, first row
    texts: list[str] = []
    for row, spans in zip(pool.itertuples(index=False), reading_sentences(pool["text"])):
        where[row.segment_id] = (int(row.start), list(spans), len(texts))
        texts += [row.text[left:right] for left, right in spans]
    sentences = embedder.encode(texts)
    lengths = np.array([len(text) for text in texts], dtype=np.float32)
    means = np.zeros((len(found), sentences.shape[1]), dtype=np.float32)
    for i, candidate in enumerate(found):
        offset, spans, first = where[candidate.segment_id]
        rows = [first + k for k, (left, right) in enumerate(spans)
                if left + offset < candidate.end and candidate.start < right + offset]
        means[i] = lengths[rows] @ sentences[rows]
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return means / np.where(norms > 0, norms, 1)


def _merit_without_coder(found: list[Candidate], mine: list[int], vectors: np.ndarray,
                         centroid: np.ndarray, closeness_weight: float) -> list[float]:
    closeness = _cosine(vectors[mine], centroid)
    return [closeness_weight * near + WEIGHTS["readability"] * readability(found[i].text)
            for i, near in zip(mine, closeness)]


def _shortlist(found: list[Candidate], mine: list[int], vectors: np.ndarray,
               centroid: np.ndarray) -> list[int]:
    """The ``SHORTLISTED`` candidates of each segment with the best typicality and readability
    (the parts of a quote's merit that need no coder), so every segment still has a say."""
    merit = _merit_without_coder(found, mine, vectors, centroid, WEIGHTS["typicality"])
    kept: dict[str, list[tuple[float, int]]] = {}
    for i, value in zip(mine, merit):
        kept.setdefault(found[i].segment_id, []).append((-value, i))
    return sorted(i for best in kept.values() for _, i in sorted(best)[:SHORTLISTED])


def _closest(found: list[Candidate], mine: list[int], vectors: np.ndarray, centroid: np.ndarray,
             keep: int) -> list[int]:
    """The ``keep`` candidates of a type or topic with the best merit, where closeness to the
    group's segments stands for both the score and the typicality."""
    merit = _merit_without_coder(found, mine, vectors, centroid,
                                 WEIGHTS["score"] + WEIGHTS["typicality"])
    return sorted(i for _, i in sorted(zip([-m for m in merit], mine))[:keep])


def _type_rows(segments: pd.DataFrame, typology_result, type_id: str) -> np.ndarray:
    """Segments that evidence the cells of the cases typed as ``type_id``: each case's first cell,
    then each case's second, and so on, up to ``SEGMENTS_PER_GROUP`` (a type shared by hundreds of
    cases still gets quotes from many of them, at a bounded cost)."""
    if typology_result is None:
        return np.array([], dtype=int)
    cells = [[segment for found in case.dimensions.values() for segment in found.evidence[:1]]
             for case in typology_result.cases if case.type == type_id]
    evidence = [segment for turn in itertools.zip_longest(*cells) for segment in turn if segment]
    wanted = list(dict.fromkeys(evidence))[:SEGMENTS_PER_GROUP]
    position = {s: i for i, s in enumerate(segments["segment_id"])}
    return np.array([position[s] for s in wanted if s in position], dtype=int)


def _cosine(vectors: np.ndarray, centroid: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(centroid) or 1.0)
    return np.clip(vectors @ centroid / np.where(norms > 0, norms, 1), 0, 1)


__all__ = ["Candidate", "DEFAULT_MAX_WORDS", "DEFAULT_PER_GROUP", "QUOTE_COLUMNS", "candidates",
           "extract_quotes", "pick_diverse", "rank_quotes", "readability"]
