"""The typed objects every importer produces and every later stage consumes.

They are plain frozen dataclasses so that a notebook user can build, compare and print them without
a database, and so that each stage's contract is visible in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESPONDENT = "respondent"
INTERVIEWER = "interviewer"

#: Labels that mark the researcher's side of the conversation. Matched case-insensitively, ignoring a
#: trailing number ("Interviewer 2"). Everything else is a respondent: "Mother", "Provider 3".
INTERVIEWER_LABELS = frozenset({
    "interviewer", "int", "i", "q", "question", "researcher", "moderator", "facilitator",
})


@dataclass(frozen=True)
class Case:
    """One unit of analysis (an interview, a focus group, a survey respondent) and its attributes."""

    id: str
    attributes: dict[str, str] = field(default_factory=dict, compare=True, hash=False)


@dataclass(frozen=True)
class Turn:
    """One speaker's uninterrupted contribution, kept verbatim.

    ``sentences`` holds (start, end) character offsets into ``text``; the segmenter fills them in.
    """

    index: int
    speaker: str
    role: str
    text: str
    time: str | None = None
    line: int | None = None
    sentences: tuple[tuple[int, int], ...] = ()
    n_words: int = 0
    segment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    """The unit that gets coded: a span of one respondent turn, addressed by character offsets."""

    id: str
    case: str
    turn_index: int
    index: int
    start: int
    end: int
    text: str
    speaker: str
    n_words: int = 0


@dataclass(frozen=True)
class Transcript:
    """One case's conversation as read from one source file (a CSV may hold many cases)."""

    case: Case
    source: str
    format: str
    sha256: str
    turns: tuple[Turn, ...]
    encoding: str = "utf-8"
    segments: tuple[Segment, ...] = ()
    preamble: str = ""

    @property
    def speakers(self) -> list[str]:
        """Distinct speaker labels, in order of first appearance."""
        return list(dict.fromkeys(turn.speaker for turn in self.turns))

    @property
    def n_words(self) -> int:
        return sum(turn.n_words for turn in self.turns)


def speaker_role(label: str, interviewer_labels: frozenset[str] = INTERVIEWER_LABELS) -> str:
    """Classify a speaker label as interviewer or respondent ("Interviewer 2" counts as interviewer)."""
    words = label.strip().lower().split()
    if words and words[-1].isdigit():
        words = words[:-1]
    return INTERVIEWER if " ".join(words) in interviewer_labels else RESPONDENT
