"""How qualkit's codings are written into REFI-QDA and recognised when they come back.

REFI-QDA knows codings made by users; qualkit has human coders and four machine sources. Each
machine source becomes a user named after the source and its model, so a researcher in NVivo sees
which codes a model suggested; when such a project comes back, those users turn back into machine
sources, with the score kept in the note attached to each coding.

qualkit stores codings per segment. A coded selection from another tool is usually shorter than
the segment it falls in, so the exact span (in characters of the turn) is kept at the end of the
coding's rationale, and the next export writes that span rather than the whole segment.
"""

from __future__ import annotations

import re

from ..resources import EMBEDDING_MODEL_ID

HUMAN = "human:"
_EMBEDDING = EMBEDDING_MODEL_ID.rsplit("/", 1)[-1]
#: The model behind each machine source, named as researchers know them.
MODELS = {"rule": "en_core_web_sm", "semantic": _EMBEDDING,
          "learned": f"logistic regression, {_EMBEDDING}", "ensemble": _EMBEDDING}
MACHINE_SOURCES = tuple(MODELS)
_MACHINE_USER = re.compile(rf"^qualkit ({'|'.join(MACHINE_SOURCES)})(?: \(.*\))?$")
_SCORE_NOTE = re.compile(r"^score (-?\d+(?:\.\d+)?)$")
_SPAN = re.compile(r"(?:^| )\[turn characters (\d+)-(\d+)\]$")


def user_name(source: str) -> str:
    """'human:Ann' is Ann; 'ensemble' is 'qualkit ensemble (all-MiniLM-L6-v2)'."""
    if source.startswith(HUMAN):
        return source[len(HUMAN):]
    return f"qualkit {source} ({MODELS[source]})"


def source_of(user: str) -> str:
    """The coding source for a REFI-QDA user name (the inverse of :func:`user_name`)."""
    machine = _MACHINE_USER.match(user)
    return machine.group(1) if machine else HUMAN + user


def score_note(score: float) -> str:
    return f"score {score:.4f}"


def score_from_note(name: str) -> float | None:
    found = _SCORE_NOTE.match(name.strip())
    return float(found.group(1)) if found else None


def with_span(rationale: str, start: int, end: int) -> str:
    return f"{rationale} [turn characters {start}-{end}]".lstrip()


def split_span(rationale: str | None) -> tuple[str, tuple[int, int] | None]:
    """(rationale without the span, (start, end) in the turn or None)."""
    rationale = rationale or ""
    found = _SPAN.search(rationale)
    if not found:
        return rationale, None
    return rationale[:found.start()], (int(found.group(1)), int(found.group(2)))
