"""REGEX token patterns in a codebook: refused at load when they could take exponential time, and
bounded in what they are matched against.

spaCy's Matcher runs a ``{REGEX: ...}`` with Python's ``re``, which backtracks and has no time
limit, so one pattern can stall ``qualkit code`` for hours: ``(a+)+$`` tries 2^n ways to split a
run of n a's before it gives up. Two defences, because each alone leaves a gap:

- at load, :func:`regex_problem` reads the pattern's parse tree and refuses the shapes that
  backtrack exponentially (a variable repeat inside a repeat; alternatives inside a repeat that can
  begin with the same character), too many variable repeats in a row (each one multiplies the work
  by the token's length), and over-long patterns;
- when matching, :func:`bounded` makes a pattern see only tokens of at most
  :data:`MAX_TOKEN_CHARS` characters. Even an ordinary pattern such as ``ing$`` takes time
  quadratic in the token's length, and a transcript can hold a "word" of a million characters.
  Tokens that long are not words, so no pattern meant for words is lost.

The parse tree comes from ``re._parser``, the parser ``re`` itself uses (Python 3.11+), so the
check sees the pattern exactly as it will run, after its own simplifications (``(a|b)`` becomes the
class ``[ab]``, which is safe).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre
from re import _parser

MAX_PATTERN_CHARS = 200   #: a token REGEX is a word shape; the longest sensible ones are ~60
MAX_VARIABLE_REPEATS = 4  #: +, *, ?, {m,n}: each multiplies the worst case by the token length
MAX_TOKEN_CHARS = 64      #: the longest token a REGEX is tried on (English words stay under 30)

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_GLOBAL_FLAGS = re.compile(r"\A(?:\(\?[aiLmsux]+\))*")
_NESTED = ("it repeats a part that itself repeats, which backtracks exponentially (as '(a+)+$' "
           "does on 'aaaaaaaaaaaaaaaaaaaaaaaaaaab')",
           "repeat once: write '(a+)+' as 'a+' and '(\\w+\\s?)+' as '[\\w\\s]+', or list the "
           "words with {IN: [...]}")
_ALIKE = ("it repeats alternatives that can begin alike, which backtracks exponentially (as "
          "'(x|x)*y' does on 'xxxxxxxxxxxxxxxxxxxxxxxxx')",
          "make the alternatives begin with different letters, or write single characters as "
          "a class ('[xy]+' for '(x|y)+')")


def regex_values(token_pattern: object) -> Iterator[object]:
    """Every ``REGEX`` value in a token pattern (a list of token dicts), however nested."""
    stack = [token_pattern]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(v for k, v in value.items() if k != "REGEX")
            if "REGEX" in value:
                yield value["REGEX"]
        elif isinstance(value, (list, tuple)):
            stack.extend(value)


def regex_problem(pattern: str) -> tuple[str, str] | None:
    """(what is wrong, the fix) when ``pattern`` could run for hours on some token, else None.
    A pattern ``re`` cannot compile is left to spaCy, whose message says why."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return (f"it is {len(pattern)} characters long, over the {MAX_PATTERN_CHARS} allowed",
                "split it into several shorter patterns, or list the words with {IN: [...]}")
    try:
        tree = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    counted = [0]
    problem = _backtracking(tree.data, False, counted)
    if problem is None and counted[0] > MAX_VARIABLE_REPEATS:
        problem = (f"it has {counted[0]} variable repeats (+, *, ?, {{m,n}}), over the "
                   f"{MAX_VARIABLE_REPEATS} allowed, and each multiplies the time by the word's "
                   "length",
                   "anchor it and use fewer repeats, or split it into several patterns")
    return problem


def _backtracking(items, repeated: bool, counted: list[int]) -> tuple[str, str] | None:
    """The first exponential shape among parse-tree ``items``; ``repeated`` says whether they sit
    inside a repeat that can run more than once. Counts the variable repeats in ``counted``."""
    for op, av in items:
        bodies: list = []
        inside = repeated
        if op in _REPEATS:
            low, high, body = av
            if low != high:
                counted[0] += 1
                if repeated:
                    return _NESTED
            inside = repeated or high > 1
            bodies = [body]
        elif op is sre.BRANCH:
            if repeated and not _begin_apart(av[1]):
                return _ALIKE
            bodies = av[1]
        elif op is sre.SUBPATTERN:
            bodies = [av[3]]
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            bodies = [av[1]]
        elif op is sre.ATOMIC_GROUP:
            bodies = [av]
        elif op is sre.GROUPREF_EXISTS:
            bodies = [body for body in av[1:] if body is not None]
        for body in bodies:
            found = _backtracking(body, inside, counted)
            if found is not None:
                return found
    return None


def _begin_apart(branches) -> bool:
    """Whether every alternative begins with its own literal character, so that at most one of
    them can go on at any point (an empty alternative, or one beginning with a class, may not)."""
    firsts = []
    for branch in branches:
        if not branch or branch[0][0] is not sre.LITERAL:
            return False
        firsts.append(chr(branch[0][1]).casefold())
    return len(set(firsts)) == len(firsts)


def bounded(pattern: str) -> str:
    """``pattern`` found (as ``re.search`` finds it) only in texts of at most
    :data:`MAX_TOKEN_CHARS` characters: anchored at the start, so ``re`` tries one position of a
    longer text and fails at once, then the lazy ``[\\s\\S]*?`` tries every start a search would.
    Global flags such as ``(?i)`` must stay first; under ``(?x)`` a closing comment would swallow
    the bracket, so a line break ends it."""
    flags = _GLOBAL_FLAGS.match(pattern).group()
    end = "\n)" if "x" in flags else ")"
    return rf"{flags}\A(?=[\s\S]{{0,{MAX_TOKEN_CHARS}}}\Z)[\s\S]*?(?:{pattern[len(flags):]}{end}"


def bounded_token_pattern(token_pattern: list[dict]) -> list[dict]:
    """A token pattern with each ``REGEX`` made :func:`bounded` (a copy; the codebook's stays)."""
    def rewrite(value):
        if isinstance(value, dict):
            return {k: bounded(v) if k == "REGEX" and isinstance(v, str) else rewrite(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    return [rewrite(token) for token in token_pattern]
