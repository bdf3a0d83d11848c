"""Reading the YAML files researchers write (codebooks, typologies), with errors that name the line.

Both need the parsed data *and* the node tree (to point a later error at the line of an entry), and
both must turn an unreadable file or a YAML slip into one line naming file, line and fix.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Errors, QualkitError

#: The largest codebook or typology read: about 30 times the SPIP Plus codebook (130 KB, 58 codes),
#: and still read in well under a minute by PyYAML's pure-Python composer (about 3 s per MB).
MAX_BYTES = 4_000_000
#: The deepest nesting read. A codebook nests 9 levels at most (codes, a code, its patterns, a
#: token, {IN: [...]}); past this a file is refused before the composer, which recurses once per
#: level, and before PyYAML's scanner, whose work grows with the depth of open brackets.
MAX_DEPTH = 64
#: libyaml's event parser when PyYAML was built with it: the scan for aliases and depth is then
#: about 20 times faster, and libyaml refuses more than 1,000 levels by itself.
_SCAN_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: str | Path, unreadable: str, parse_text):
    """``parse_text(text, path)`` of the file, every error located in the file."""
    path = Path(path)
    text = read_text(path, unreadable)
    try:
        return parse_text(text, path)
    except QualkitError as err:
        raise err.located(path) from None


def read_text(path: str | Path, unreadable: str) -> str:
    """The file's text; ``unreadable`` is the catalogue message for a file that cannot be read.
    At most :data:`MAX_BYTES` are read, so that a huge file (or /dev/zero) is refused, not loaded;
    line ends are made ``\n`` as a text-mode read would."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise QualkitError(unreadable, path=path, reason=getattr(err, "strerror", None) or
                           type(err).__name__) from None
    _refuse_size(len(data), path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise QualkitError(Errors.E073, path=path, byte=f"0x{err.object[err.start]:02x}",
                           offset=err.start, encoding="UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _refuse_size(size: int, path: str | Path) -> None:
    if size > MAX_BYTES:
        raise QualkitError(Errors.E160, path=path, limit=f"{MAX_BYTES / 1e6:g} MB")


def _scan(text: str, loader=_SCAN_LOADER):
    """The text's parse events, each with the nesting depth it leaves open, one at a time: a check
    can stop at the first problem without the scanner reading any further."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        yield event, depth


def alias_line(text: str) -> int | None:
    """The line of the first YAML alias (``*name``), if any. Aliases can expand exponentially
    ("billion laughs"); nothing a researcher writes needs them, so they are refused, not expanded."""
    for event, _ in _scan(text):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1
    return None


def refuse_shape(text: str, path: str | Path) -> None:
    """:data:`Errors.E061` at the first alias, :data:`Errors.E161` where the nesting passes
    :data:`MAX_DEPTH`, read off the event stream (which is built without recursion). libyaml words a
    YAML slip differently from the pure-Python parser that composes below, so on a slip the scan is
    done again by that parser, whose error is then the one reported."""
    try:
        _refuse_shape(text, path, _SCAN_LOADER)
    except yaml.YAMLError:
        if _SCAN_LOADER is yaml.SafeLoader:
            raise
        _refuse_shape(text, path, yaml.SafeLoader)


def _refuse_shape(text: str, path: str | Path, loader) -> None:
    for event, depth in _scan(text, loader):
        if isinstance(event, yaml.AliasEvent):
            raise QualkitError(Errors.E061, path=path, line=event.start_mark.line + 1,
                               problem="aliases (*name) are not allowed; write the value out")
        if depth > MAX_DEPTH:
            raise QualkitError(Errors.E161, path=path, line=event.start_mark.line + 1,
                               limit=MAX_DEPTH)


def parse(text: str, path: str | Path):
    """(node tree, data) of a YAML text, or :data:`Errors.E061` at the line of the slip. The size
    of a file is bounded where it is read (:func:`read_text`); a text qualkit wrote itself (the
    codebook of an imported .qdc, bounded by the archive's limits) may be larger."""
    try:
        refuse_shape(text, path)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        # the data built from that node tree: what safe_load gives, without parsing the text again
        return root, None if root is None else yaml.SafeLoader("").construct_document(root)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise QualkitError(Errors.E061, path=path, line=mark.line + 1 if mark else None,
                           problem=getattr(err, "problem", None) or "unreadable") from None
    except RecursionError:  # PyYAML's pure-Python composer recurses once per level of nesting
        raise QualkitError(Errors.E061, path=path, problem="nested too deeply") from None
    except ValueError as err:  # a value PyYAML cannot build, e.g. an integer of 5,000 digits
        raise QualkitError(Errors.E061, path=path,
                           problem=f"a value cannot be read ({one_line(err)[:80]})") from None


def one_line(value: object) -> str:
    """A name or value from the file, as quoted in an error message: a line break in a quoted YAML
    string ("a\\nb") would otherwise split the message's one line in two."""
    return " ".join(str(value).split())


def list_item_lines(root, key: str) -> dict[int, int]:
    """1-based line of each entry of the top-level list ``key``."""
    if isinstance(root, yaml.MappingNode):
        for name, value in root.value:
            if name.value == key and isinstance(value, yaml.SequenceNode):
                return {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return {}
