"""Every text bound for one export file goes through the privacy gate in one batch.

One batch means one numbering of placeholders: the same person is "[person 1]" in a transcript, in
a speaker label and in a case attribute of the same archive, and two people never share a number.
"""

from __future__ import annotations

import pandas as pd

from ..privacy import PrivacyGate


class GatedTexts:
    """Collect texts with :meth:`add`, :meth:`run` the gate once, then read them back by index."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._done: list[str] | None = None

    def add(self, text: str) -> int:
        self._texts.append(text)
        return len(self._texts) - 1

    def run(self, gate: PrivacyGate, where: str) -> None:
        """Redact (or, in strict mode, refuse with :data:`Errors.E091`) before anything is written."""
        unique = list(dict.fromkeys(self._texts))  # each distinct text checked once
        frame = gate.frame(pd.DataFrame({"text": unique}, dtype=object), ["text"], where=where)
        cleaned = dict(zip(unique, frame["text"]))
        self._done = [cleaned[text] for text in self._texts]

    def __getitem__(self, index: int) -> str:
        if self._done is None:
            raise RuntimeError("GatedTexts.run() must come before reading the texts back")
        return self._done[index]
