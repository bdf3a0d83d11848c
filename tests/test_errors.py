"""The message catalogues: every message a user sees has a code, the code is the entry's name, an
error says how to fix it, and the commands print no message that is not in a catalogue."""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from pathlib import Path

import pytest

from qualkit.errors import Errors, Message, QualkitError, Warnings, WithCodes

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = {"Errors": (Errors, "E"), "Warnings": (Warnings, "W")}
CLI_SOURCES = sorted((ROOT / "qualkit" / "cli").glob("*.py"))


def entries(catalogue):
    return {name: value for name, value in vars(catalogue).items() if re.fullmatch(r"[A-Z]\d{3}", name)}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_entry_knows_its_code_which_is_its_name(name):
    catalogue, prefix = CATALOGUES[name]
    found = entries(catalogue)
    assert found, f"{name} is empty"
    for attribute, entry in found.items():
        assert isinstance(entry, Message), f"{name}.{attribute} is not a catalogue message"
        assert entry.code == attribute, f"{name}.{attribute} says its code is {entry.code}"
        assert attribute.startswith(prefix), f"{name}.{attribute}: {name} codes start with {prefix}"
        assert entry.strip() == entry and entry, f"{name}.{attribute} is empty or padded"
    assert list(catalogue) == list(found.values())


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_no_code_is_defined_twice(name):
    """A second ``E001 = ...`` in the class body would silently replace the first: read the source."""
    tree = ast.parse((ROOT / "qualkit" / "errors.py").read_text(encoding="utf-8"))
    body = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name)
    names = [target.id for node in body.body if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)]
    twice = [code for code, count in Counter(names).items() if count > 1]
    assert not twice, f"defined more than once in {name}: {twice}"


def test_the_catalogues_share_no_code_and_refuse_a_repeated_one():
    assert not set(entries(Errors)) & set(entries(Warnings))
    with pytest.raises(TypeError, match="E001 is defined twice"):
        exec("class Twice(metaclass=WithCodes):\n    E001 = 'a'\n    E001 = 'b'\n",
             {"WithCodes": WithCodes})


def test_every_error_says_how_to_fix_it():
    missing = [code for code, entry in entries(Errors).items() if "Fix:" not in entry]
    assert not missing, f"these errors do not say 'Fix:': {missing}"


def test_warnings_format_with_their_fields():
    for code, entry in entries(Warnings).items():
        fields = {name: "x" for _, name, _, _ in string.Formatter().parse(entry) if name}
        assert entry.format(**fields).code == code


def test_an_error_names_where_what_and_its_code():
    error = QualkitError(Errors.E001, path="notes/p01.txt", line=3)
    assert str(error) == ("notes/p01.txt, line 3: file not found. Fix: check the path, or quote it "
                          "if it contains spaces. [E001]")
    assert error.code == "E001"
    assert str(QualkitError(Errors.E003)).startswith("input: the file is empty.")
    # a template formatted before it is raised keeps its code
    assert QualkitError(Errors.E139.format(path="out/.cache")).code == "E139"
    # as does the plain text of a template, found by value
    assert QualkitError(str(Errors.E024)).code == "E024"


def test_every_code_the_source_names_is_in_a_catalogue():
    used = set()
    for path in (ROOT / "qualkit").rglob("*.py"):
        used |= {(m[0], m[1]) for m in re.findall(r"\b(Errors|Warnings)\.([A-Z]\d{3})\b",
                                                  path.read_text(encoding="utf-8"))}
    unknown = sorted(f"{name}.{code}" for name, code in used if not hasattr(CATALOGUES[name][0], code))
    assert not unknown, f"named in qualkit/ but not defined: {unknown}"


def literal_messages(path: Path):
    """Calls of fail/fail_and_stop/warn whose message is written out instead of taken from a
    catalogue (a string, an f-string, or a sum of them)."""
    def literal(node) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return True
        if isinstance(node, ast.JoinedStr):
            return True
        return isinstance(node, ast.BinOp) and (literal(node.left) or literal(node.right))

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("fail", "fail_and_stop", "warn") and node.args
                and literal(node.args[0])):
            yield f"{path.name}:{node.lineno}"


def test_the_commands_print_no_message_of_their_own():
    assert CLI_SOURCES
    written_out = [hit for path in CLI_SOURCES for hit in literal_messages(path)]
    assert not written_out, f"messages not in qualkit/errors.py: {written_out}"
    for path in CLI_SOURCES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bfail\(\s*[rbf]*[\"']", text), path.name
        # the old inline warning, now Warnings.W001
        assert "[bold red]warning[/bold red]: --no" not in text, path.name


def test_literal_messages_are_caught(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('fail("no")\nfail(f"no {x}")\nfail(Errors.E001)\nwarn(Warnings.W001)\n'
                      'fail("a" + b)\nfail(str(error))\n', encoding="utf-8")
    assert list(literal_messages(sample)) == ["sample.py:1", "sample.py:2", "sample.py:5"]
