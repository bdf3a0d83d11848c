"""A qualkit project as a REFI-QDA project (.qdpx) that NVivo, ATLAS.ti, MAXQDA and QualCoder open.

What goes in: the codebooks (nested codes, definitions as descriptions), one user per coder (each
human coder, and each machine source named with its model), every current transcript as a plain
text source with its coded selections, machine scores and rationales as notes on their codings,
and the cases with their attributes as variables. Everything written passes the privacy gate
first, and the file is validated against the official schema before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from ..coding.codebook import Code, Codebook
from ..errors import Errors, QualkitError
from ..privacy import PrivacyGate
from ..store import Project
from . import guids
from .archive import PROJECT_MEMBER, SOURCES_FOLDER, write_archive
from .codes import PLACEHOLDER, add_code_elements
from .conventions import score_note, user_name
from .gating import GatedTexts
from .project_data import current_codings, stored_codebooks
from .qdc import ORIGIN
from .source_text import SourceText, TurnOut
from .xmlio import PROJECT_NS, new_root, sub, to_bytes, validate


@dataclass
class QdpxExport:
    """What was written, for the command's summary."""

    path: Path
    sources: int = 0
    selections: int = 0
    codings: int = 0
    notes: int = 0
    users: list[str] = field(default_factory=list)
    cases: int = 0
    codes: int = 0
    redacted: int = 0
    problems: list[str] = field(default_factory=list)  # catalogue messages


def export_qdpx(project: Project, out: str | Path, gate: PrivacyGate | None = None, *,
                sources: tuple[str, ...] | None = None) -> QdpxExport:
    """Write the project to ``out`` (.qdpx); ``sources`` limits which coders' codings go in
    ('human', 'rule', 'semantic', 'learned', 'ensemble'; default all)."""
    out, gate = Path(out), gate or PrivacyGate()
    summary, redacted_before = QdpxExport(out), gate.redacted
    writer = _Writer(project, sources, summary, gate)
    writer.texts.run(gate, where=str(out))  # redact, or refuse, before anything is written
    root, members = writer.build(project.path.stem)
    validate(root, PROJECT_NS, "qualkit's own project.qde")
    members[PROJECT_MEMBER] = to_bytes(root)
    write_archive(out, members)
    summary.redacted = gate.redacted - redacted_before
    return summary


class _Writer:
    """Reads what the archive needs from the project, queues every text for the privacy gate,
    then (once the gate has run) builds project.qde and the source files. Case, file and speaker
    names go out as the gate's pseudonyms when they hold a personal detail, and so do the GUIDs
    made from them (a name-based GUID could be matched against a guessed name)."""

    def __init__(self, project: Project, sources: tuple[str, ...] | None,
                 summary: QdpxExport, gate: PrivacyGate) -> None:
        self.summary = summary
        self.turns = project.current_turns()
        if self.turns.empty:
            raise QualkitError(Errors.E135, path=project.path, what="transcripts",
                               fix="import transcripts first ('qualkit import PATH --project P').")
        gate.know(self.turns)
        self.public = gate.identifier
        self.codings = current_codings(project, sources)
        self.codes = _CodeTable(stored_codebooks(project), self.codings, project.path, summary)
        self.cases = project.cases().set_index("case")
        self.by_source = dict(list(self.codings.groupby(["case", "source_name"], sort=True)))
        self.documents = {key: _source_text(group, self._codings_of(key), self.public)
                          for key, group in self.turns.groupby(["case", "source_name"], sort=True)}
        self.texts = GatedTexts()
        for document in self.documents.values():
            document.register(self.texts)
        files = set(self.turns["source_name"])
        # identifiers: a pseudonym when they hold a detail, never redacted as text
        self.names = {name: self.public(name, "file" if name in files else "case")
                      for name in sorted({*self.cases.index, *files})}
        self.values = {(case, column): self.texts.add(value) for case, row in self.cases.iterrows()
                       for column, value in row.items() if isinstance(value, str) and value}
        self.notes = {row.Index: self.texts.add(row.rationale or score_note(row.score))
                      for row in self.codings.itertuples() if row.rationale or pd.notna(row.score)}
        self.users: dict[str, str] = {}
        self.pending_notes: list[tuple[str, str, int, str]] = []

    def _codings_of(self, key: tuple[str, str]) -> pd.DataFrame:
        return self.by_source.get(key, self.codings.iloc[:0])

    def _source_guid(self, case: str, source_name: str) -> str:
        return guids.guid("source", self.public(case), self.public(source_name, "file"))

    def build(self, name: str) -> tuple[etree._Element, dict[str, bytes]]:
        """project.qde's tree (in the schema's order) and the source files, from gated texts."""
        root = new_root(PROJECT_NS, name=name, origin=ORIGIN)
        self._add_users(root)
        self.codes.add_to(root)
        self._add_cases(root)
        members = self._add_sources(root)
        self._add_notes(root)
        return root, members

    def _add_users(self, root: etree._Element) -> None:
        """One user per coding source: human coders by name, then the machine sources."""
        sources = sorted(set(self.codings["source"]), key=lambda s: (not s.startswith("human:"), s))
        self.users = {source: guids.guid("user", user_name(source)) for source in sources}
        if self.users:
            element = sub(root, "Users")
            for source, guid in self.users.items():
                sub(element, "User", guid=guid, name=user_name(source))
        self.summary.users = [user_name(source) for source in sources]

    def _add_cases(self, root: etree._Element) -> None:
        """Attributes become text variables; each case lists its sources."""
        variables = sorted({column for _, column in self.values})
        if variables:
            element = sub(root, "Variables")
            for variable in variables:
                sub(element, "Variable", guid=guids.guid("variable", variable), name=variable,
                    typeOfVariable="Text")
        if self.cases.empty:
            return
        element = sub(root, "Cases")
        for case in self.cases.index:
            case_element = sub(element, "Case", guid=guids.guid("case", self.public(case)),
                               name=self.names[case])
            for variable in variables:
                if (case, variable) in self.values:
                    value = sub(case_element, "VariableValue")
                    sub(value, "VariableRef", targetGUID=guids.guid("variable", variable))
                    sub(value, "TextValue", self.texts[self.values[(case, variable)]])
            for source_case, source_name in self.documents:
                if source_case == case:
                    sub(case_element, "SourceRef",
                        targetGUID=self._source_guid(case, source_name))
            self.summary.cases += 1

    def _add_sources(self, root: etree._Element) -> dict[str, bytes]:
        """Each transcript as a plain-text file in the archive, with its coded selections."""
        members = {}
        sources = sub(root, "Sources")
        for (case, source_name), document in self.documents.items():
            guid = self._source_guid(case, source_name)
            text, spans = document.compose(self.texts)
            members[f"{SOURCES_FOLDER}/{guid}.txt"] = text.encode("utf-8")
            element = sub(sources, "TextSource", guid=guid, name=self.names[source_name],
                          plainTextPath=f"internal://{guid}.txt")
            coded = self._codings_of((case, source_name)).groupby(["turn", "span_start", "span_end"],
                                                                  sort=True)
            for span, group in coded:
                self._add_selection(element, guid, spans[span], group)
            self.summary.sources += 1
        return members

    def _add_selection(self, source: etree._Element, source_guid: str, span: tuple[int, int],
                       codings: pd.DataFrame) -> None:
        """One selection per coded span; in it one coding per code and coder, with its note."""
        selection_guid = guids.guid("selection", source_guid, str(span[0]), str(span[1]))
        selection = sub(source, "PlainTextSelection", guid=selection_guid,
                        startPosition=str(span[0]), endPosition=str(span[1]))
        for row in codings.itertuples():
            code_guid, user = self.codes.guid[(row.codebook, row.code_id)], self.users[row.source]
            coding_guid = guids.guid("coding", selection_guid, code_guid, user)
            coding = sub(selection, "Coding", guid=coding_guid, creatingUser=user)
            sub(coding, "CodeRef", targetGUID=code_guid)
            if row.Index in self.notes:
                note_guid = guids.guid("note", coding_guid)
                sub(coding, "NoteRef", targetGUID=note_guid)
                name = score_note(row.score) if pd.notna(row.score) else "note"
                self.pending_notes.append((note_guid, name, self.notes[row.Index], user))
            self.summary.codings += 1
        self.summary.selections += 1

    def _add_notes(self, root: etree._Element) -> None:
        if not self.pending_notes:
            return
        element = sub(root, "Notes")
        for note_guid, name, slot, user in self.pending_notes:
            note = sub(element, "Note", guid=note_guid, name=name, creatingUser=user)
            sub(note, "PlainTextContent", self.texts[slot])
        self.summary.notes = len(self.pending_notes)


