"""Denial of service from a codebook (issue 25, item 8): a REGEX that backtracks for hours, YAML
nested 100,000 levels deep, and a 5,000-level chain of parents. Each case is reproduced and must end
quickly in one line with a code, never a traceback or a hang.

Limits chosen here, and why:

- ``regexes.MAX_PATTERN_CHARS = 200``: a token REGEX describes one word's shape; the longest
  sensible ones are about 60 characters.
- ``regexes.MAX_VARIABLE_REPEATS = 4``: each +, *, ? or {m,n} multiplies the worst case by the
  token's length. Measured on a 64-character token (``re.search`` of the bounded pattern): 3 repeats
  0.002 s, 4 repeats 0.02 s, 5 repeats 0.3 s, so 4 keeps the worst case near a hundredth of a second.
- Nested variable repeats (``(a+)+``) and alternatives inside a repeat that can begin alike
  (``(x|x)*y``) are refused outright: they are exponential, ``(a+)+$`` taking 0.03 s, 0.11 s and
  0.42 s on 18, 20 and 22 a's before a 'b' (doubling per letter: hours by 35).
- ``regexes.MAX_TOKEN_CHARS = 64``: a REGEX is tried only on tokens of at most 64 characters
  (English words stay under 30). Even the ordinary ``a*b`` is quadratic: 0.055 s on 10,000 a's, so
  about 9 minutes on one "word" of a million; bounded, it is instant.
- ``yamlfile.MAX_BYTES = 4,000,000``: about 30 times the SPIP Plus codebook (130 KB), still read in
  seconds by PyYAML's pure-Python composer (about 3 s per MB).
- ``yamlfile.MAX_DEPTH = 64``: codebooks nest 9 levels at most. PyYAML's scanner took 0.5 s on
  1,000 open brackets, 8.6 s on 5,000 and 40 s on 20,000, and its composer recurses once per level,
  so depth is checked on the event stream, which stops at the first level too many.
- ``codebook.MAX_LEVELS = 32``: real codebooks use two to four levels of parents; 32 keeps every
  walk of the tree (and a .qdc export's nested elements) short. The old cycle check walked every
  code's chain (quadratic in its length, and a list search per step): a 1,000-level chain took
  2.3 s and 5,000 levels over 100 s.

The reported case runs ``qualkit code`` in a process of its own, given 300 s (``LIMIT_S``); the
other commands run in this process under an alarm of 120 s (``ALARM_S``): many times what they take,
so that a hang fails the test instead of hanging the suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bounds import within
from qualkit import QualkitError
from qualkit.cli import main
from qualkit.coding import load_codebook, parse_codebook
from qualkit.coding.codebook import MAX_LEVELS
from qualkit.coding.regexes import MAX_TOKEN_CHARS, bounded, regex_problem
from qualkit.typology import parse_typology
from qualkit.yamlfile import MAX_BYTES, MAX_DEPTH

FOUR = Path(__file__).parent / "data" / "four_interviews"
LIMIT_S = 300
ALARM_S = 120


def _cli(*args: str) -> subprocess.CompletedProcess:
    """The command in a process of its own, so that a hang ends in a timeout, not a stuck suite."""
    return subprocess.run([sys.executable, "-c", "from qualkit.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=LIMIT_S)




def _one_error_line(output: str, code: str) -> str:
    """The command's output holds exactly one error line, carrying ``code``, and no traceback."""
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and f"[{code}]" in errors[0], output
    return errors[0]


def _invoke(*args: str) -> str:
    """The output of a command run in this process (quicker than a process of its own), which
    must fail, bounded by an alarm, and end in a message, not an exception."""
    with within(ALARM_S):
        done = CliRunner().invoke(main, list(args))
    assert done.exit_code != 0, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.output


def _codebook(pattern: str) -> str:
    return ("name: slow\ncodes:\n  - id: runs\n    definition: A run of letters.\n"
            f"    patterns:\n      - [{{LOWER: {{REGEX: '{pattern}'}}}}]\n")


def _chain(levels: int, cycle: bool = False) -> str:
    """code_1 is the theme, code_2 its child, ... code_<levels> the deepest; with ``cycle``,
    code_1 names code_<levels> as its parent, closing the chain into a loop."""
    lines = ["name: chain", "codes:"]
    for i in range(1, levels + 1):
        lines.append(f"  - id: code_{i}\n    definition: Level {i}.")
        if i > 1 or cycle:
            lines.append(f"    parent: code_{i - 1 if i > 1 else levels}")
    return "\n".join(lines) + "\n"


# --- REGEX patterns ------------------------------------------------------------------------------

