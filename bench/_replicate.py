"""Build a larger corpus from transcripts_sample/ for benchmarks: copies with varied case ids and
varied text.

Every spoken line of copy k (k > 0) of a text file (.txt, .md, .vtt) opens and closes with a short
spoken filler chosen by k and the line's number, so no two copies share a turn: without that the
embeddings cache and the coders' memory would see each text once and the scaling would flatter
qualkit. Word files (4 of the sample's 29) are taken once only: their case ids are inside them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"
_CASE_LINE = re.compile(r"^case:\s*(\S+)\s*$", re.M)
_SPOKEN = re.compile(r"^(?P<label>[A-Z][\w .'-]{0,40}:\s+|<v [^>]+>)(?P<text>.+?)(?P<end></v>)?$")
FILLERS = ["Well.", "Right.", "You know.", "Anyway.", "I suppose.", "So yes.", "Honestly.",
           "I mean.", "That's it.", "Okay.", "Basically.", "Mind you."]


def replicate(target: Path, copies: int, sample: Path = SAMPLE) -> list[Path]:
    """Write ``copies`` copies of every importable sample file; case ids get a '_r<k>' suffix."""
    from qualkit.ingest import expand_paths

    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in expand_paths([sample]):
        for k in range(copies):
            dest = target / f"{source.stem}_r{k}{source.suffix}"
            if source.suffix in (".txt", ".md", ".vtt"):
                text, encoding = _decode(source.read_bytes())
                text = _CASE_LINE.sub(lambda m: f"case: {m.group(1)}_r{k}", text, count=1)
                dest.write_bytes(vary(text, k).encode(encoding))
            elif k == 0:
                shutil.copyfile(source, dest)
            else:
                continue
            written.append(dest)
    return written


def vary(text: str, k: int) -> str:
    """Copy k's wording: fillers (k mod 12, k // 12 mod 12, shifted by the line) around each
    spoken line, so the copies of one line differ for k < 144."""
    if k == 0:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        spoken = _SPOKEN.match(line)
        if spoken and not line.startswith(("case:", "role:", "area:", "harm:")):
            first = FILLERS[(k + i) % len(FILLERS)]
            last = FILLERS[(k // len(FILLERS) + 2 * i) % len(FILLERS)]
            lines[i] = (f"{spoken['label']}{first} {spoken['text'].rstrip()} {last}"
                        f"{spoken['end'] or ''}")
    return "\n".join(lines)


def _decode(data: bytes) -> tuple[str, str]:
    from qualkit.importers.encoding import decode

    text, encoding = decode(data, Path("sample"))
    return text, {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(encoding, encoding)
