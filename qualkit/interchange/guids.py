"""Stable identifiers and colours for what qualkit writes.

A REFI-QDA file names every code, source, selection and coder by GUID. Random GUIDs would make two
exports of the same project differ and would make a re-export look like new codes to NVivo or
ATLAS.ti; name-based UUIDs (uuid5) give the same GUID for the same thing every time. The schema's
GUID pattern accepts either case; upper case is what ATLAS.ti and MAXQDA write. What comes in
is compared the same way, and a GUID two codes (or sources, selections, cases) share is refused.
"""

from __future__ import annotations

import uuid

from ..errors import Errors, QualkitError

#: qualkit's own UUID namespace, derived once from a fixed name (never change it: GUIDs would change).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://qualkit.invalid/refi-qda")

#: Tableau's ten categorical colours: distinct on screen and in print, one per theme.
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
           "#BCBD22", "#17BECF")


def guid(kind: str, *parts: str) -> str:
    """The GUID of one thing: its kind ('code', 'source', ...) and what identifies it."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((kind, *parts)))).upper()


def code_guid(codebook: str, code_id: str) -> str:
    """A code's GUID: the codebook's name and the code's id, so a re-export keeps it."""
    return guid("code", codebook, code_id)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def normalise(value: str | None) -> str:
    """GUIDs compared as the schema allows them to be written: braces, either case."""
    return (value or "").strip().strip("{}").upper()


def refuse_duplicates(elements, what: str, where: str) -> None:
    """Raise :data:`Errors.E156` at the second of two ``elements`` (lxml) with the same GUID.

    Codings, cases and links name what they refer to by GUID alone, so two codes sharing one
    would put a coding on whichever was read last: the wrong code, silently."""
    seen: dict[str, str] = {}
    for element in elements:
        key = normalise(element.get("guid"))
        name = element.get("name") or key
        if key and key in seen:
            raise QualkitError(Errors.E156, path=where, line=element.sourceline, what=what,
                               guid=key, first=seen[key], second=name)
        seen.setdefault(key, name)
