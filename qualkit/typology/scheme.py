"""Typologies as data: dimensions, their allowed values, the types built from them, and the rules
that derive a case's value on each dimension from its codings and attributes.

Evaluators argue about a typology's cells, not about code, so a typology is a YAML file next to its
codebook and is validated on load like one: an unknown dimension, a value the dimension does not
allow, two types that cannot be told apart, or evidence naming a code the codebook lacks each stop
the run with one line naming the file, the line and the fix. Nothing here knows any particular study.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import yamlfile
from ..errors import Errors, QualkitError

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
TOP_KEYS = ("name", "title", "version", "codebook", "group_by", "min_confidence", "min_evidence",
            "sharpness", "dimensions", "types", "counts_note", "skip_when")
DIMENSION_KEYS = ("id", "label", "weight", "values")
VALUE_KEYS = ("id", "text", "priority", "prior", "evidence")
EVIDENCE_KEYS = ("code", "attribute", "equals", "weight")
TYPE_KEYS = ("id", "label", "successful", "cells")


@dataclass(frozen=True)
class Evidence:
    """One vote for a value: a code found in the case's segments, or a case attribute's value."""

    weight: float
    code: str | None = None
    attribute: str | None = None
    equals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Value:
    id: str
    text: str
    evidence: tuple[Evidence, ...] = ()
    #: a value with higher priority wins whenever it has enough evidence (e.g. safeguarding)
    priority: int = 0
    #: a standing vote, so that the usual value ("Ok") holds unless evidence points elsewhere
    prior: float = 0.0


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    values: tuple[Value, ...]
    weight: float = 1.0
    line: int = 0

    @property
    def value_ids(self) -> list[str]:
        return [value.id for value in self.values]

    def value(self, value_id: str) -> Value:
        return next(value for value in self.values if value.id == value_id)


@dataclass(frozen=True)
class Cell:
    """A type's requirement on one dimension: one value or a set of them, and the table's wording."""

    values: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class TypeDefinition:
    """One type of a typology as its file defines it: whether it counts as a success, and the
    value or values each dimension takes in it (with the table's own wording for the cell)."""

    id: str
    label: str
    successful: bool
    cells: tuple[tuple[str, Cell], ...]
    line: int = 0

    def cell(self, dimension_id: str) -> Cell:
        return dict(self.cells)[dimension_id]


@dataclass(frozen=True)
class Typology:
    name: str
    title: str
    dimensions: tuple[Dimension, ...]
    types: tuple[TypeDefinition, ...]
    codebook: str | None = None            # resolved path of the codebook the evidence names
    group_by: str | None = None            # the dimension whose values make the table's blocks
    min_confidence: float = 0.5            # below this a case is 'unclassified'
    min_evidence: float = 0.35             # a code scoring below this in every segment is silent
    sharpness: float = 8.0                 # how sharply evidence turns into a value's probability
    #: what a table says instead of per-type counts when they are suppressed (small samples)
    counts_note: str = ""
    #: attribute -> values that put a case outside the typology (providers in a study of parents)
    skip_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    path: str = ""
    sha256: str = ""
    text: str = field(default="", repr=False)

    @property
    def dimension_ids(self) -> list[str]:
        return [dimension.id for dimension in self.dimensions]

    def dimension(self, dimension_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def type(self, type_id: str) -> TypeDefinition:
        return next(t for t in self.types if t.id == type_id)

    def applies(self, attributes: dict) -> bool:
        """Whether a case with these attributes is one the typology types."""
        return not any(_attribute_text(attributes.get(name, "")) in values
                       for name, values in self.skip_when)

    def codes(self) -> set[str]:
        return {e.code for d in self.dimensions for v in d.values for e in v.evidence if e.code}


def load_typology(path: str | Path) -> Typology:
    """Read and validate a typology file; raise :class:`QualkitError` naming file, line and fix."""
    return yamlfile.load(path, Errors.E100, parse_typology)


def parse_typology(text: str, path: str | Path = "typology") -> Typology:
    root, data = yamlfile.parse(text, path)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) and data[k]
                                             for k in ("dimensions", "types")):
        raise QualkitError(Errors.E101, path=path, line=1)
    _check_keys(data, TOP_KEYS, "typology", Path(path).stem, {"path": path, "line": 1})
    lines = {key: yamlfile.list_item_lines(root, key) for key in ("dimensions", "types")}
    dimensions = [_parse_dimension(entry, i, lines["dimensions"].get(i, 0), path)
                  for i, entry in enumerate(data["dimensions"])]
    _unique([d.id for d in dimensions], "dimension", path)
    by_id = {d.id: d for d in dimensions}
    types = [_parse_type(entry, i, lines["types"].get(i, 0), by_id, path)
             for i, entry in enumerate(data["types"])]
    _unique([t.id for t in types], "type", path)
    _check_distinct(types, path)
    where = {"path": path, "line": 1}
    group_by = data.get("group_by")
    if group_by is not None and (not isinstance(group_by, str) or group_by not in by_id):
        raise QualkitError(Errors.E104, **where, type="(group_by)",
                           dimension=yamlfile.one_line(group_by), known=", ".join(by_id))
    codebook = data.get("codebook")
    if codebook and (not isinstance(codebook, str) or "\x00" in codebook):
        raise QualkitError(Errors.E108, **where, what="typology", item="codebook", key="codebook",
                           expected="the path of a codebook file",
                           fix="write e.g. 'codebook: spip_plus.yaml'")
    return Typology(
        name=str(data.get("name") or Path(path).stem), title=str(data.get("title", "")),
        dimensions=tuple(dimensions), types=tuple(types),
        codebook=str((Path(path).parent / codebook).resolve()) if codebook else None,
        group_by=group_by,
        min_confidence=_fraction(data, "min_confidence", 0.5, where),
        min_evidence=_fraction(data, "min_evidence", 0.35, where),
        sharpness=_number(data, "sharpness", 8.0, "typology", "sharpness", where),
        counts_note=str(data.get("counts_note") or ""),
        skip_when=_skip_when(data.get("skip_when"), where),
        path=str(path), sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)


