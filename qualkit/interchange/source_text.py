"""The plain text qualkit writes for a transcript, and where each coded span lands in it.

A transcript goes out as "Speaker: text" lines (with the turn's time, "[00:01:23] Mother: ...",
when it has one), turns separated by a blank line: the layout qualkit's importer reads back into
the same turns, and one NVivo or ATLAS.ti shows as a readable transcript.

The privacy gate may replace a name with a placeholder of another length, which would move every
offset after it. So each turn is cut at the edges of its coded spans, the pieces are gated one by
one, and the offsets are counted in the gated text: a selection always covers exactly its
(redacted) coded text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from .gating import GatedTexts


@dataclass(frozen=True)
class TurnOut:
    """A stored turn as it is to be written."""

    index: int
    speaker: str
    text: str
    time: str | None = None


@dataclass
class SourceText:
    """One transcript's text, pending the gate: register it, run the gate, then :meth:`compose`."""

    turns: list[TurnOut]
    preamble: str = ""
    spans: set[tuple[int, int, int]] = field(default_factory=set)  # (turn, start, end) in the turn
    _slots: dict = field(default_factory=dict, repr=False)

    def register(self, texts: GatedTexts) -> None:
        """Queue the preamble, each speaker label and each piece of turn text for the gate."""
        cuts: dict[int, set[int]] = {}
        for turn, start, end in self.spans:
            cuts.setdefault(turn, set()).update((start, end))
        self._slots["preamble"] = texts.add(self.preamble) if self.preamble else None
        for turn in self.turns:
            edges = sorted({0, len(turn.text)} | {c for c in cuts.get(turn.index, ())
                                                  if 0 < c < len(turn.text)})
            pieces = [(a, texts.add(turn.text[a:b])) for a, b in pairwise(edges)]
            self._slots[turn.index] = (texts.add(turn.speaker), pieces, len(turn.text))

    def compose(self, texts: GatedTexts) -> tuple[str, dict[tuple[int, int, int], tuple[int, int]]]:
        """(the gated text, {(turn, start, end): (start, end) in that text} for every span)."""
        out: list[str] = []
        length = 0
        where: dict[tuple[int, int], int] = {}  # (turn, offset in the turn) -> offset in the text

        def write(text: str) -> None:
            nonlocal length
            out.append(text)
            length += len(text)

        if self._slots["preamble"] is not None:
            write(texts[self._slots["preamble"]] + "\n\n")
        for turn in self.turns:
            label, pieces, end = self._slots[turn.index]
            write((f"[{turn.time}] " if turn.time else "") + f"{texts[label]}: ")
            for offset, slot in pieces:
                where[(turn.index, offset)] = length
                write(texts[slot])
            where[(turn.index, end)] = length
            write("\n\n")
        spans = {(t, a, b): (where[(t, a)], where[(t, b)]) for t, a, b in self.spans}
        return "".join(out)[:-1], spans  # one newline at the end, not two
