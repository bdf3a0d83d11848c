"""Replacing findings with the study's placeholders, consistently within one document.

The same person must become the same placeholder throughout a transcript ("[person 1]" every time
Sarah, Sarah's or SARAH appears), or a reader loses who did what; different people must not share one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .detect import NUMBERED, PLACEHOLDERS, Finding


def entity_key(text: str) -> str:
    """Sarah, SARAH and Sarah's are one entity."""
    return re.sub(r"['’]s$", "", text.strip()).casefold()


@dataclass
class Redactor:
    """Numbers entities per kind for the life of the object (one transcript, one export file)."""

    numbers: dict[tuple[str, str], int] = field(default_factory=dict)

    def placeholder(self, finding: Finding) -> str:
        label = PLACEHOLDERS.get(finding.kind, finding.kind)
        if finding.kind not in NUMBERED:
            return f"[{label}]"
        key = (finding.kind, entity_key(finding.text))
        if key not in self.numbers:
            self.numbers[key] = self._same_person(key) or 1 + len(
                {n for (kind, _), n in self.numbers.items() if kind == finding.kind})
        return f"[{label} {self.numbers[key]}]"

    def _same_person(self, key: tuple[str, str]) -> int | None:
        """'Sarah' after 'Sarah Jenkins' (or before it) is the same person."""
        kind, name = key
        if kind != "person":
            return None
        words = set(name.split())
        for (other_kind, other), number in self.numbers.items():
            if other_kind == kind and (words <= set(other.split()) or set(other.split()) <= words):
                return number
        return None

    def apply(self, text: str, findings: list[Finding]) -> tuple[str, list[tuple[Finding, str]]]:
        """The text with every finding replaced; and what replaced what, for the audit."""
        replaced = []
        pieces, cursor = [], 0
        for finding in sorted(findings, key=lambda f: f.start):
            placeholder = self.placeholder(finding)
            pieces.extend([text[cursor:finding.start], placeholder])
            cursor = finding.end
            replaced.append((finding, placeholder))
        pieces.append(text[cursor:])
        return "".join(pieces), replaced
