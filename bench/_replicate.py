"""Build a larger corpus from transcripts_sample/ for benchmarks: copies with varied case ids."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"
_CASE_LINE = re.compile(r"^case:\s*(\S+)\s*$", re.M)


def replicate(target: Path, copies: int, sample: Path = SAMPLE) -> list[Path]:
    """Write ``copies`` copies of every importable sample file; case ids get a '_r<k>' suffix."""
    from qualkit.ingest import expand_paths

    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in expand_paths([sample]):
        for k in range(copies):
            dest = target / f"{source.stem}_r{k}{source.suffix}"
            if source.suffix in (".txt", ".md"):
                data = source.read_bytes()
                text, encoding = _decode(data)
                text = _CASE_LINE.sub(lambda m: f"case: {m.group(1)}_r{k}", text, count=1)
                dest.write_bytes(text.encode(encoding))
            else:
                shutil.copyfile(source, dest)
            written.append(dest)
    return written


def _decode(data: bytes) -> tuple[str, str]:
    from qualkit.importers.encoding import decode

    text, encoding = decode(data, Path("sample"))
    return text, {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(encoding, encoding)
