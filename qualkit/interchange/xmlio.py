"""REFI-QDA XML: the two namespaces, a safe parser, schema validation, and byte-stable output.

Files arrive from tools that each read the standard a little differently, so everything that comes
in is parsed without network access or entity expansion and validated against the official schemas
(copied unchanged into ``schemas/``; see tests/data/refi-qda/SOURCES.md for where they came from)
before any of it is used. What goes out is validated too: qualkit never hands another tool a file
the standard forbids.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lxml import etree

from ..errors import Errors, QualkitError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMA_DIR = Path(__file__).parent / "schemas"
#: namespace -> (root element, schema file, what the document is called in messages)
DOCUMENTS = {PROJECT_NS: ("Project", "Project-mrt2019.xsd", "project"),
             CODEBOOK_NS: ("CodeBook", "Codebook.xsd", "codebook")}
#: Containers the schemas require to hold at least one child. Some tools write them empty anyway
#: (Taguette 1.4.1 writes ``<Sets/>``); an empty one carries nothing, so it is dropped with a note.
_EMPTY_CONTAINERS = {PROJECT_NS: {"Users", "Variables", "Cases", "Sources", "Notes", "Links", "Sets",
                                  "Graphs"},
                     CODEBOOK_NS: {"Sets"}}
_NOT_XML_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True)


@functools.cache
def schema(namespace: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / DOCUMENTS[namespace][1])))


def read_bytes(path: Path) -> bytes:
    """A document's bytes, or the catalogue's message for a missing or unreadable file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise QualkitError(Errors.E001, path=path) from None
    except OSError as err:
        raise QualkitError(Errors.E002, path=path, reason=err.strerror or type(err).__name__) from None


def parse(data: bytes, where: str) -> etree._Element:
    """The root element of an XML document, or :data:`Errors.E122` at the line of the slip."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        raise QualkitError(Errors.E122, path=where, line=err.lineno or None,
                           problem=err.msg or "unreadable") from None
    # The parser resolves no entities, so a declared one stays a node of its own, which the
    # schema validator cannot handle; REFI-QDA files never declare any.
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:
        raise QualkitError(Errors.E122, path=where, line=entity.sourceline or None,
                           problem=f"an entity reference ({entity.text}) is not allowed; write "
                                   "the text out")
    return root


def check_document(root: etree._Element, namespace: str, where: str, fix: str) -> list[str]:
    """Check that ``root`` is the expected REFI-QDA document and valid; return notes on what was
    tolerated. ``fix`` says what to do when the file is another kind of document."""
    expected, _, what = DOCUMENTS[namespace]
    if root.tag != f"{{{namespace}}}{expected}":
        raise QualkitError(Errors.E124, path=where, line=root.sourceline, found=_plain(root.tag),
                           expected=f"{what} (<{expected}> in {namespace})", fix=fix)
    notes = _drop_empty_containers(root, namespace, where)
    validate(root, namespace, where)
    return notes


def validate(root: etree._Element, namespace: str, where: str) -> None:
    """Raise :data:`Errors.E123` at the first place ``root`` breaks its schema."""
    checker = schema(namespace)
    try:
        valid = checker.validate(root)
    except etree.XMLSchemaValidateError as err:  # libxml2's own failure, not the document's
        raise QualkitError(Errors.E123, path=where, what=DOCUMENTS[namespace][2],
                           problem=_plain(str(err))) from None
    if not valid:
        first = checker.error_log[0]
        raise QualkitError(Errors.E123, path=where, line=first.line or None,
                           what=DOCUMENTS[namespace][2], problem=_plain(first.message))


def _drop_empty_containers(root: etree._Element, namespace: str, where: str) -> list[str]:
    notes = []
    origin = root.get("origin") or "the tool that wrote it"
    for element in list(root):
        name = etree.QName(element).localname
        if name in _EMPTY_CONTAINERS[namespace] and len(element) == 0 and not (element.text or "").strip():
            notes.append(str(QualkitError(Errors.E134, path=where, tag=name, line=element.sourceline,
                                          origin=origin)))
            root.remove(element)
    return notes


def _plain(text: str) -> str:
    """Messages name elements without their namespace: '<Code>' reads better than '{urn:...}Code';
    and stay on one line (libxml2 breaks some of its messages in two)."""
    return " ".join(re.sub(r"\{urn:QDA-XML:[a-z]+:1\.0\}", "", str(text)).split())


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def children(element: etree._Element, name: str) -> list[etree._Element]:
    return element.findall(f"{{{etree.QName(element).namespace}}}{name}")


def child_text(element: etree._Element, name: str) -> str:
    found = children(element, name)
    return (found[0].text or "").strip() if found else ""


def sub(parent: etree._Element, tag: str, text: str | None = None, /, **attributes: str | None
        ) -> etree._Element:
    """Add a child in the parent's namespace; attributes given as None are left out."""
    element = etree.SubElement(parent, f"{{{etree.QName(parent).namespace}}}{tag}",
                               {key: xml_text(value) for key, value in attributes.items()
                                if value is not None})
    if text is not None:
        element.text = xml_text(text)
    return element


def new_root(namespace: str, **attributes: str | None) -> etree._Element:
    root = etree.Element(f"{{{namespace}}}{DOCUMENTS[namespace][0]}", nsmap={None: namespace})
    for key, value in attributes.items():
        if value is not None:
            root.set(key, xml_text(value))
    return root


def xml_text(text: str) -> str:
    """Text XML can hold: control characters (Word's vertical tab, a stray bell) become spaces."""
    return _NOT_XML_CHARACTER.sub(" ", str(text))


def to_bytes(root: etree._Element) -> bytes:
    """UTF-8 with a declaration, indented; the same tree always gives the same bytes."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
