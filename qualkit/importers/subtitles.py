"""Teams and Zoom caption exports (.vtt, .srt) as transcripts.

Captions cut speech into cues of a few seconds; a reader wants turns. Cues carry the speaker as a
WebVTT voice tag (``<v Jane Doe>``) or as a ``Name:`` prefix, and consecutive cues of one speaker are
merged into one turn whose time is that of its first cue.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import Errors, QualkitError
from ..models import INTERVIEWER_LABELS, Transcript
from .base import make_transcript
from .encoding import read_text
from .speakers import LABEL_LINE, TurnBuilder, check_turns

TIMING = re.compile(r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*"
                    r"(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<speaker>[^>]+)>")
TAG = re.compile(r"</?[^>]+>")
CLOCK = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}\b")
_NOT_CUES = ("WEBVTT", "NOTE", "STYLE", "REGION")


def read_subtitle_transcript(path: Path, sha256: str) -> list[Transcript]:
    text, encoding = read_text(path, path.suffix.lower())
    builder = TurnBuilder(merge_same_speaker=True, joiner=" ")
    speaker_seen = False
    for line_number, cue_lines in _cues(text):
        timing_at = next((i for i, line in enumerate(cue_lines) if "-->" in line), None)
        if timing_at is None and not cue_lines[0].startswith(_NOT_CUES):
            # every other block is a cue: one whose timing line lacks '-->' is broken, not skipped
            timing_at = next((i for i, line in enumerate(cue_lines) if CLOCK.match(line)), None)
        if timing_at is None:
            continue  # WEBVTT header, NOTE, STYLE or REGION block
        timing = TIMING.match(cue_lines[timing_at])
        if not timing:
            raise QualkitError(Errors.E023, path=path, line=line_number + timing_at,
                               text=" ".join(cue_lines[timing_at].split())[:60])
        start = _clock(timing.group("start"))
        for payload in cue_lines[timing_at + 1:]:
            speaker, words = _speaker_and_text(payload)
            if speaker:
                speaker_seen = True
                builder.start(speaker, words, time=start, line=line_number)
            elif builder.turns:
                builder.add(words)
    if not speaker_seen:
        raise QualkitError(Errors.E022, path=path)
    turns = builder.build()
    check_turns(turns, INTERVIEWER_LABELS)
    return [make_transcript(path, sha256, path.suffix.lower().lstrip("."), turns, encoding=encoding)]


def _cues(text: str):
    """Yield (first line number, lines) for each blank-line separated block."""
    block, first = [], 1
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _speaker_and_text(payload: str) -> tuple[str | None, str]:
    voice = VOICE.search(payload)
    if voice:
        return voice.group("speaker").strip(), TAG.sub("", payload).strip()
    plain = TAG.sub("", payload).strip()
    label = LABEL_LINE.match(plain)
    if label and not label.group("time"):
        return label.group("label"), label.group("text").strip()
    return None, plain


def _clock(stamp: str) -> str:
    """'00:01:23.456' or '01:23,456' as 'HH:MM:SS', the form the other importers keep."""
    parts = re.split(r"[.,]", stamp)[0].split(":")
    while len(parts) < 3:
        parts.insert(0, "0")
    return ":".join(f"{int(p):02d}" for p in parts)
