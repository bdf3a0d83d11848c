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
    except (OSError, UnicodeDecodeError) as err:
        raise QualkitError(unreadable, path=path, reason=getattr(err, "strerror", None) or
                           type(err).__name__) from None


def parse(text: str, path: str | Path):
    """(node tree, data) of a YAML text, or :data:`Errors.E061` at the line of the slip."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise QualkitError(Errors.E061, path=path, line=mark.line + 1 if mark else None,
                           problem=getattr(err, "problem", None) or "unreadable") from None


def list_item_lines(root, key: str) -> dict[int, int]:
    """1-based line of each entry of the top-level list ``key``."""
    if isinstance(root, yaml.MappingNode):
        for name, value in root.value:
            if name.value == key and isinstance(value, yaml.SequenceNode):
                return {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return {}
