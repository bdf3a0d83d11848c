"""Quotes for reports: short, verbatim, attributed, typical of what they illustrate, from many voices.

A report writer wants, per theme or case type, a handful of quotes that (1) clearly carry the theme,
(2) say what most people coded with it say rather than the odd outlier, (3) read well on their own,
and (4) come from different people. Candidates are runs of one to five whole sentences of one
respondent segment; the only edits are the ones the quoting convention allows: fillers ("erm", "you
know") cut from inside and marked "...", and a dangling opening connective ("And so") cut and marked
"...". Every quote keeps the character offsets of its verbatim pieces in the stored turn, so anyone
can check it against the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..attribution import attribute
from ..segment import count_words
from ..sentences import reading_sentences

MAX_SENTENCES = 5
MIN_WORDS = 8
DEFAULT_MAX_WORDS = 60
DEFAULT_PER_GROUP = 5
WEIGHTS = {"score": 0.6, "typicality": 0.25, "readability": 0.15}
#: opening words that lean on what came before; cut (and marked) when a quote starts with them
DANGLING = re.compile(r"^(?:(?:and|but|so|or|because|which|then)(?:\s+(?:so|then|yeah|well))?"
                      r"|and also|but also)\b[,]?\s+", re.IGNORECASE)
#: fillers cut from inside a quote: hesitations, and "you know"/"I mean" set off by commas
FILLER = re.compile(r"(?:,\s*|\s)(?:erm+|um+|uh+|er|ah|mm+)\b,?(?=\s)|,\s*(?:you know|I mean),(?=\s)",
                    re.IGNORECASE)
QUOTE_COLUMNS = ["quote", "attribution", "case", "segment_id", "start", "end", "code", "type",
                 "topic", "score", "typicality", "readability", "rank"]


@dataclass(frozen=True)
class Candidate:
    """A run of whole sentences of one segment, with the edits that make it a quote."""

    segment_id: str
    case: str
    text: str                            # the quote as printed
    pieces: tuple[tuple[int, int], ...]  # verbatim spans, offsets into the turn
    plain: str                           # the verbatim run, for scoring

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]


def candidates(segments: pd.DataFrame, max_words: int = DEFAULT_MAX_WORDS,
               max_sentences: int = MAX_SENTENCES) -> list[Candidate]:
    """Every run of 1-``max_sentences`` sentences of each segment with 8-``max_words`` words.

    ``segments`` has segment_id, case, text and start (the segment's offset in its turn).
    """
    found = []
    for row, spans in zip(segments.itertuples(index=False), reading_sentences(segments["text"])):
        for first in range(len(spans)):
            for last in range(first, min(first + max_sentences, len(spans))):
                left, right = spans[first][0], spans[last][1]
                words = count_words(row.text[left:right])
                if words > max_words:
                    break
                quote = _edited(row, left, right) if words >= MIN_WORDS else None
                if quote is not None and count_words(quote.plain) >= MIN_WORDS:
                    found.append(quote)
    return found


def _edited(row, left: int, right: int) -> Candidate:
    """The run as a quote: a dangling opener and inner fillers cut, each cut marked '...'."""
    text, offset = row.text, int(row.start)
    lead = ""
    opener = DANGLING.match(text[left:right])
    if opener:
        left += opener.end()
        lead = "... "
    pieces, cursor = [], left
    for filler in FILLER.finditer(text, left, right):
        if filler.start() > cursor:
            pieces.append((cursor, filler.start()))
        cursor = filler.end()
    pieces.append((cursor, right))
    pieces = [(a + len(text[a:b]) - len(text[a:b].lstrip()), b - len(text[a:b]) +
               len(text[a:b].rstrip())) for a, b in pieces]
    pieces = [(a, b) for a, b in pieces if b > a]
    printed = lead + " ... ".join(text[a:b] for a, b in pieces)
    return Candidate(row.segment_id, row.case, printed,
                     tuple((a + offset, b + offset) for a, b in pieces), text[left:right])


def readability(text: str) -> float:
    """0-1: plain quotes of 15-45 words read best; cuts, placeholders and questions read worse."""
    words = count_words(text)
    length = 1.0 if 15 <= words <= 45 else max(0.0, 1 - min(abs(words - 15), abs(words - 45)) / 30)
    cuts = text.count("...")
    placeholders = len(re.findall(r"\[[^\]]+\]", text))
    questions = text.count("?")
    return float(np.clip(length - 0.15 * cuts - 0.05 * placeholders - 0.1 * questions, 0, 1))


def rank_quotes(found: list[Candidate], scores: np.ndarray, vectors: np.ndarray,
                centroid: np.ndarray | None) -> pd.DataFrame:
    """Candidates with their score, typicality (cosine to the code's centroid) and readability."""
    if centroid is not None and np.linalg.norm(centroid) > 0:
        unit = centroid / np.linalg.norm(centroid)
        norms = np.linalg.norm(vectors, axis=1)
        typicality = np.clip((vectors @ unit) / np.where(norms > 0, norms, 1), 0, 1)
    else:
        typicality = np.zeros(len(found))
    frame = pd.DataFrame({
        "quote": [c.text for c in found], "case": [c.case for c in found],
        "segment_id": [c.segment_id for c in found], "start": [c.start for c in found],
        "end": [c.end for c in found], "score": np.round(scores, 4),
        "typicality": np.round(typicality, 4),
        "readability": [round(readability(c.text), 4) for c in found]})
    frame["merit"] = sum(frame[k] * w for k, w in WEIGHTS.items())
    return frame.sort_values(["merit", "segment_id", "start"], ascending=[False, True, True],
                             kind="mergesort").reset_index(drop=True)


def pick_diverse(ranked: pd.DataFrame, k: int, roles: dict[str, str] | None = None) -> pd.DataFrame:
    """The best ``k`` quotes, no two overlapping, at most one per case until every case with a
    candidate has one; with ``roles`` (case -> role) the roles take turns."""
    chosen: list[int] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    cases_available = ranked["case"].nunique()
    # No candidates (every one screened out, or none carried the group) gives no roles to take
    # turns: the loop below then finds nothing and the group has no quotes.
    role_order = sorted({roles.get(c, "") for c in ranked["case"]}) if roles else []
    role_order = role_order or [""]
    while len(chosen) < k and len(ranked):
        wanted_role = role_order[len(chosen) % len(role_order)] if roles else None
        picked = None
        for pass_ in ("strict", "relaxed"):
            for i, row in ranked.iterrows():
                if i in chosen or _overlaps(taken.get(row.segment_id, []), row.start, row.end):
                    continue
                used = {ranked.loc[j, "case"] for j in chosen}
                if row.case in used and len(used) < cases_available:
                    continue
                if pass_ == "strict" and wanted_role is not None and roles.get(row.case, "") \
                        != wanted_role:
                    continue
                picked = i
                break
            if picked is not None:
                break
        if picked is None:
            break
        chosen.append(picked)
        taken.setdefault(ranked.loc[picked, "segment_id"], []).append(
            (ranked.loc[picked, "start"], ranked.loc[picked, "end"]))
    result = ranked.loc[chosen].reset_index(drop=True)
    result["rank"] = range(1, len(result) + 1)
    return result


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b in spans)


def attributions(cases: list[str], attributes: pd.DataFrame | None, template: str) -> list[str]:
    lookup = attributes.to_dict("index") if attributes is not None else {}
    return [attribute(template, lookup.get(case, {})) for case in cases]


def finish(picked: pd.DataFrame, group_column: str, group: str, attributes: pd.DataFrame | None,
           template: str) -> pd.DataFrame:
    """The output columns, in order, for one group's quotes."""
    picked = picked.copy()
    picked["attribution"] = attributions(picked["case"].tolist(), attributes, template)
    for column in ("code", "type", "topic"):
        picked[column] = group if column == group_column else ""
    return picked[QUOTE_COLUMNS]
