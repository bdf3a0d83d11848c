"""The corpus: what every stage after import reads, taken from the project database.

Import is the only stage that reads the input files. Coding, topics, the typology, quotes and the
report all read one :class:`Corpus`, built by :meth:`qualkit.Project.corpus` from the stored turns
and segments, so a run reads each file once and every command sees the same segments, with the
same versioned ids, whichever way it was started.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from .models import RESPONDENT

SEGMENT_COLUMNS = ["segment_id", "case", "speaker", "role", "turn", "start", "end", "text",
                   "source_name"]


@dataclass(frozen=True)
class Corpus:
    """Every speaker's segments in transcript order, and the cases' attributes.

    ``segments`` holds the respondents' codable segments and, between them, each interviewer turn
    (one row per turn, or its segments when it was imported with ``--all-speakers``): an answer is
    read with the question before it when cases are typed. ``attributes`` is indexed by case, one
    column per attribute, as text (missing values are empty).
    """

    segments: pd.DataFrame
    attributes: pd.DataFrame

    @functools.cached_property
    def respondents(self) -> pd.DataFrame:
        """The codable segments: what is coded, modelled into topics and quoted."""
        segments = self.segments
        return segments[segments["role"] == RESPONDENT].reset_index(drop=True)

    @property
    def sources(self) -> list[str]:
        """The file names the corpus was read from."""
        return list(dict.fromkeys(self.segments["source_name"]))

    @property
    def cases(self) -> list[str]:
        return list(dict.fromkeys(self.respondents["case"]))

    def __len__(self) -> int:
        return len(self.respondents)


def attribute_frame(attributes: dict[str, dict], segments: pd.DataFrame) -> pd.DataFrame:
    """Attributes of the cases that have segments, as text (missing values are empty)."""
    present = list(dict.fromkeys(segments["case"]))
    frame = pd.DataFrame.from_dict({c: attributes.get(c, {}) for c in present}, orient="index")
    return frame.reindex(present).fillna("").astype(str)
