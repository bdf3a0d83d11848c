"""What the exporters read from a project: current codings with their spans, and the codebooks.

Both the .qdpx and the spreadsheet exports describe the current version of each transcript; a
coding stored twice (a second run of ``qualkit code``) is exported once, the latest.
"""

from __future__ import annotations

import pandas as pd

from ..coding.codebook import Codebook, parse_codebook
from ..store import Project
from .conventions import split_span

CODING_COLUMNS = ["segment_id", "case", "source_name", "turn", "start", "end", "code_id", "codebook",
                  "source", "score", "rationale", "span_start", "span_end"]


def current_codings(project: Project, sources: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Codings of current segments, one row per segment, code, coder and span.

    ``rationale`` has the span marker removed; ``span_start``/``span_end`` are offsets into the
    turn (the whole segment unless an imported selection was shorter). ``sources`` keeps only
    those coders ('human' stands for every human coder).
    """
    frame = project.codings(sources)
    parts = [split_span(r) for r in frame["rationale"].fillna("")]
    spans = [_within(span, row.start, row.end) for (_, span), row in zip(parts, frame.itertuples())]
    frame = frame.assign(rationale=[text for text, _ in parts], span_start=[a for a, _ in spans],
                         span_end=[b for _, b in spans])
    key = ["segment_id", "code_id", "source", "span_start", "span_end"]
    frame = frame.drop_duplicates(key, keep="last")
    return frame[CODING_COLUMNS].reset_index(drop=True)


def _within(span: tuple[int, int] | None, start: int, end: int) -> tuple[int, int]:
    """The span when it lies inside its segment, else the whole segment."""
    if span is None or not (start <= span[0] < span[1] <= end):
        return int(start), int(end)
    return span


def stored_codebooks(project: Project) -> list[Codebook]:
    """The latest version of each codebook stored in the project, by name."""
    rows = project.codebooks()
    return [parse_codebook(row.content, f"{project.path.name}: codebook {row.name} v{row.version}")
            for row in rows.itertuples()]
