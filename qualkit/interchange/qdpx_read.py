"""Reading a REFI-QDA project into plain objects, before anything touches a qualkit project.

Reading and storing are kept apart so that a bad file fails before the project changes, and so
that a notebook can look at what a .qdpx holds (``read_project(path)``) without importing it.
Everything qualkit cannot use (pictures, PDFs, audio, video, sets, graphs, links, memos) is
counted and named in ``skipped``, never silently dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import Errors, QualkitError
from .archive import ProjectFile, open_project_file
from .codes import RefiCode, read_codes
from .guids import normalise, refuse_duplicates
from .xmlio import PROJECT_NS, check_document, child_text, children, local_name, parse

_MEDIA = {"PictureSource": "picture", "PDFSource": "PDF", "AudioSource": "audio",
          "VideoSource": "video"}
_UNUSED = {"Links": "link(s)", "Sets": "set(s)", "Graphs": "graph(s)"}
#: (parent, child) elements qualkit has no place for, named by their parent.
_UNUSED_LINKS = {("Code", "NoteRef"): "memo link(s) on codes",
                 ("Case", "NoteRef"): "memo link(s) on cases",
                 ("TextSource", "NoteRef"): "memo link(s) on text sources",
                 ("Project", "NoteRef"): "memo link(s) on the project",
                 ("TextSource", "Coding"): "coding(s) of whole text sources",
                 ("Case", "CodeRef"): "code link(s) on cases",
                 ("Case", "SelectionRef"): "selection link(s) on cases"}
_VALUE_ELEMENTS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
                   "DateTimeValue")


@dataclass(frozen=True)
class RefiCoding:
    code: str                   # the code's GUID
    user: str | None            # the coding user's GUID
    notes: tuple[str, ...] = ()  # GUIDs of notes attached to this coding


@dataclass
class RefiSelection:
    """A coded stretch of a text source: characters [start, end) of its plain text."""

    guid: str
    start: int
    end: int
    description: str = ""
    user: str | None = None
    notes: tuple[str, ...] = ()
    codings: list[RefiCoding] = field(default_factory=list)


@dataclass
class RefiTextSource:
    guid: str
    name: str
    text: str | None                  # None when it could not be read (see ``problem``)
    problem: str | None = None        # the catalogue's message saying why
    selections: list[RefiSelection] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class RefiCase:
    guid: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # GUIDs of its sources


@dataclass
class RefiNote:
    guid: str
    name: str
    text: str


@dataclass
class RefiProject:
    """What a .qdpx holds that qualkit can use, and what it had to leave out."""

    path: Path
    name: str
    origin: str
    users: dict[str, str]             # GUID -> name
    codes: list[RefiCode]
    sources: list[RefiTextSource]
    cases: list[RefiCase]
    notes: dict[str, RefiNote]
    creating_user: str | None = None
    skipped: list[str] = field(default_factory=list)   # catalogue messages: what was left out
    tolerated: list[str] = field(default_factory=list)  # catalogue messages: quirks read past

    @property
    def title(self) -> str:
        return self.name or self.path.stem


def read_project(path: str | Path, *, sources_dir: str | Path | None = None) -> RefiProject:
    """Read and validate a .qdpx or project.qde; raise :class:`QualkitError` for bad input.
    ``relative://`` source files are read from ``sources_dir`` only (see ``archive``)."""
    found = open_project_file(path, sources_dir)
    root = parse(found.xml, found.where)
    tolerated = check_document(root, PROJECT_NS, found.where,
                               fix="for a codebook (.qdc) use 'qualkit import-qdc'.")
    _refuse_duplicate_guids(root, found.where)
    variables = _variables(root)
    project = RefiProject(
        path=found.path, name=root.get("name", ""), origin=root.get("origin", ""),
        users={normalise(u.get("guid")): u.get("name") or u.get("id") or normalise(u.get("guid"))
               for u in _grandchildren(root, "Users", "User")},
        codes=[code for book in children(root, "CodeBook") for codes in children(book, "Codes")
               for code in read_codes(codes)],
        sources=[_text_source(element, found, variables)
                 for element in _grandchildren(root, "Sources", "TextSource")],
        cases=[_case(element, variables) for element in _grandchildren(root, "Cases", "Case")],
        notes={normalise(n.get("guid")): RefiNote(normalise(n.get("guid")), n.get("name", ""),
                                                  child_text(n, "PlainTextContent"))
               for n in _grandchildren(root, "Notes", "Note")},
        creating_user=normalise(root.get("creatingUserGUID")) or None, tolerated=tolerated)
    project.skipped = _left_out(root, project, found.where)
    return project


def _refuse_duplicate_guids(root: etree._Element, where: str) -> None:
    """Codes, sources, selections and cases are referred to by GUID: each must have its own."""
    for what, elements in (("code", root.iter(f"{{{PROJECT_NS}}}Code")),
                           ("source", (e for box in children(root, "Sources") for e in box)),
                           ("selection", root.iter(f"{{{PROJECT_NS}}}PlainTextSelection")),
                           ("case", _grandchildren(root, "Cases", "Case"))):
        refuse_duplicates(elements, what, where)


