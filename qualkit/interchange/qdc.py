"""Codebooks as REFI-QDA codebook files (.qdc), the format every QDA tool imports and exports.

A codebook agreed in qualkit can be loaded into NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette
before anyone codes, and a codebook built there can become a qualkit YAML codebook.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..atomic import atomic_write
from ..coding.codebook import Codebook
from ..errors import Errors, QualkitError
from . import guids
from .codes import RefiCode, add_code_elements, read_codes, slug, to_codebook
from .xmlio import (CODEBOOK_NS, check_document, children, new_root, parse, read_bytes, sub, to_bytes,
                    validate)

ORIGIN = f"qualkit {__version__}"


def qdc_bytes(codebook: Codebook) -> bytes:
    """The codebook as a schema-valid .qdc document (same codebook, same bytes)."""
    root = new_root(CODEBOOK_NS, origin=ORIGIN)
    add_code_elements(sub(root, "Codes"), codebook, lambda code_id: guids.code_guid(codebook.name,
                                                                                  code_id))
    validate(root, CODEBOOK_NS, "qualkit's own .qdc")
    return to_bytes(root)


def export_qdc(codebook: Codebook, out: str | Path) -> Path:
    out = Path(out)
    with atomic_write(out, "wb") as handle:
        handle.write(qdc_bytes(codebook))
    return out


@dataclass
class CodebookRead:
    """A .qdc as read: the codes as written there, the qualkit codebook made of them, and notes on
    what was tolerated (e.g. an empty ``<Sets/>``)."""

    codebook: Codebook
    codes: list[RefiCode]
    origin: str
    notes: list[str] = field(default_factory=list)


def read_qdc(path: str | Path, name: str | None = None) -> CodebookRead:
    """Read and validate a .qdc; raise :class:`QualkitError` naming file, line and fix."""
    path = Path(path)
    data = read_bytes(path)
    if zipfile.is_zipfile(path):
        raise QualkitError(Errors.E138, path=path, found="zip archive (a .qdpx project?)",
                           expected="REFI-QDA codebook (.qdc)", fix="use 'qualkit import-qdpx'.")
    root = parse(data, str(path))
    notes = check_document(root, CODEBOOK_NS, str(path),
                           fix="for a project (.qdpx or project.qde) use 'qualkit import-qdpx'.")
    guids.refuse_duplicates(root.iter(f"{{{CODEBOOK_NS}}}Code"), "code", str(path))
    codes = read_codes(children(root, "Codes")[0])
    origin = f"{path.name} ({root.get('origin')})" if root.get("origin") else path.name
    codebook = to_codebook(codes, name or slug(path.stem), origin, path=str(path))
    return CodebookRead(codebook, codes, origin, notes)


def import_qdc(path: str | Path, out: str | Path) -> CodebookRead:
    """Write a .qdc as a qualkit codebook YAML that :func:`qualkit.coding.load_codebook` reads."""
    read = read_qdc(path, name=slug(Path(out).stem))
    with atomic_write(out) as handle:
        handle.write(read.codebook.text)
    return read

