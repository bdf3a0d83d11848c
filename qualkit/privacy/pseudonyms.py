"""Stable pseudonyms for identifiers that hold a personal detail: case ids, file names, speaker
labels, and the segment ids made of them.

Text passes the privacy gate by redaction ("[person 1]"), but identifiers cannot: a transcript
named ``Sarah_Jones.txt`` makes the case ``Sarah_Jones`` and the segments ``Sarah_Jones:t001:0``,
and a label ``Sarah:`` is the speaker of every turn it starts. Redacting them would break the
joins between outputs (coded.csv to quotes.csv to case_matrix.csv), so they are replaced instead,
the same way in every export of a study, by a stand-in that still joins.

The rule, kept simple so that it can be stated honestly: an identifier is replaced when the
detector finds a personal detail in it, read as words (``Sarah_Jones`` as "Sarah Jones",
``sarahJones`` as "Sarah Jones"). Clean identifiers stay as they are, so a study that names its
files K01, P05 or FG_A keeps its readable ids, and nothing changes for it. What the detector
misses in an identifier it would also miss in the text.

Pseudonyms are deterministic: identifiers are numbered per kind in sorted order of the originals
(``case_01``, ``file_01.txt``, ``Speaker 01``, ``segment_01``), over everything the gate was shown
before the first export, and later ones are numbered after them. One string that is both a case and
a file's stem gets one pseudonym (``Sarah_Jones.txt`` of case ``Sarah_Jones`` becomes
``case_01.txt``), and a segment id is rewritten through its parts (``case_01:t001:0``). The
mapping back to the originals is personal data: the gate keeps it in its audit folder
(:data:`AUDIT_FILE`), never with the outputs, and reads it back there so that the next command or
run keeps the same numbers. Speaker pseudonyms start with a capital and hold a space, as a label
must for qualkit's importer to read a .qdpx transcript back.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Callable, Iterable, Mapping

import pandas as pd

from ..spreadsheets import text_columns

#: The kinds of identifier, in the order that decides a string's kind when it is several.
KINDS = ("case", "file", "speaker", "segment")
#: Columns of qualkit's tables that hold identifiers, and their kind.
IDENTIFIER_COLUMNS = {"case": "case", "source_name": "file", "speaker": "speaker",
                      "segment_id": "segment"}
FORMATS = {"case": "case_{:02d}", "file": "file_{:02d}", "speaker": "Speaker {:02d}",
           "segment": "segment_{:02d}"}
AUDIT_FILE = "pseudonyms.csv"
AUDIT_COLUMNS = ["kind", "original", "pseudonym"]
#: A segment id qualkit made: the case (and the file's stem when it differs), turn, index, version.
_SEGMENT_ID = re.compile(r"(?P<prefix>[^:]+)(?P<rest>:t\d+:\d+(?:@v\d+)?)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_.:/\\\-]+")


def readable(identifier: str) -> str:
    """An identifier as words, as the detector reads text: separators and camel case become
    spaces, and words written in lower case get a capital (a name in a file name often has none)."""
    words = _SEPARATORS.split(_CAMEL.sub(" ", identifier))
    return " ".join(w.capitalize() if w.islower() else w for w in words if w)


def parts(kind: str, value: str) -> list[tuple[str, str]]:
    """The (string, kind) pieces of an identifier that can hold a detail: a file's stem, a
    segment id's case and stem (an id qualkit did not make, a spreadsheet's row id, is one)."""
    if kind == "file":
        return [(PurePath(value).stem or value, "file")]
    if kind == "segment":
        match = _SEGMENT_ID.fullmatch(value)
        if match is None:
            return [(value, "segment")]
        case, *stems = match.group("prefix").split("/")
        return [(case, "case"), *((stem, "file") for stem in stems if stem)]
    return [(value, kind)]


class Pseudonyms:
    """The study's flagged identifiers and their pseudonyms. ``flags(texts)`` says which texts hold
    a personal detail (the gate's detector)."""

    def __init__(self, flags: Callable[[list[str]], list[bool]]) -> None:
        self._flags = flags
        self.mapping: dict[str, str] = {}     # original -> pseudonym
        self.kinds: dict[str, str] = {}       # original -> its kind
        self._judged: set[str] = set()        # every string already looked at, flagged or not
        self._pattern: re.Pattern | None = None
        self._in_text: re.Pattern | None = None

    def __len__(self) -> int:
        return len(self.mapping)

    @property
    def issued(self) -> set[str]:
        return set(self.mapping.values())

    def learn(self, values: Mapping[str, Iterable[str]]) -> int:
        """Judge the identifiers not seen before (``{kind: values}``), giving each flagged one the
        next pseudonym of its kind in sorted order; returns how many were new."""
        issued = self.issued
        candidates: dict[str, str] = {}
        for kind in KINDS:
            for value in values.get(kind, ()):
                for piece, piece_kind in parts(kind, str(value)):
                    if piece and piece not in self._judged and piece not in issued:
                        candidates.setdefault(piece, piece_kind)
        if not candidates:
            return 0
        flagged = self._flags([readable(piece) for piece in candidates])
        self._judged |= set(candidates)
        new = sorted(piece for piece, found in zip(candidates, flagged) if found)
        taken = issued | self._judged
        for kind in KINDS:
            count = sum(1 for k in self.kinds.values() if k == kind)
            for original in (p for p in new if candidates[p] == kind):
                count += 1
                while FORMATS[kind].format(count) in taken:  # a clean id that looks like one
                    count += 1
                self._add(kind, original, FORMATS[kind].format(count))
        return len(new)

    def _add(self, kind: str, original: str, pseudonym: str) -> None:
        self.mapping[original], self.kinds[original] = pseudonym, kind
        self._judged.add(original)
        self._pattern = self._in_text = None

    def apply(self, value: str) -> str:
        """``value`` with every flagged identifier in it, as a whole token, replaced."""
        if not self.mapping or not isinstance(value, str):
            return value
        if value in self.mapping:
            return self.mapping[value]
        if self._pattern is None:
            alternatives = "|".join(map(re.escape, sorted(self.mapping, key=len, reverse=True)))
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        return self._pattern.sub(lambda m: self.mapping[m.group()], value)

    def in_text(self, value: str) -> str:
        """Transcript text with the segment ids quoted in it rewritten ("... (Sarah_Jones:t001:0)"
        in a case matrix): only where a flagged identifier is part of a segment id, so that a
        name in what someone said is left to redaction."""
        if not self.mapping or not isinstance(value, str) or ":t" not in value:
            return value
        if self._in_text is None:
            alternatives = "|".join(map(re.escape, sorted(self.mapping, key=len, reverse=True)))
            tail = r":t\d+:\d+"
            self._in_text = re.compile(rf"(?<![\w/])(?:{alternatives})(?=(?:/[^\s:/]+)*{tail})"
                                       rf"|(?<=/)(?:{alternatives})(?={tail})")
        return self._in_text.sub(lambda m: self.mapping[m.group()], value)

    def frame(self, frame: pd.DataFrame, text: Iterable[str] = ()) -> pd.DataFrame:
        """The table with identifiers replaced in its string columns: wherever they stand in
        most (:meth:`apply`), only inside segment ids in the ``text`` columns (transcript text,
        which the gate redacts; :meth:`in_text`). Numbers are left alone."""
        if not self.mapping:
            return frame
        text = set(text)
        columns = text_columns(frame)
        if not columns:
            return frame
        frame = frame.copy()
        for column in columns:
            values, rewrite = frame[column], self.in_text if column in text else self.apply
            done = {v: rewrite(v) for v in values.dropna().unique() if isinstance(v, str)}
            frame[column] = values.map(lambda v: done.get(v, v) if isinstance(v, str) else v)
        return frame

    def rows(self) -> pd.DataFrame:
        """The mapping as the audit keeps it: kind, original, pseudonym, in a stable order."""
        rows = sorted(((self.kinds[o], o, p) for o, p in self.mapping.items()),
                      key=lambda r: (KINDS.index(r[0]), r[2]))
        return pd.DataFrame(rows, columns=AUDIT_COLUMNS, dtype=object)

    def load(self, path: str | Path) -> int:
        """Take over the pseudonyms of an earlier audit (so they keep their numbers); an audit
        that cannot be read is left alone and the pseudonyms are made afresh."""
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError, pd.errors.ParserError):
            return 0
        if list(table.columns) != AUDIT_COLUMNS:
            return 0
        for kind, original, pseudonym in table.itertuples(index=False):
            if kind in KINDS and original and pseudonym and original not in self.mapping:
                self._add(kind, original, pseudonym)
        return len(self.mapping)
