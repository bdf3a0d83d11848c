"""Codebooks: the study's themes as data (YAML), validated on load with errors a researcher can act on.

A codebook is the contract between human and machine coders, so a malformed one must fail loudly and
precisely (file, line, code id, fix) before any coding runs. Everything study-specific lives in the
YAML; nothing here knows about any particular study.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import yamlfile
from ..errors import Errors, QualkitError
from .regexes import regex_problem, regex_values

CODE_KEYS = ("id", "label", "definition", "include", "exclude", "examples", "patterns", "parent",
             "threshold")
TOKEN_PATTERN_KEYS = {"LEMMA", "LOWER", "ORTH", "TEXT", "POS", "TAG", "DEP", "OP", "IS_PUNCT",
                      "IS_DIGIT", "LIKE_NUM", "NORM"}
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
#: how far below its theme a code may sit. Real codebooks use two to four levels; the cap keeps every
#: walk up or down the tree (and the nested <Code> elements of a .qdc export) short.
MAX_LEVELS = 32


@dataclass(frozen=True)
class NearMiss:
    """A negative example that names the code it belongs to, or is mistaken for: a 'hard negative'.

    Written under ``examples: negative:`` as ``{text: ..., confused_with: other_code_id}``. Saying
    *which* code a text is, not only which it is not, lets the coders learn the boundary between two
    codes from both sides: the text counts against this code and for ``confused_with``."""

    text: str
    confused_with: str
    line: int = 0


@dataclass(frozen=True)
class Code:
    """One code: what it means, how to recognise it, where it sits in the hierarchy.

    ``negative`` holds every negative example's text, near misses included (what a reader of the
    codebook sees as 'not this code'); ``near_misses`` the negatives that name another code."""

    id: str
    label: str
    definition: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    near_misses: tuple[NearMiss, ...] = ()
    phrases: tuple[str, ...] = ()
    token_patterns: tuple[tuple[dict, ...], ...] = ()
    parent: str | None = None
    threshold: float | None = None
    line: int = 0


@dataclass(frozen=True)
class Codebook:
    name: str
    title: str
    version: int | str
    codes: tuple[Code, ...]
    attribution: str = "({role}, {area})"
    #: human-coded sheets the learned coder starts from: (resolved path, weight per segment)
    training: tuple[tuple[str, float], ...] = ()
    path: str = ""
    sha256: str = ""
    text: str = field(default="", repr=False)
    #: the study's own words (programme and agency names), which the privacy check never flags
    allow_words: tuple[str, ...] = ()
    #: words frequent in this study's talk that name no topic (its placeholders), for topic models
    stop_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {code.id: code for code in self.codes})
        children: dict[str, list[str]] = {}  # grouped once: looked up for every code by coders
        for code in self.codes:
            if code.parent is not None:
                children.setdefault(code.parent, []).append(code.id)
        object.__setattr__(self, "_children", children)

    @property
    def ids(self) -> list[str]:
        return [code.id for code in self.codes]

    def code(self, code_id: str) -> Code:
        return self._by_id[code_id]

    def __contains__(self, code_id: str) -> bool:
        return code_id in self._by_id

    @property
    def themes(self) -> list[str]:
        """Top-level code ids, in file order."""
        return [code.id for code in self.codes if code.parent is None]

    def theme_of(self, code_id: str) -> str:
        """The top-level ancestor of a code (a theme is its own)."""
        code = self._by_id[code_id]
        while code.parent is not None:
            code = self._by_id[code.parent]
        return code.id

    def children(self, code_id: str) -> list[str]:
        return list(self._children.get(code_id, ()))

    def ancestors(self, code_id: str) -> list[str]:
        """Parent, grandparent, ... up to the theme."""
        found, code = [], self._by_id[code_id]
        while code.parent is not None:
            found.append(code.parent)
            code = self._by_id[code.parent]
        return found

    def descendants(self, code_id: str) -> list[str]:
        found, frontier = [], [code_id]
        while frontier:
            children = self.children(frontier.pop())
            found.extend(children)
            frontier.extend(children)
        return found

    @property
    def leaves(self) -> list[str]:
        parents = {code.parent for code in self.codes}
        return [code.id for code in self.codes if code.id not in parents]


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file; raise :class:`QualkitError` naming file, line and fix."""
    return yamlfile.load(path, Errors.E060, parse_codebook)


