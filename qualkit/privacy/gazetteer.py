"""First names, surnames and places the detector knows, read from the data files in ``data/``.

spaCy's small English model misses many names standing alone ("Emily was upset", "I rang
Sophie's teacher"), and most of all names that are not English: Welsh (Gethin, Lowri), Polish
(Łukasz Wiśniewski) and South Asian (Harpreet Kaur) names, and Welsh towns (Pontypridd, Ynys Môn).
A first name is the detail most often left in a transcript anonymised by hand, so the lists hold
the common given names and surnames of the UK's largest communities and the towns of Wales and
England, plus the cities abroad that families of a UK study most often come from.

The lists are data, not code (``data/*.txt``: one or more names a line, places one a line, '#'
comments), so a study can read and extend them, and their fingerprint (:data:`FINGERPRINT`) is
part of the detector's cache key: an edited list is never answered from findings of the old one.

``WORD_NAMES`` and ``WORD_PLACES`` are also ordinary words ("Grace", "Will", "Reading"); the
detector takes them for a name or place only mid-sentence, where a capital letter marks it, or
where the context says so. Names with Polish, Welsh or Turkish letters are also known in the form
a keyboard without them gives (Lukasz, Wisniewski, Krakow), and Polish -ski/-cki/-dzki surnames
in their feminine -ska/-cka/-dzka form too.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

DATA = Path(__file__).resolve().parent / "data"
FILES = ("first_names.txt", "word_names.txt", "surnames.txt", "places.txt", "word_places.txt")
_FEMININE = (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"))


def plain(text: str) -> str:
    """The name without its accents: Łukasz as Lukasz, Wiśniewska as Wisniewska."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ı", "i").replace("İ", "I")
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def read_list(name: str, one_per_line: bool = False) -> frozenset[str]:
    """The entries of ``data/<name>``, with their forms without accents."""
    entries: set[str] = set()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.update([line] if one_per_line else line.split())
    return frozenset(entries | {plain(entry) for entry in entries})


def _with_feminine(surnames: frozenset[str]) -> frozenset[str]:
    forms = set(surnames)
    for name in surnames:
        forms.update(name[:-len(male)] + female for male, female in _FEMININE
                     if name.endswith(male))
    return frozenset(forms)


FIRST_NAMES = read_list("first_names.txt")
WORD_NAMES = read_list("word_names.txt")
SURNAMES = _with_feminine(read_list("surnames.txt")) - WORD_NAMES
PLACES = read_list("places.txt", one_per_line=True)
WORD_PLACES = read_list("word_places.txt", one_per_line=True)
UK_PLACES = PLACES  # the name the lists had when they held UK towns only
FINGERPRINT = hashlib.sha256(b"".join((DATA / name).read_bytes() for name in FILES)).hexdigest()


@dataclass(frozen=True)
class Lists:
    """The lists one detector reads: these files by default (:data:`DEFAULT`); fewer to measure
    what the detector finds without them (``bench/privacy_recall.py`` holds its test names out)."""

    first_names: frozenset[str] = FIRST_NAMES
    word_names: frozenset[str] = WORD_NAMES
    surnames: frozenset[str] = SURNAMES
    places: frozenset[str] = PLACES
    word_places: frozenset[str] = WORD_PLACES

    def without(self, entries: Iterable[str]) -> "Lists":
        """The lists less ``entries``, in any case and with or without accents."""
        gone = {plain(entry).casefold() for entry in entries}

        def keep(values: frozenset[str]) -> frozenset[str]:
            return frozenset(v for v in values if plain(v).casefold() not in gone)

        return Lists(*(keep(getattr(self, name)) for name in self.__dataclass_fields__))

    def fingerprint(self) -> str:
        """What the detector's cache key holds of the lists: the files' hash for the default."""
        if self == DEFAULT:
            return FINGERPRINT
        content = repr([sorted(getattr(self, name)) for name in self.__dataclass_fields__])
        return hashlib.sha256(content.encode()).hexdigest()


DEFAULT = Lists()