def test_a_catastrophic_regex_stops_qualkit_code_at_once(tmp_path):
    """The reported case: '(a+)+$' against a long run of a's ending in 'b' ran for over ten
    minutes; now the codebook is refused before anything is coded."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "K01.txt").write_text("Interviewer: What did you hear?\n"
                                    f"Respondent: Just {'a' * 40}b, over and over.\n",
                                    encoding="utf-8")
    (tmp_path / "slow.yaml").write_text(_codebook("(a+)+$"), encoding="utf-8")
    done = _cli("code", str(folder), "--codebook", str(tmp_path / "slow.yaml"),
                "--out", str(tmp_path / "coded.csv"))
    assert done.returncode != 0, done.stdout
    line = _one_error_line(done.stderr, "E162")
    assert "slow.yaml, line 3" in line and "'runs'" in line and "'(a+)+$'" in line
    assert "Fix:" in line
    assert not (tmp_path / "coded.csv").exists()


@pytest.mark.parametrize("pattern", [
    r"(a+)+$", r"(a*)*b", r"(x|x)*y", r"(a|ab)*c", r"(\w+\s?)+$", r"(?:a{1,3})+b", r"(?:a|)+b",
    "a?" * 30 + "a" * 30,  # 30 optional a's then 30 a's: 2^30 ways to share them out
    r"\w*\w*\w*\w*\w*x",   # sequential repeats over one class: the work grows as length^5
    "x" * 201,
])
def test_slow_regex_shapes_are_refused_at_load(pattern):
    with pytest.raises(QualkitError) as caught:
        parse_codebook(_codebook(pattern), "c.yaml")
    error = caught.value
    assert error.code == "E162" and error.line == 3 and "'runs'" in str(error)
    assert len(str(error).splitlines()) == 1


@pytest.mark.parametrize("pattern", [
    r"^colou?r$", r"ing$", r"^\d+(st|nd|rd|th)$", r"(foo|bar)+", r"(the|this)+", r"(\w|\d)+",
    r"^[a-z]+-[a-z]+$", r"\w+@\w+\.\w+", r"(?i)^caf", r"(ab)+", r"^(un)?safe(ty|ly)?$",
])
def test_ordinary_regexes_load_and_keep_their_meaning_on_words(pattern):
    code = parse_codebook(_codebook(pattern), "c.yaml").code("runs")
    assert code.token_patterns == (({"LOWER": {"REGEX": pattern}},),)
    assert regex_problem(pattern) is None
    words = ["colour", "color", "running", "21st", "foobar", "thethis", "ab", "well-known",
             "a@b.c", "CAFE", "unsafely", "safe", "x", "ing", "a" * MAX_TOKEN_CHARS]
    fenced = re.compile(bounded(pattern))
    assert [bool(fenced.search(w)) for w in words] == [bool(re.search(pattern, w)) for w in words]


def test_a_regex_sees_only_word_sized_tokens(tmp_path):
    """'a*b' is an ordinary pattern, but quadratic: unbounded, a 'word' of 900,000 a's would take
    it about 7 minutes. The rule coder tries it only on tokens of up to MAX_TOKEN_CHARS."""
    from qualkit.coding.rules import RuleCoder

    codebook = parse_codebook(
        "name: t\ncodes:\n"
        "  - id: runs\n    definition: A run of a's.\n"
        "    patterns: [[{LOWER: {REGEX: '^a+$'}}]]\n"
        "  - id: ends_in_b\n    definition: Ends in b.\n"
        "    patterns: [[{LOWER: {REGEX: 'a*b'}}]]\n", "t.yaml")
    coder = RuleCoder(codebook).fit()
    short, long = "a" * MAX_TOKEN_CHARS, "a" * (MAX_TOKEN_CHARS + 1)
    with within(ALARM_S):
        scores, _ = coder.score([f"It was {short} then.", f"It was {long} then.", "I said aab.",
                                 f"It was {'a' * 900_000} then."])
    assert scores[:, 0].tolist() == [pytest.approx(0.9), 0, 0, 0]  # runs
    assert scores[:, 1].tolist() == [0, 0, pytest.approx(0.9), 0]  # ends_in_b


def test_a_bounded_regex_is_linear_on_a_huge_text():
    with within(ALARM_S):
        for pattern in (r"a*b", r"(\w|\d)+c", r"^[a-z]+ing$", r"\w+@\w+\.\w+"):
            assert re.search(bounded(pattern), "a" * 5_000_000) is None


# --- YAML size and depth -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    "{a: " * 100_000 + "}" * 100_000,
    "- " * 100_000 + "x\n",
])
def test_yaml_nested_a_hundred_thousand_levels_is_refused_at_once(text):
    with within(ALARM_S):
        with pytest.raises(QualkitError) as caught:
            parse_codebook(text, "c.yaml")
    assert caught.value.code == "E161" and caught.value.line == 1
    assert f"more than {MAX_DEPTH} levels" in str(caught.value)


def test_deep_block_nesting_names_the_line_where_it_goes_too_deep():
    # mapping n starts on line n, so the first one too many starts on line MAX_DEPTH + 1
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 20)) + "  " * (MAX_DEPTH + 20) + "x\n"
    with pytest.raises(QualkitError) as caught:
        parse_typology(text, "t_typology.yaml")
    assert caught.value.code == "E161" and caught.value.line == MAX_DEPTH + 1
    # one level less than the limit is read, and fails only for not being a typology
    shallow = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH - 1)) + "  " * (MAX_DEPTH - 1) + "x\n"
    with pytest.raises(QualkitError) as caught:
        parse_typology(shallow, "t_typology.yaml")
    assert caught.value.code == "E101"


def test_qualkit_code_refuses_a_deeply_nested_codebook_in_one_line(tmp_path):
    (tmp_path / "deep.yaml").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    output = _invoke("code", str(FOUR / "K01.txt"), "--codebook", str(tmp_path / "deep.yaml"),
                     "--out", str(tmp_path / "coded.csv"))
    line = _one_error_line(output, "E161")
    assert "deep.yaml, line 1" in line


def test_a_codebook_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"name: huge\n# " + b"x" * MAX_BYTES + b"\ncodes: []\n")
    with within(ALARM_S):
        with pytest.raises(QualkitError) as caught:
            load_codebook(path)
    assert caught.value.code == "E160" and "huge.yaml" in str(caught.value)
    with pytest.raises(QualkitError) as caught:  # an endless file is read only up to the limit
        load_codebook("/dev/zero")
    assert caught.value.code == "E160"


def test_a_file_just_under_the_limit_with_windows_line_ends_reads_as_before(tmp_path):
    body = "name: tiny\r\ncodes:\r\n  - id: a\r\n    definition: A code.\r\n"
    path = tmp_path / "tiny.yaml"
    path.write_bytes((body + "#" * (MAX_BYTES - len(body) - 2) + "\r\n").encode("utf-8"))
    codebook = load_codebook(path)
    assert codebook.ids == ["a"] and "\r" not in codebook.text


# --- chains of parents ---------------------------------------------------------------------------

def test_qualkit_code_refuses_a_five_thousand_level_parent_chain(tmp_path):
    (tmp_path / "chain.yaml").write_text(_chain(5000), encoding="utf-8")
    output = _invoke("code", str(FOUR / "K01.txt"), "--codebook", str(tmp_path / "chain.yaml"),
                     "--out", str(tmp_path / "coded.csv"))
    line = _one_error_line(output, "E163")
    deepest_allowed = MAX_LEVELS + 1  # code_1 is the theme, at level 0
    assert f"'code_{deepest_allowed + 1}'" in line and "'code_1'" in line
    assert f"{MAX_LEVELS + 1} levels below" in line


def test_a_chain_at_the_limit_loads_and_its_walks_are_right():
    codebook = parse_codebook(_chain(MAX_LEVELS + 1), "c.yaml")
    deepest = f"code_{MAX_LEVELS + 1}"
    assert codebook.theme_of(deepest) == "code_1"
    assert codebook.ancestors(deepest) == [f"code_{i}" for i in range(MAX_LEVELS, 0, -1)]
    assert codebook.descendants("code_1") == [f"code_{i}" for i in range(2, MAX_LEVELS + 2)]
    assert codebook.children("code_2") == ["code_3"] and codebook.leaves == [deepest]


def test_a_cycle_of_five_thousand_parents_is_one_line_at_once():
    with within(ALARM_S):
        with pytest.raises(QualkitError) as caught:
            parse_codebook(_chain(5000, cycle=True), "c.yaml")
    error = caught.value
    assert error.code == "E067" and error.line == 3
    assert str(error).count(" -> ") == 5000 and len(str(error).splitlines()) == 1


# --- YAML front matter of a transcript (it shares the alias scan) --------------------------------

def test_front_matter_nested_a_hundred_thousand_levels_is_one_line(tmp_path):
    """The scan for aliases read the front matter with PyYAML's pure-Python parser: over two
    minutes on 100,000 open brackets. It now uses libyaml, which stops at 1,000 levels."""
    path = tmp_path / "deep.txt"
    path.write_text("---\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\nInterviewer: Hi.\n"
                    "Respondent: Hello.\n", encoding="utf-8")
    line = _one_error_line(_invoke("import", str(path), "--project", str(tmp_path / "p.qualkit")),
                           "E011")
    assert "deep.txt" in line