def _grandchildren(root: etree._Element, container: str, name: str) -> list[etree._Element]:
    return [element for box in children(root, container) for element in children(box, name)]


def _variables(root: etree._Element) -> dict[str, str]:
    return {normalise(v.get("guid")): v.get("name", "") for v in _grandchildren(root, "Variables",
                                                                              "Variable")}


def _values(element: etree._Element, variables: dict[str, str]) -> dict[str, str]:
    """Case or source attributes from ``<VariableValue>`` children, as text."""
    values = {}
    for value in children(element, "VariableValue"):
        ref = children(value, "VariableRef")[0].get("targetGUID")
        name = variables.get(normalise(ref)) or normalise(ref)
        texts = [child_text(value, kind) for kind in _VALUE_ELEMENTS if children(value, kind)]
        if texts and texts[0]:
            values[name] = texts[0]
    return values


def _case(element: etree._Element, variables: dict[str, str]) -> RefiCase:
    guid = normalise(element.get("guid"))
    return RefiCase(guid, element.get("name") or guid, _values(element, variables),
                    [normalise(ref.get("targetGUID")) for ref in children(element, "SourceRef")])


def _text_source(element: etree._Element, found: ProjectFile,
                 variables: dict[str, str]) -> RefiTextSource:
    guid = normalise(element.get("guid"))
    name = element.get("name") or guid
    text, problem = _source_text(element, name, found)
    return RefiTextSource(guid, name, text, problem,
                          [_selection(s) for s in children(element, "PlainTextSelection")],
                          _values(element, variables))


def _source_text(element: etree._Element, name: str, found: ProjectFile
                 ) -> tuple[str | None, str | None]:
    """The source's plain text (inline, or the file it points at), or why there is none: a
    source qualkit may not or cannot read is skipped with its message, the rest are imported."""
    if children(element, "PlainTextContent"):
        text = children(element, "PlainTextContent")[0].text or ""
    else:
        uri = element.get("plainTextPath") or ""
        try:
            data, where = found.source_file(uri, name) if uri else (None, "no plainTextPath")
        except QualkitError as err:
            return None, str(err)
        if data is None:
            return None, str(QualkitError(Errors.E127, path=found.path, source=name, where=where,
                                          container=found.container(uri)))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            return None, str(QualkitError(Errors.E129, path=found.path, source=name,
                                          reason=f"byte {err.start}"))
    if not text.strip():
        return None, str(QualkitError(Errors.E128, path=found.path, source=name))
    return text, None


def _selection(element: etree._Element) -> RefiSelection:
    return RefiSelection(
        guid=normalise(element.get("guid")), start=int(element.get("startPosition")),
        end=int(element.get("endPosition")), description=child_text(element, "Description"),
        user=normalise(element.get("creatingUser")) or None, notes=_note_refs(element),
        codings=[RefiCoding(normalise(children(c, "CodeRef")[0].get("targetGUID")),
                            normalise(c.get("creatingUser")) or None, _note_refs(c))
                 for c in children(element, "Coding")])


def _note_refs(element: etree._Element) -> tuple[str, ...]:
    return tuple(normalise(ref.get("targetGUID")) for ref in children(element, "NoteRef"))


def _left_out(root: etree._Element, project: RefiProject, where: str) -> list[str]:
    """One message per kind of thing qualkit does not import: how many, and which."""
    left: dict[str, list[str]] = {}
    for box in children(root, "Sources"):
        for element in box:
            if local_name(element) in _MEDIA:
                left.setdefault(_MEDIA[local_name(element)], []).append(element.get("name", ""))
    messages = [str(QualkitError(Errors.E126, path=where, count=len(names), kind=kind,
                                 names=_names(names))) for kind, names in left.items()]
    used = {note for source in project.sources for selection in source.selections
            for note in (*selection.notes, *(n for c in selection.codings for n in c.notes))}
    unused = {"note(s) and memo(s)": [n.name for guid, n in project.notes.items() if guid not in used]}
    for container, what in _UNUSED.items():
        unused[what] = [element.get("name", "") for box in children(root, container) for element in box]
    for element in root.iter(*(f"{{{PROJECT_NS}}}{child}" for _, child in _UNUSED_LINKS)):
        what = _UNUSED_LINKS.get((local_name(element.getparent()), local_name(element)))
        if what:
            unused.setdefault(what, []).append(element.getparent().get("name", ""))
    messages += [str(QualkitError(Errors.E133, path=where, count=len(names), what=what,
                                  names=_names(names))) for what, names in unused.items() if names]
    return messages


def _names(names: list[str], shown: int = 3) -> str:
    counted = Counter(name or "unnamed" for name in names)
    listed = [f"'{name}'" + (f" x{n}" if n > 1 else "") for name, n in counted.items()]
    return ", ".join(listed[:shown]) + (f" and {len(listed) - shown} more" if len(listed) > shown else "")