def check_codes(typology: Typology, codebook) -> None:
    """Every code the evidence names must exist in the codebook the cases were coded with."""
    for dimension in typology.dimensions:
        for value in dimension.values:
            for evidence in value.evidence:
                if evidence.code and evidence.code not in codebook:
                    raise QualkitError(Errors.E107, path=typology.path, line=dimension.line,
                                       dimension=dimension.id, value=value.id, code=evidence.code,
                                       codebook=codebook.name)


def _identity(entry: object, what: str, position: int, where: dict) -> str:
    if not isinstance(entry, dict) or not entry.get("id"):
        raise QualkitError(Errors.E102, **where, what=what, position=position + 1)
    item = str(entry["id"])
    if not _SNAKE.match(item):
        suggestion = re.sub(r"[^a-z0-9]+", "_", item.lower()).strip("_") or what
        raise QualkitError(Errors.E108, **where, what=what, item=yamlfile.one_line(item), key="id",
                           expected="snake_case", fix=f"write e.g. '{suggestion}'")
    return item


def _parse_dimension(entry: object, position: int, line: int, path) -> Dimension:
    where = {"path": path, "line": line}
    dimension_id = _identity(entry, "dimension", position, where)
    _check_keys(entry, DIMENSION_KEYS, "dimension", dimension_id, where)
    raw_values = entry.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        raise QualkitError(Errors.E108, **where, what="dimension", item=dimension_id, key="values",
                           expected="a non-empty list", fix="list the allowed values as '- id: ...'")
    values = [_parse_value(raw, i, dimension_id, where) for i, raw in enumerate(raw_values)]
    _unique([v.id for v in values], f"dimension '{dimension_id}' value", path, line)
    return Dimension(id=dimension_id, label=str(entry.get("label") or dimension_id),
                     values=tuple(values), line=line,
                     weight=_number(entry, "weight", 1.0, "dimension", dimension_id, where))


def _parse_value(entry: object, position: int, dimension_id: str, where: dict) -> Value:
    value_id = _identity(entry, f"dimension '{dimension_id}' value", position, where)
    _check_keys(entry, VALUE_KEYS, "value", value_id, where)
    evidence = entry.get("evidence") or []
    if not isinstance(evidence, list):
        raise QualkitError(Errors.E108, **where, what="value", item=value_id, key="evidence",
                           expected="a list", fix="write '- {code: some_code, weight: 1}' entries")
    priority = entry.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise QualkitError(Errors.E108, **where, what="value", item=value_id, key="priority",
                           expected="a whole number", fix="write e.g. 'priority: 1'")
    return Value(id=value_id, text=str(entry.get("text") or value_id), priority=priority,
                 prior=_number(entry, "prior", 0.0, "value", value_id, where, signed=True),
                 evidence=tuple(_parse_evidence(raw, value_id, where) for raw in evidence))


def _parse_evidence(entry: object, value_id: str, where: dict) -> Evidence:
    if not isinstance(entry, dict) or bool(entry.get("code")) == bool(entry.get("attribute")):
        raise QualkitError(Errors.E108, **where, what="value", item=value_id, key="evidence",
                           expected="entries naming either a 'code' or an 'attribute'",
                           fix="write '{code: safety, weight: 1}' or "
                               "'{attribute: harm, equals: [\"yes\"], weight: 0.5}'")
    _check_keys(entry, EVIDENCE_KEYS, "value", value_id, where)
    equals = entry.get("equals", [])
    equals = [equals] if isinstance(equals, (str, int, float, bool)) else equals
    attribute = entry.get("attribute")
    if not isinstance(equals, list) or (attribute and not equals):
        raise QualkitError(Errors.E108, **where, what="value", item=value_id, key="equals",
                           expected="the attribute value(s) that count as evidence",
                           fix=(f"write 'equals: [\"yes\"]' under attribute "
                                f"'{yamlfile.one_line(attribute)}'") if attribute
                           else "leave 'equals' out of code evidence")
    return Evidence(weight=_number(entry, "weight", 1.0, "value", value_id, where, signed=True),
                    code=str(entry["code"]) if entry.get("code") else None,
                    attribute=str(entry["attribute"]) if entry.get("attribute") else None,
                    equals=tuple(_attribute_text(v) for v in equals))