def _source_text(turns: pd.DataFrame, codings: pd.DataFrame, public) -> SourceText:
    """A transcript's turns (each speaker label as ``public`` gives it) and the spans its codings
    cover (offsets into each turn)."""
    return SourceText(
        turns=[TurnOut(int(r.idx), public(r.speaker, "speaker"), r.text,
                       r.time if isinstance(r.time, str) else None)
               for r in turns.itertuples()],
        preamble=turns.iloc[0]["preamble"] or "",
        spans={(int(r.turn), int(r.span_start), int(r.span_end)) for r in codings.itertuples()})


class _CodeTable:
    """The codes going into the archive: every stored codebook, plus any code a coding uses that
    no codebook defines (kept, with a placeholder description, and reported)."""

    def __init__(self, codebooks: list[Codebook], codings: pd.DataFrame, where: Path,
                 summary: QdpxExport) -> None:
        self.codebooks = codebooks
        self.guid: dict[tuple[str, str], str] = {}
        for codebook in codebooks:
            for code_id in codebook.ids:
                self.guid[(codebook.name, code_id)] = guids.code_guid(codebook.name, code_id)
        by_id = {code_id: guid for (_, code_id), guid in reversed(list(self.guid.items()))}
        self.extra: dict[str, str] = {}
        for codebook_name, code_id in sorted(set(zip(codings["codebook"], codings["code_id"]))):
            if (codebook_name, code_id) in self.guid:
                continue
            if code_id not in by_id:
                self.extra[code_id] = by_id[code_id] = guids.code_guid(codebook_name or "qualkit",
                                                                     code_id)
            self.guid[(codebook_name, code_id)] = by_id[code_id]
        summary.codes = sum(len(c.codes) for c in codebooks) + len(self.extra)
        if self.extra:
            summary.problems.append(str(QualkitError(Errors.E136, path=where, count=int(
                codings["code_id"].isin(list(self.extra)).sum()), codes=", ".join(self.extra))))

    def add_to(self, root: etree._Element) -> None:
        if not self.codebooks and not self.extra:
            return
        codes = sub(sub(root, "CodeBook"), "Codes")
        for codebook in self.codebooks:
            add_code_elements(codes, codebook, lambda code_id, name=codebook.name:
                              self.guid[(name, code_id)])
        if self.extra:
            definition = PLACEHOLDER.format(origin="the project's codings")
            loose = Codebook(name="", title="", version=1, codes=tuple(
                Code(id=code_id, label=code_id, definition=definition) for code_id in self.extra))
            add_code_elements(codes, loose, self.extra.get)
