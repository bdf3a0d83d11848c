"""Speaker-labelled lines to turns: the convention shared by .txt, .md and .docx transcripts.

Transcribers write "Interviewer:", "I:", "Q:", "Mother:" or "Provider 2:" at the start of a line,
sometimes after a timestamp, sometimes in bold. A turn runs until the next label, so a respondent's
paragraphs stay one turn. The rules live here once so that every format reads them the same way.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

import yaml

from ..errors import Errors, QualkitError
from ..yamlfile import alias_line
from ..models import INTERVIEWER_LABELS, RESPONDENT, Turn, speaker_role

TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LABEL_WORD = r"[A-Z][\w'’.\-]*"
LABEL_LINE = re.compile(
    rf"""^[ \t]*
    (?:[\[(]?(?P<time>{TIME})[\])]?[ \t]+(?:-[ \t]+)?)?          # optional timestamp
    (?P<bold>\*\*|__)?
    (?P<label>{_LABEL_WORD}(?:[ \t]+(?:{_LABEL_WORD}|\d+)){{0,2}}   # one to three words,
      |\[[a-z][a-z -]{{0,20}}[ ]\d{{1,3}}\])                    # or a placeholder: [person 2]
    (?:(?P=bold)[ \t]*:|[ \t]*:(?:(?P=bold))?)                     # the colon, inside or out of bold
    (?:[ \t]+|$)(?P<text>.*)$""",
    re.X,
)
HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]")
TIME_ONLY = re.compile(rf"^[ \t]*[\[(]?(?P<time>{TIME})[\])]?[ \t]*$")
#: libyaml's C loader when PyYAML was built with it: the same safe subset, many times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_YAML_LOADER):
    """Numbers, dates and times stay as written: 'case: 007' is '007', not 7; 'time: 10:30' is
    '10:30', not 630 (YAML 1.1 sexagesimal); 'id: 0012' is '0012', not 10 (octal)."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag.rsplit(":", 1)[-1] not in ("int", "float", "timestamp")]
    for first, resolvers in _YAML_LOADER.yaml_implicit_resolvers.items()}
#: YAML errors found only after the end of a quote, bracket or key that began lines earlier: the
#: line to fix is where it began (the context), not where the parser gave up (the problem).
_OPENED_CONTEXTS = ("while scanning a quoted scalar", "while parsing a flow",
                    "while scanning a simple key")


@dataclass
class FrontMatter:
    attributes: dict[str, str] = field(default_factory=dict)
    case: str | None = None
    interviewer_labels: frozenset[str] = INTERVIEWER_LABELS
    body_start: int = 0  # index of the first line after the front matter


def parse_front_matter(lines: list[str]) -> FrontMatter:
    """Read optional YAML front matter between '---' lines at the top of a transcript."""
    if not lines or lines[0].strip() != "---":
        return FrontMatter()
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if closing is None:
        raise QualkitError(Errors.E010, line=1)
    try:
        text = "\n".join(lines[1:closing])
        alias = alias_line(text)
        if alias is not None:
            raise QualkitError(Errors.E011, line=alias + 1,
                               problem="aliases (*name) are not allowed; write the value out")
        data = yaml.load(text, Loader=_FrontMatterLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        if str(getattr(err, "context", None)).startswith(_OPENED_CONTEXTS):
            mark = getattr(err, "context_mark", None) or mark  # where the unclosed thing began
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise QualkitError(Errors.E011, line=line, problem=problem) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise QualkitError(Errors.E012, line=2, kind=type(data).__name__)
    front = FrontMatter(body_start=closing + 1)
    for key, value in data.items():
        key = str(key).strip()
        if key == "interviewer_labels":
            labels = value if isinstance(value, list) else [value]
            front.interviewer_labels = frozenset(str(v).strip().lower() for v in labels)
            continue
        if isinstance(value, (list, dict)):
            raise QualkitError(Errors.E013, line=_key_line(lines, key, closing),
                               key=" ".join(key.split()), kind=type(value).__name__)
        if key == "case":
            front.case = scalar_text(value)
        else:
            front.attributes[key] = scalar_text(value)
    return front


def scalar_text(value: object) -> str:
    """YAML reads 'harm: yes' as True; a case attribute keeps the researcher's word instead."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _key_line(lines: list[str], key: str, closing: int) -> int:
    for i in range(1, closing):
        if lines[i].lstrip().startswith(f"{key}:"):
            return i + 1
    return 1


@dataclass
class TurnBuilder:
    """Accumulates labelled lines into turns, merging continuation lines into the open turn."""

    interviewer_labels: frozenset[str] = INTERVIEWER_LABELS
    merge_same_speaker: bool = False
    joiner: str = "\n"
    turns: list[dict] = field(default_factory=list)

    def start(self, speaker: str, text: str, *, time: str | None, line: int | None) -> None:
        speaker = " ".join(speaker.split())
        if self.merge_same_speaker and self.turns and self.turns[-1]["speaker"] == speaker:
            self.add(text)
            return
        self.turns.append({"speaker": speaker, "lines": [text] if text.strip() else [],
                           "time": time, "line": line})

    def add(self, text: str) -> None:
        if self.turns and text.strip():
            self.turns[-1]["lines"].append(text.strip())

    def build(self) -> list[Turn]:
        built = []
        for raw in self.turns:
            text = self.joiner.join(part.strip() for part in raw["lines"]).strip()
            if not text:
                continue
            built.append(Turn(index=len(built), speaker=raw["speaker"],
                              role=speaker_role(raw["speaker"], self.interviewer_labels),
                              text=text, time=raw["time"], line=raw["line"]))
        return built


def parse_labelled_lines(lines: list[str], *, first_line_number: int = 1,
                         front: FrontMatter | None = None) -> tuple[list[Turn], str]:
    """Parse speaker-labelled lines into turns; return (turns, preamble before the first label)."""
    front = front or FrontMatter()
    builder = TurnBuilder(interviewer_labels=front.interviewer_labels)
    preamble: list[str] = []
    pending_time = None
    for offset, line in enumerate(lines):
        number = first_line_number + offset
        match = LABEL_LINE.match(line)
        if match:
            time = match.group("time") or pending_time
            builder.start(match.group("label"), match.group("text"), time=time, line=number)
            pending_time = None
            continue
        only_time = TIME_ONLY.match(line)
        if only_time:
            pending_time = only_time.group("time")
            continue
        if line.strip():
            pending_time = None  # a timestamp is a turn's time only on the line above its label
        if HEADING.match(line):
            continue  # a Markdown or Word heading is document structure, not speech
        if builder.turns:
            builder.add(line)
        elif line.strip():
            preamble.append(line.strip())
    turns = builder.build()
    check_turns(turns, front.interviewer_labels)
    return turns, "\n".join(preamble)


def check_turns(turns: list[Turn], interviewer_labels: frozenset[str]) -> None:
    """A transcript needs labelled turns, and at least one of them from the respondent side."""
    if not turns:
        raise QualkitError(Errors.E020)
    if not any(turn.role == RESPONDENT for turn in turns):
        labels = ", ".join(sorted({turn.speaker for turn in turns}))
        raise QualkitError(Errors.E021, labels=labels)
