"""Plain-text and Markdown transcripts: optional YAML front matter, then speaker-labelled turns."""

from __future__ import annotations

from pathlib import Path

from ..models import Transcript
from .base import make_transcript
from .encoding import read_text
from .speakers import parse_front_matter, parse_labelled_lines


def read_text_transcript(path: Path, sha256: str) -> list[Transcript]:
    text, encoding = read_text(path, path.suffix.lower())
    return [parse_text(text, path, sha256, fmt=path.suffix.lower().lstrip("."), encoding=encoding)]


def parse_text(text: str, path: Path, sha256: str, *, fmt: str = "txt",
               encoding: str = "utf-8") -> Transcript:
    """Parse transcript text already in memory (also used for .docx paragraphs)."""
    lines = text.split("\n")
    front = parse_front_matter(lines)
    body = lines[front.body_start:]
    turns, preamble = parse_labelled_lines(body, first_line_number=front.body_start + 1, front=front)
    return make_transcript(path, sha256, fmt, turns, case=front.case, attributes=front.attributes,
                           encoding=encoding, preamble=preamble)
