"""A source's plain text as speaker turns, with the way back from text offsets to turn offsets.

Other tools address a coding by characters [start, end) of the whole plain text; qualkit
addresses segments by characters of one turn. Turns are recognised exactly as qualkit's importer
recognises them (``importers.speakers``: 'Mother:', 'I:', timestamps, continuation lines), and for
every line of every turn we remember where it sits in the text, so any selection can be carried
onto the turns, and from there onto the segments, that it covers.

A text without speaker labels (a field note, an open answer, a document) becomes one respondent
turn per paragraph, so its codings still have somewhere to go; so does a text whose only labels
are interviewer labels, which qualkit's importer would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import QualkitError
from ..importers.speakers import LABEL_LINE, parse_labelled_lines
from ..models import RESPONDENT, Turn

PARAGRAPH_SPEAKER = "Respondent"


@dataclass(frozen=True)
class Piece:
    """Characters [text_start, text_start + length) of the source are [turn_start, ...) of a turn."""

    turn: int
    turn_start: int
    text_start: int
    length: int


@dataclass
class SourceTurns:
    turns: list[Turn]
    preamble: str
    pieces: list[Piece]
    labelled: bool

    def locate(self, start: int, end: int) -> dict[int, tuple[int, int]]:
        """Turn index -> (start, end) in that turn's text, for the characters [start, end)."""
        found: dict[int, tuple[int, int]] = {}
        for piece in self.pieces:
            left, right = max(start, piece.text_start), min(end, piece.text_start + piece.length)
            if left >= right:
                continue
            span = (piece.turn_start + left - piece.text_start, piece.turn_start + right - piece.text_start)
            known = found.get(piece.turn, span)
            found[piece.turn] = (min(known[0], span[0]), max(known[1], span[1]))
        return found


def read_source_text(text: str) -> SourceTurns:
    """Turns of a source text, and where each of their lines sits in it."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    try:
        turns, preamble = parse_labelled_lines(lines)
    except QualkitError:  # no labels, or only interviewer labels
        return _paragraphs(lines, starts)
    stops = [turn.line - 1 for turn in turns[1:]] + [len(lines)]
    pieces = [piece for turn, stop in zip(turns, stops)
              for piece in _turn_pieces(turn, lines, starts, stop)]
    return SourceTurns(turns, preamble, pieces, labelled=True)


def _turn_pieces(turn: Turn, lines: list[str], starts: list[int], stop: int) -> list[Piece]:
    """Match the turn's lines, in order, to the stripped text of the lines it was built from."""
    first = turn.line - 1
    label = LABEL_LINE.match(lines[first])
    candidates = [_stripped(lines[first], starts[first], label.start("text"))]
    candidates += [_stripped(lines[i], starts[i], 0) for i in range(first + 1, stop)]
    pieces, turn_offset, position = [], 0, 0
    for part in turn.text.split("\n"):
        while candidates[position][0] != part:
            position += 1
        pieces.append(Piece(turn.index, turn_offset, candidates[position][1], len(part)))
        turn_offset += len(part) + 1
        position += 1
    return pieces


def _stripped(line: str, line_start: int, column: int) -> tuple[str, int]:
    """(the line's text from ``column`` without surrounding space, where that text starts)."""
    rest = line[column:]
    return rest.strip(), line_start + column + len(rest) - len(rest.lstrip())


def _paragraphs(lines: list[str], starts: list[int]) -> SourceTurns:
    """One respondent turn per run of non-blank lines."""
    turns, pieces, current = [], [], []
    for number, line in enumerate([*lines, ""]):
        if line.strip():
            current.append(number)
            continue
        if not current:
            continue
        parts = [_stripped(lines[i], starts[i], 0) for i in current]
        index, offset = len(turns), 0
        for part, text_start in parts:
            pieces.append(Piece(index, offset, text_start, len(part)))
            offset += len(part) + 1
        turns.append(Turn(index=index, speaker=PARAGRAPH_SPEAKER, role=RESPONDENT,
                          text="\n".join(part for part, _ in parts), line=current[0] + 1))
        current = []
    return SourceTurns(turns, "", pieces, labelled=False)