def _attribute_text(value: object) -> str:
    """YAML reads yes/no as booleans; case sheets hold them as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip().lower()


def _parse_type(entry: object, position: int, line: int, dimensions: dict[str, Dimension],
                path) -> TypeDefinition:
    where = {"path": path, "line": line}
    type_id = _identity(entry, "type", position, where)
    _check_keys(entry, TYPE_KEYS, "type", type_id, where)
    cells = entry.get("cells")
    if not isinstance(cells, dict):
        raise QualkitError(Errors.E108, **where, what="type", item=type_id, key="cells",
                           expected="a mapping of dimension id to value",
                           fix="write 'cells:' followed by 'dimension_id: value_id' lines")
    for dimension_id in cells:
        if dimension_id not in dimensions:
            raise QualkitError(Errors.E104, **where, type=type_id,
                               dimension=yamlfile.one_line(dimension_id),
                               known=", ".join(dimensions))
    parsed = []
    for dimension in dimensions.values():
        if dimension.id not in cells:
            raise QualkitError(Errors.E109, **where, type=type_id, dimension=dimension.id)
        parsed.append((dimension.id, _parse_cell(cells[dimension.id], dimension, type_id, where)))
    successful = entry.get("successful", False)
    if not isinstance(successful, bool):
        raise QualkitError(Errors.E108, **where, what="type", item=type_id, key="successful",
                           expected="true or false", fix="write 'successful: true' or leave it out")
    return TypeDefinition(id=type_id, label=str(entry.get("label") or type_id), successful=successful,
                       cells=tuple(parsed), line=line)


def _parse_cell(raw: object, dimension: Dimension, type_id: str, where: dict) -> Cell:
    """A value id; a list of ids ('Ok or irrelevant'); or {values: [...], text: table wording}."""
    text = None
    if isinstance(raw, dict):
        text, raw = raw.get("text"), raw.get("values")
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values:
        raise QualkitError(Errors.E108, **where, what="type", item=type_id, key=dimension.id,
                           expected="a value id, a list of them, or {values: [...], text: ...}",
                           fix=f"write '{dimension.id}: {dimension.values[0].id}'")
    for value in values:
        if value not in dimension.value_ids:
            raise QualkitError(Errors.E105, **where, value=yamlfile.one_line(value),
                               dimension=dimension.id, where=f" (type '{type_id}')",
                               known=", ".join(dimension.value_ids))
    if text is None:
        text = " or ".join(dimension.value(v).text for v in values)
    return Cell(values=tuple(values), text=str(text))


def _check_distinct(types: list[TypeDefinition], path) -> None:
    seen: dict[tuple, TypeDefinition] = {}
    for kind in types:
        key = tuple((d, frozenset(cell.values)) for d, cell in kind.cells)
        if key in seen:
            raise QualkitError(Errors.E106, path=path, line=kind.line, first=seen[key].id,
                               second=kind.id)
        seen[key] = kind


def _unique(ids: list[str], what: str, path, line: int | None = None) -> None:
    seen = set()
    for item in ids:
        if item in seen:
            raise QualkitError(Errors.E103, path=path, line=line, what=what, item=item)
        seen.add(item)


def _check_keys(entry: dict, allowed: tuple[str, ...], what: str, item: str, where: dict) -> None:
    for key in entry:
        if key not in allowed:
            key = yamlfile.one_line(key)
            raise QualkitError(Errors.E108, **where, what=what, item=item, key=key,
                               expected=f"one of {', '.join(allowed)}",
                               fix=f"remove or rename '{key}'")


def _number(entry: dict, key: str, default: float, what: str, item: str, where: dict,
            signed: bool = False) -> float:
    """A number; evidence weights and priors may be negative (evidence against a value)."""
    value = entry.get(key, default)
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or (value < 0 and not signed)):  # .nan and .inf too
        raise QualkitError(Errors.E108, **where, what=what, item=item, key=key,
                           expected="a finite number" if signed else "a finite number of 0 or more",
                           fix=f"write e.g. '{key}: {default or 1.0}'")
    return float(value)


def _fraction(data: dict, key: str, default: float, where: dict) -> float:
    value = _number(data, key, default, "typology", key, where)
    if value > 1:
        raise QualkitError(Errors.E108, **where, what="typology", item=key, key=key,
                           expected="a number between 0 and 1", fix=f"write e.g. '{key}: {default}'")
    return value


def _skip_when(raw: object, where: dict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not all(isinstance(v, list) and v for v in raw.values()):
        raise QualkitError(Errors.E108, **where, what="typology", item="skip_when",
                           key="skip_when", expected="a mapping of attribute to a list of values",
                           fix="write 'skip_when: {role: [SPIP Provider]}'")
    return tuple((str(k), tuple(_attribute_text(v) for v in values)) for k, values in raw.items())
