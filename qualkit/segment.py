"""Sentence boundaries, word counts and codable segments for imported transcripts.

Sentences come from spaCy's English tokenizer and the rules of its ``sentencizer`` (see
:mod:`qualkit.sentences` for why those, and how they are made fast). Every turn is tokenised once;
sentence offsets are kept on the turn so that later stages (quotes, interchange) can cut exact spans
without tokenising again.

A segment is a respondent turn; a turn longer than ``max_words`` is cut into windows of whole
sentences (a quote-sized unit that a coder can judge); ``unit="sentence"`` and ``unit="paragraph"``
cut finer. Offsets are into the verbatim turn text.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePath
from typing import Iterable, Sequence

from .errors import Errors, QualkitError
from .models import RESPONDENT, Segment, Transcript, Turn
from .sentences import SentenceSplitter

UNITS = ("turn", "sentence", "paragraph")
DEFAULT_UNIT = "turn"
DEFAULT_MAX_WORDS = 120


@dataclasses.dataclass(frozen=True)
class Segmenter:
    """Cuts transcripts into segments; parameters fixed at construction, as in scikit-learn."""

    unit: str = DEFAULT_UNIT
    max_words: int = DEFAULT_MAX_WORDS
    all_speakers: bool = False
    batch_size: int = 256

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise QualkitError(Errors.E050, unit=self.unit, known=", ".join(UNITS))
        if not isinstance(self.max_words, int) or self.max_words < 1:
            raise QualkitError(Errors.E051, value=self.max_words)

    def transform(self, transcripts: Sequence[Transcript]) -> list[Transcript]:
        """Return the transcripts with sentences, word counts and segments filled in."""
        texts = (turn.text for transcript in transcripts for turn in transcript.turns)
        sentences = SentenceSplitter(batch_size=self.batch_size).pipe(texts)
        out = []
        for transcript in transcripts:
            turns = [self._annotate(turn, next(sentences)) for turn in transcript.turns]
            prefix = segment_prefix(transcript)
            segments = [seg for turn in turns for seg in self._segments(prefix, turn)]
            out.append(dataclasses.replace(transcript, turns=tuple(turns), segments=tuple(segments)))
        return out

    @staticmethod
    def _annotate(turn: Turn, sentences: tuple[tuple[int, int], ...]) -> Turn:
        # Built directly rather than with dataclasses.replace, which costs 5x more per turn.
        return Turn(index=turn.index, speaker=turn.speaker, role=turn.role, text=turn.text,
                    time=turn.time, line=turn.line, sentences=sentences,
                    n_words=count_words(turn.text), segment_ids=turn.segment_ids)

    def _segments(self, prefix: tuple[str, str], turn: Turn) -> Iterable[Segment]:
        if turn.role != RESPONDENT and not self.all_speakers:
            return []
        if turn.segment_ids:  # a spreadsheet row: kept whole, under the id the user gave it
            return [self._segment(prefix, turn, 0, 0, len(turn.text), turn.segment_ids[0])]
        if self.unit == "turn" and turn.n_words <= self.max_words:  # the common case, kept cheap
            return [self._segment(prefix, turn, 0, 0, len(turn.text))]
        spans = {"turn": self._turn_windows, "sentence": self._sentences,
                 "paragraph": self._paragraphs}[self.unit](turn)
        return [self._segment(prefix, turn, i, start, end) for i, (start, end) in enumerate(spans)]

    def _segment(self, prefix: tuple[str, str], turn: Turn, index: int, start: int, end: int,
                 segment_id: str | None = None) -> Segment:
        case, id_prefix = prefix
        text = turn.text[start:end]
        n_words = turn.n_words if (start, end) == (0, len(turn.text)) else count_words(text)
        return Segment(id=segment_id or f"{id_prefix}:t{turn.index:03d}:{index}", case=case,
                       turn_index=turn.index, index=index, start=start, end=end, text=text,
                       speaker=turn.speaker, n_words=n_words)

    @staticmethod
    def _sentences(turn: Turn) -> list[tuple[int, int]]:
        return list(turn.sentences) or [(0, len(turn.text))]

    @staticmethod
    def _paragraphs(turn: Turn) -> list[tuple[int, int]]:
        spans, start = [], 0
        for part in turn.text.split("\n"):
            stripped = part.strip()
            if stripped:
                left = start + part.index(stripped)
                spans.append((left, left + len(stripped)))
            start += len(part) + 1
        return spans

    def _turn_windows(self, turn: Turn) -> list[tuple[int, int]]:
        """Whole sentences, greedily packed into windows of at most ``max_words`` words."""
        if turn.n_words <= self.max_words or len(turn.sentences) < 2:
            return [(0, len(turn.text))]
        n_windows = -(-turn.n_words // self.max_words)
        target = turn.n_words / n_windows  # balanced windows, not one long and one stub
        windows, start, end, words = [], None, 0, 0
        for s_start, s_end in turn.sentences:
            n = count_words(turn.text[s_start:s_end])
            if start is not None and (words + n > self.max_words or words >= target):
                windows.append((start, end))
                start, words = None, 0
            start = s_start if start is None else start
            end, words = s_end, words + n
        windows.append((start, end))
        return windows


def segment_prefix(transcript: Transcript) -> tuple[str, str]:
    """(case, id prefix): 'P05' for P05.txt, 'P05/part2' when a case's file has another name,
    so that a case imported from several files never gets one segment id twice."""
    case, stem = transcript.case.id, PurePath(transcript.source).stem
    return case, case if stem == case else f"{case}/{stem}"


_WORD = re.compile(r"[^\W_]\S*")


def count_words(text: str) -> int:
    """Words as a reader counts them: whitespace-separated tokens holding a letter or digit."""
    return len(_WORD.findall(text))


def segment(transcripts: Sequence[Transcript], unit: str = DEFAULT_UNIT,
            max_words: int = DEFAULT_MAX_WORDS, all_speakers: bool = False) -> list[Transcript]:
    """Functional shortcut for ``Segmenter(...).transform(transcripts)``."""
    return Segmenter(unit=unit, max_words=max_words, all_speakers=all_speakers).transform(transcripts)
