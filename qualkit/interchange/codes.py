"""Codes between qualkit codebooks and REFI-QDA ``<Code>`` trees (the same in .qdc and .qdpx).

qualkit requires a snake_case id and a definition for every code; other tools have neither. So a
code's description carries qualkit's definition, its include and exclude lists and its id (as a
last line, "(qualkit id: ...)"), and a code that comes back from NVivo or ATLAS.ti keeps its id,
which codings and typologies refer to. Codes from elsewhere get an id made from their name and a
placeholder definition that says one is missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from lxml import etree

from ..coding.codebook import Code, Codebook, parse_codebook
from . import guids
from .xmlio import child_text, children, sub

_ID_LINE = re.compile(r"^\(qualkit id: ([a-z][a-z0-9_]*)\)$")
_LIST_BLOCK = re.compile(r"^(Include|Exclude):\n((?:- .*(?:\n|$))+)$")
PLACEHOLDER = ("No definition came with this code from {origin}. Write one or two sentences a "
               "second coder could apply.")


@dataclass(frozen=True)
class RefiCode:
    """One ``<Code>`` as read: its place in the tree is its parent's GUID."""

    guid: str
    name: str
    description: str = ""
    colour: str | None = None
    codable: bool = True
    parent: str | None = None


def read_codes(codes: etree._Element, parent: str | None = None) -> list[RefiCode]:
    """Every ``<Code>`` under ``codes``, depth first, in document order."""
    found = []
    for element in children(codes, "Code"):
        code = RefiCode(guid=guids.normalise(element.get("guid")), name=element.get("name", ""),
                        description=child_text(element, "Description"), colour=element.get("color"),
                        codable=element.get("isCodable", "true") in ("true", "1"), parent=parent)
        found.append(code)
        found.extend(read_codes(element, code.guid))
    return found


def add_code_elements(parent: etree._Element, codebook: Codebook,
                      guid_of: Callable[[str], str]) -> None:
    """The codebook's codes as nested ``<Code>`` elements; each theme's tree shares one colour."""
    def add(under: etree._Element, code: Code, colour: str) -> None:
        element = sub(under, "Code", guid=guid_of(code.id), name=code.label, isCodable="true",
                      color=colour)
        sub(element, "Description", describe(code))
        for child in codebook.children(code.id):
            add(element, codebook.code(child), colour)

    for index, theme in enumerate(codebook.themes):
        add(parent, codebook.code(theme), guids.colour(index))


def describe(code: Code) -> str:
    """Definition, include and exclude lists, and the id: what a coder in another tool needs."""
    blocks = [code.definition]
    blocks += [f"{title}:\n" + "\n".join(f"- {item}" for item in items)
               for title, items in (("Include", code.include), ("Exclude", code.exclude)) if items]
    return "\n\n".join([*blocks, f"(qualkit id: {code.id})"])


def read_description(text: str) -> tuple[str, dict[str, list[str]], str | None]:
    """(definition, {'include': [...], 'exclude': [...]}, qualkit id or None) of a description."""
    definition, lists, code_id = [], {}, None
    for block in re.split(r"\n\s*\n", text.strip()):
        block = block.strip()
        listed = _LIST_BLOCK.match(block)
        if _ID_LINE.match(block):
            code_id = _ID_LINE.match(block).group(1)
        elif listed:
            lists[listed.group(1).lower()] = [line[2:].strip() for line in
                                              listed.group(2).splitlines() if line[2:].strip()]
        elif block:
            definition.append(block)
    return "\n\n".join(definition), lists, code_id


def to_codebook(codes: list[RefiCode], name: str, origin: str, path: str = "codebook",
                title: str = "") -> Codebook:
    """A validated qualkit codebook (its ``text`` is the YAML) for codes read from ``origin``."""
    ids: dict[str, str] = {}
    unique = _UniqueIds()
    entries = []
    for code in codes:
        definition, lists, wanted = read_description(code.description)
        parent = ids.get(code.parent) if code.parent else None
        ids[code.guid] = unique.make(wanted, code.name, parent)
        entry = {"id": ids[code.guid], "label": code.name.strip() or ids[code.guid],
                 "definition": definition or PLACEHOLDER.format(origin=origin)}
        entry.update({key: items for key, items in lists.items() if items})
        if parent:
            entry["parent"] = parent
        entries.append(entry)
    header = f"# Imported by qualkit from {origin}.\n"
    text = header + yaml.safe_dump({"name": name, "title": title or name, "version": 1,
                                    "codes": entries}, sort_keys=False, allow_unicode=True, width=100)
    return parse_codebook(text, path)


def code_ids(codes: list[RefiCode], codebook: Codebook) -> dict[str, str]:
    """GUID -> qualkit id, for codes turned into ``codebook`` by :func:`to_codebook` (same order)."""
    return {code.guid: code_id for code, code_id in zip(codes, codebook.ids)}


@dataclass
class _UniqueIds:
    """Ids no code has yet. Each is found in constant time (not by searching every id taken so far),
    so that a codebook of 50,000 codes, or of 50,000 codes all named 'Other', imports in seconds."""

    taken: set[str] = field(default_factory=set)
    numbers: dict[str, int] = field(default_factory=dict)  # name's slug -> the next number to try

    def make(self, wanted: str | None, name: str, parent: str | None) -> str:
        """The id the description asks for, else one made from the name; a clash takes the
        parent's id as a prefix (NVivo allows 'programming' under two parents), then a number."""
        chosen = self._choose(wanted, name, parent)
        self.taken.add(chosen)
        return chosen

    def _choose(self, wanted: str | None, name: str, parent: str | None) -> str:
        if wanted and wanted not in self.taken:
            return wanted
        base = slug(name)
        for candidate in (base, f"{parent}_{base}" if parent else base):
            if candidate not in self.taken:
                return candidate
        # Ids are only ever added, so every number below the last one given for this slug is
        # still taken: the search goes on from there, and finds the smallest free number >= 2.
        number = self.numbers.get(base, 2)
        while f"{base}_{number}" in self.taken:
            number += 1
        self.numbers[base] = number + 1
        return f"{base}_{number}"


def slug(name: str) -> str:
    """A snake_case id from any name: 'Fear of ex-partner' -> 'fear_of_ex_partner'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not text:
        return "code"
    return text if text[0].isalpha() else f"code_{text}"
