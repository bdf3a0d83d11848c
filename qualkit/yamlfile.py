"""Reading the YAML files researchers write (codebooks, typologies), with errors that name the line.

Both need the parsed data *and* the node tree (to point a later error at the line of an entry), and
both must turn an unreadable file or a YAML slip into one line naming file, line and fix.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Errors, QualkitError


def load(path: str | Path, unreadable: str, parse_text):
    """``parse_text(text, path)`` of the file, every error located in the file."""
    path = Path(path)
    text = read_text(path, unreadable)
    try:
        return parse_text(text, path)
    except QualkitError as err:
        raise err.located(path) from None


def read_text(path: str | Path, unreadable: str) -> str:
    """The file's text; ``unreadable`` is the catalogue message for a file that cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise QualkitError(Errors.E073, path=path, byte=f"0x{err.object[err.start]:02x}",
                           offset=err.start, encoding="UTF-8") from None
    except OSError as err:
        raise QualkitError(unreadable, path=path, reason=getattr(err, "strerror", None) or
                           type(err).__name__) from None


def alias_line(text: str) -> int | None:
    """The line of the first YAML alias (``*name``), if any. Aliases can expand exponentially
    ("billion laughs"); nothing a researcher writes needs them, so they are refused, not expanded."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1
    return None


def parse(text: str, path: str | Path):
    """(node tree, data) of a YAML text, or :data:`Errors.E061` at the line of the slip."""
    try:
        line = alias_line(text)
        if line is not None:
            raise QualkitError(Errors.E061, path=path, line=line,
                               problem="aliases (*name) are not allowed; write the value out")
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
