"""Attributing a quote as a report does: "(Mother, Area B)", from the case's attributes only.

The template is study data (the codebook's ``attribution``, or ``--attribution``), never code. A
field the case lacks is left out with its separator, so a focus group without an area reads
"(SPIP Provider)", not "(SPIP Provider, )"; a case with none of the fields reads "(Participant)".
"""

from __future__ import annotations

import re
import string

DEFAULT_TEMPLATE = "({role}, {area})"
FALLBACK = "Participant"
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fields(template: str) -> list[str]:
    """The attribute names a template uses."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def attribute(template: str, attributes: dict) -> str:
    """The template filled from ``attributes``; missing or empty fields are dropped cleanly."""
    def value(match: re.Match) -> str:
        found = attributes.get(match.group(1))
        return "" if found is None or str(found).strip() in ("", "nan") else str(found).strip()

    text = _FIELD.sub(value, template)
    text = re.sub(r"(,\s*)+(?=[)\]])", "", text)           # "(Mother, )" -> "(Mother)"
    text = re.sub(r"(?<=[(\[])\s*,\s*", "", text)          # "(, Area B)" -> "(Area B)"
    text = re.sub(r",(\s*,)+", ",", text)                  # "a, , b" -> "a, b"
    return re.sub(r"\(\s*\)", f"({FALLBACK})", text).strip()