def parse_codebook(text: str, path: str | Path = "codebook") -> Codebook:
    root, data = yamlfile.parse(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list) or not data["codes"]:
        raise QualkitError(Errors.E062, path=path, line=1)
    lines = yamlfile.list_item_lines(root, "codes")
    negative_lines = _negative_lines(root)
    codes = [_parse_code(entry, i, lines.get(i, 0), path, negative_lines.get(i, ()))
             for i, entry in enumerate(data["codes"])]
    _check_hierarchy(codes, path)
    _check_near_misses(codes, path)
    base = Path(path).parent
    training = [(str((base / sheet).resolve()), weight)
                for sheet, weight in _training_sheets(data.get("training"), path)]
    return Codebook(name=str(data.get("name") or Path(path).stem), title=str(data.get("title", "")),
                    version=data.get("version", 1), codes=tuple(codes),
                    attribution=str(data.get("attribution", "({role}, {area})")),
                    training=tuple(training), path=str(path),
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text,
                    allow_words=_words(data, "privacy_allow", path),
                    stop_words=_words(data, "topic_stop_words", path))


def _words(data: dict, key: str, path) -> tuple[str, ...]:
    """A list of words or phrases under ``key`` (lower-cased), empty when the key is absent."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise QualkitError(Errors.E072, path=path, key=key)
    return tuple(dict.fromkeys(w.strip().lower() for w in value))


def _training_sheets(entries: object, path) -> list[tuple[str, float]]:
    """'training' lists sheets as paths or as {path: ..., weight: ...} (a weight below 1 lets a
    noisier sheet count for less than the codebook's examples)."""
    entries = [entries] if isinstance(entries, (str, dict)) else (entries or [])
    sheets = []
    for entry in entries if isinstance(entries, list) else [None]:
        if _is_path(entry):
            sheets.append((entry, 1.0))
        elif (isinstance(entry, dict) and _is_path(entry.get("path"))
              and isinstance(entry.get("weight", 1.0), (int, float)) and entry.get("weight", 1.0) > 0):
            sheets.append((entry["path"], float(entry.get("weight", 1.0))))
        else:
            raise QualkitError(Errors.E071, path=path, line=1, code="(codebook)", key="training",
                               expected="a list of CSV paths or {path, weight} entries",
                               fix="write 'training: [gold.csv]' or "
                                   "'training: [{path: gold.csv, weight: 0.5}]'")
    return sheets


def _is_path(value: object) -> bool:
    return isinstance(value, str) and "\x00" not in value  # a NUL byte ends every path on disk


def _parse_code(entry: object, position: int, line: int, path, negative_lines=()) -> Code:
    if not isinstance(entry, dict) or not entry.get("id"):
        raise QualkitError(Errors.E063, path=path, line=line, position=position + 1)
    code_id = str(entry["id"])
    where = {"path": path, "line": line}
    if not _SNAKE.match(code_id):
        suggestion = re.sub(r"[^a-z0-9]+", "_", code_id.lower()).strip("_") or "code"
        if not suggestion[0].isalpha():  # '12' would itself be refused
            suggestion = f"code_{suggestion}"
        raise QualkitError(Errors.E064, **where, code=yamlfile.one_line(code_id),
                           suggestion=suggestion)
    for key in entry:
        if key not in CODE_KEYS:
            raise QualkitError(Errors.E070, **where, code=code_id, key=yamlfile.one_line(key),
                               allowed=", ".join(CODE_KEYS))
    definition = entry.get("definition")
    if not isinstance(definition, str) or not definition.strip():
        raise QualkitError(Errors.E068, **where, code=code_id)
    examples = entry.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - {"positive", "negative"}:
        raise QualkitError(Errors.E071, **where, code=code_id, key="examples",
                           expected="a mapping with 'positive' and 'negative' lists",
                           fix="write 'examples: {positive: [...], negative: [...]}'")
    threshold = entry.get("threshold")
    if threshold is not None and not (isinstance(threshold, (int, float)) and 0 < threshold < 1):
        raise QualkitError(Errors.E071, **where, code=code_id, key="threshold",
                           expected="a number between 0 and 1", fix="e.g. 'threshold: 0.5', or leave it out")
    phrases, token_patterns = _parse_patterns(entry.get("patterns") or [], code_id, where)
    negative, near_misses = _negatives(examples, code_id, where, negative_lines)
    return Code(id=code_id, label=str(entry.get("label") or code_id), definition=definition.strip(),
                include=_strings(entry, "include", code_id, where),
                exclude=_strings(entry, "exclude", code_id, where),
                positive=_strings(examples, "positive", code_id, where),
                negative=negative, near_misses=near_misses,
                phrases=phrases, token_patterns=token_patterns,
                parent=str(entry["parent"]) if entry.get("parent") else None,
                threshold=float(threshold) if threshold is not None else None, line=line)


def _strings(mapping: dict, key: str, code_id: str, where: dict) -> tuple[str, ...]:
    value = mapping.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QualkitError(Errors.E071, **where, code=code_id, key=key,
                           expected="a list of non-empty texts",
                           fix=f"write '{key}:' followed by '- ...' lines")
    return tuple(v.strip() for v in value)


def _negatives(examples: dict, code_id: str, where: dict, lines) -> tuple[tuple[str, ...],
                                                                          tuple[NearMiss, ...]]:
    """'negative' lists texts, each a plain string or a near miss ``{text, confused_with}``; the
    near misses' codes are checked once every code is known (:func:`_check_near_misses`)."""
    value = examples.get("negative") or []
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise QualkitError(Errors.E071, **where, code=code_id, key="negative",
                           expected="a list of texts or {text, confused_with} entries",
                           fix="write 'negative:' followed by '- ...' lines")
    texts, near_misses = [], []
    for i, item in enumerate(value):
        line = lines[i] if i < len(lines) else where["line"]
        if isinstance(item, str) and item.strip():
            texts.append(item.strip())
        elif (isinstance(item, dict) and set(item) == {"text", "confused_with"}
              and isinstance(item["text"], str) and item["text"].strip()
              and isinstance(item["confused_with"], str) and item["confused_with"].strip()):
            texts.append(item["text"].strip())
            near_misses.append(NearMiss(item["text"].strip(), item["confused_with"].strip(), line))
        else:
            raise QualkitError(Errors.E195, path=where["path"], line=line, code=code_id,
                               position=i + 1, entry=_clipped(item))
    return tuple(texts), tuple(near_misses)


def _clipped(value: object, limit: int = 60) -> str:
    """A value from the file, on one line and short enough to quote in a one-line message."""
    shown = yamlfile.one_line(value)
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


def _negative_lines(root) -> dict[int, list[int]]:
    """1-based line of each code's 'examples: negative:' entries, by the code's position, so that an
    error names the entry's own line rather than the code's."""
    found: dict[int, list[int]] = {}
    codes = _child(root, "codes")
    for i, item in enumerate(codes.value if isinstance(codes, yaml.SequenceNode) else ()):
        negative = _child(_child(item, "examples"), "negative")
        if isinstance(negative, yaml.SequenceNode):
            found[i] = [node.start_mark.line + 1 for node in negative.value]
    return found


def _child(node, key: str):
    """The value node of ``key`` in a mapping node (None if ``node`` is not one or lacks it)."""
    if isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            if isinstance(name, yaml.ScalarNode) and name.value == key:
                return value
    return None


def _parse_patterns(patterns: object, code_id: str, where: dict):
    """Phrases (strings) and token patterns (lists of dicts), each checked by spaCy's Matcher."""
    from spacy.matcher import Matcher

    from ..sentences import blank_english

    if not isinstance(patterns, list):
        raise QualkitError(Errors.E071, **where, code=code_id, key="patterns", expected="a list",
                           fix="write 'patterns:' followed by '- \"phrase\"' or '- [{LEMMA: ...}]' lines")
    phrases, tokens = [], []
    matcher = Matcher(blank_english().vocab, validate=True)
    for pattern in patterns:
        if isinstance(pattern, str) and pattern.strip():
            phrases.append(pattern.strip())
            continue
        problem = _token_pattern_problem(pattern)
        if problem is None:
            try:
                matcher.add(code_id, [pattern])
            except Exception as err:  # spaCy raises ValueError or MatchPatternError
                problem = str(err).strip().splitlines()[-1][:120]
        if problem:
            raise QualkitError(Errors.E069, **where, code=code_id, problem=problem,
                               fix="write a phrase string, or a list like [{LEMMA: \"scare\"}] using "
                                   + ", ".join(sorted(TOKEN_PATTERN_KEYS)))
        _refuse_slow_regexes(pattern, code_id, where)
        tokens.append(tuple(pattern))
    return tuple(phrases), tuple(tokens)


def _refuse_slow_regexes(pattern: list, code_id: str, where: dict) -> None:
    """A REGEX spaCy accepted may still backtrack for hours on one long word (see regexes)."""
    for value in regex_values(pattern):
        found = regex_problem(value) if isinstance(value, str) else None
        if found is not None:
            shown = yamlfile.one_line(value)
            raise QualkitError(Errors.E162, **where, code=code_id, problem=found[0], fix=found[1],
                               pattern=shown if len(shown) <= 60 else shown[:57] + "...")


def _token_pattern_problem(pattern: object) -> str | None:
    if not isinstance(pattern, list) or not pattern:
        return f"{type(pattern).__name__} is neither a phrase nor a list of token dicts"
    for token in pattern:
        if not isinstance(token, dict):
            return f"token {token!r} is not a mapping"
        unknown = set(token) - TOKEN_PATTERN_KEYS
        if unknown:
            names = sorted(yamlfile.one_line(key) for key in unknown)  # YAML keys: any type
            return f"unknown token attribute {', '.join(names)}"
    return None


def _check_hierarchy(codes: list[Code], path) -> None:
    seen: dict[str, Code] = {}
    for code in codes:
        if code.id in seen:
            raise QualkitError(Errors.E065, path=path, line=code.line, code=code.id,
                               first=seen[code.id].line)
        seen[code.id] = code
    for code in codes:
        if code.parent is not None and code.parent not in seen:
            raise QualkitError(Errors.E066, path=path, line=code.line, code=code.id,
                               parent=yamlfile.one_line(code.parent))
    # Each code's level is found once, walking up only to the first code whose level is known:
    # one pass over the codebook, where walking every code's chain to its theme took minutes on a
    # chain of 5,000 codes. The walk stops at a code met twice (a cycle).
    placed: dict[str, tuple[int, str]] = {}  # code id -> (levels below its theme, the theme)
    for code in codes:
        chain, on_chain, current = [], set(), code
        while current.id not in placed:
            if current.parent is None:
                placed[current.id] = (0, current.id)
                break
            if current.id in on_chain:
                cycle = chain[chain.index(current.id):] + [current.id]
                raise QualkitError(Errors.E067, path=path, line=code.line, cycle=" -> ".join(cycle))
            chain.append(current.id)
            on_chain.add(current.id)
            current = seen[current.parent]
        for code_id in reversed(chain):
            level, theme = placed[seen[code_id].parent]
            placed[code_id] = (level + 1, theme)
            if level + 1 > MAX_LEVELS:
                raise QualkitError(Errors.E163, path=path, line=seen[code_id].line, code=code_id,
                                   depth=level + 1, theme=theme, limit=MAX_LEVELS)


def _check_near_misses(codes: list[Code], path) -> None:
    """A near miss must name another code of the codebook, and not one the text would then also be
    (this code or one of its sub-codes, which are this code too)."""
    by_id = {code.id: code for code in codes}
    for code in codes:
        for near in code.near_misses:
            where = {"path": path, "line": near.line or code.line, "code": code.id,
                     "text": _clipped(near.text, 50), "other": _clipped(near.confused_with, 40)}
            if near.confused_with not in by_id:
                close = difflib.get_close_matches(near.confused_with, list(by_id), n=1)
                fix = "name an existing code id, or write the example as a plain text."
                if close:
                    fix = f"did you mean '{close[0]}'? Else {fix}"
                raise QualkitError(Errors.E196, **where, fix=fix)
            lineage, current = [], by_id[near.confused_with]
            while current is not None:  # the hierarchy is checked: this walk ends at a theme
                lineage.append(current.id)
                current = by_id.get(current.parent) if current.parent else None
            if code.id in lineage:
                relation = ("this code itself" if near.confused_with == code.id
                            else "a sub-code of it")
                raise QualkitError(Errors.E197, **where, relation=relation)
