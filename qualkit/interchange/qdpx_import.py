"""A REFI-QDA project (from NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette) into a qualkit project.

Text sources become transcripts, read into speaker turns the way qualkit's importer reads a .txt;
their coded selections become human codings by the user who made them (``human:<name>``), stored
on every segment a selection overlaps, with the exact span kept (see ``conventions``); the codes
become a codebook stored in the project; cases and their variables become case attributes.
Codings by the users qualkit writes for its machine sources come back as those sources.

The file is read and checked whole before the project is touched, then stored in three
transactions (transcripts; case attributes; codebook and codings). Importing the same file again
adds nothing: unchanged transcripts are recognised by their hash, and a coding already stored
(same segment, code, coder and span) is not stored twice; so an import cut short is completed by
running it again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..coding.codebook import Codebook
from ..errors import Errors, QualkitError
from ..importers.base import make_transcript
from ..ingest import FileResult, ImportReport, summarise_file
from ..segment import Segmenter
from ..store import Project
from .codes import code_ids, slug, to_codebook
from .conventions import HUMAN, score_from_note, source_of, with_span
from .qdpx_read import RefiProject, RefiSelection, RefiTextSource, read_project
from .textmap import SourceTurns, read_source_text

FORMAT = "qdpx"


@dataclass
class QdpxImport:
    """What an import did: one row per text source in ``report.files``, and in ``report.errors``
    one line per kind of thing left out (media sources, memos, selections with nowhere to go)."""

    report: ImportReport
    codebook: Codebook | None
    codings: int = 0                 # codings newly stored
    selections: int = 0              # coded selections read from text sources
    cases: int = 0
    users: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # quirks of the file that were read past


@dataclass
class _Source:
    refi: RefiTextSource
    case: str
    name: str
    reading: SourceTurns


def import_qdpx(path: str | Path, project: Project, *, segmenter: Segmenter | None = None,
                sources_dir: str | Path | None = None) -> QdpxImport:
    """Import a .qdpx (or a bare project.qde); raise :class:`QualkitError` if the file is bad.
    Sources the project names by ``relative://`` path are read from ``sources_dir`` only, if it is
    given; otherwise each is skipped with a line saying so."""
    refi = read_project(path, sources_dir=sources_dir)
    segmenter = segmenter or Segmenter()
    origin = f"{refi.path.name} ({refi.origin})" if refi.origin else refi.path.name
    codebook = (to_codebook(refi.codes, slug(refi.title), origin, path=str(refi.path),
                            title=refi.title) if refi.codes else None)
    result = QdpxImport(ImportReport(errors=list(refi.skipped)), codebook, cases=len(refi.cases),
                        notes=list(refi.tolerated))
    sources = _readable_sources(refi, result.report)
    transcripts = segmenter.transform([
        make_transcript(refi.path / source.name, hashlib.sha256(source.refi.text.encode()).hexdigest(),
                        FORMAT, source.reading.turns, case=source.case,
                        preamble=source.reading.preamble) for source in sources])
    settings = {"unit": segmenter.unit, "max_words": segmenter.max_words,
                "all_speakers": segmenter.all_speakers}
    statuses = project.add_transcripts(transcripts, settings) if transcripts else []
    for transcript, status in zip(transcripts, statuses):
        result.report.files.append(summarise_file(Path(transcript.source), status, [transcript]))
    attributes = _case_attributes(refi, sources)
    if attributes:
        project.set_case_attributes(attributes, source="sidecar")
    rows = _coding_rows(refi, sources, project, codebook, result)
    _store(project, refi.path, codebook, rows, result)
    return result


def _readable_sources(refi: RefiProject, report: ImportReport) -> list[_Source]:
    """The text sources with text, each with its case and a transcript name no other source has
    (two sources called 'Interview.docx' would otherwise be one transcript in two versions)."""
    case_of = _case_of_sources(refi, report)
    sources, stems = [], set()
    for source in refi.sources:
        if source.text is None:
            report.files.append(FileResult(str(refi.path / source.name), "failed", format=FORMAT,
                                           error=source.problem))
            continue
        name = source.name.replace("/", "-").replace("\\", "-").strip() or source.guid
        stem, suffix, number = Path(name).stem, Path(name).suffix, 2
        while Path(name).stem.casefold() in stems:
            name, number = f"{stem} ({number}){suffix}", number + 1
        stems.add(Path(name).stem.casefold())
        sources.append(_Source(source, case_of.get(source.guid) or Path(name).stem, name,
                               read_source_text(source.text)))
    return sources


def _case_of_sources(refi: RefiProject, report: ImportReport) -> dict[str, str]:
    """Source GUID -> the case that lists it (NVivo's habit: else the source's own name)."""
    cases: dict[str, list[str]] = {}
    for case in refi.cases:
        for source in case.sources:
            cases.setdefault(source, []).append(case.name)
    names = {source.guid: source.name for source in refi.sources}
    for source, listed in cases.items():
        if len(listed) > 1 and source in names:
            report.errors.append(str(QualkitError(
                Errors.E137, path=refi.path, source=names[source], count=len(listed),
                cases=", ".join(listed), first=listed[0])))
    return {source: listed[0] for source, listed in cases.items()}


def _case_attributes(refi: RefiProject, sources: list[_Source]) -> dict[str, dict[str, str]]:
    """Variables of cases, and of sources (NVivo's file classifications) onto their case; the
    case's own value wins."""
    attributes: dict[str, dict[str, str]] = {case.name: {} for case in refi.cases}
    for source in sources:
        if source.refi.attributes:
            attributes.setdefault(source.case, {}).update(source.refi.attributes)
    for case in refi.cases:
        attributes[case.name].update(case.attributes)
    return attributes


def _coding_rows(refi: RefiProject, sources: list[_Source], project: Project,
                 codebook: Codebook | None, result: QdpxImport) -> list[tuple]:
    """(segment, code, source, score, rationale) for every segment each coding overlaps."""
    ids = code_ids(refi.codes, codebook) if codebook else {}
    rows, missing = [], []
    for source in sources:
        segments = _segments(project, source)
        outside, unplaced = [], 0
        for selection in source.refi.selections:
            result.selections += 1
            if not 0 <= selection.start < selection.end <= len(source.refi.text):
                outside.append(f"{selection.start}-{selection.end}")
                continue
            targets = [(segment_id, max(a, s), min(b, e))
                       for turn, (a, b) in source.reading.locate(selection.start, selection.end).items()
                       for segment_id, s, e in segments.get(turn, ()) if s < b and a < e]
            unplaced += bool(selection.codings) and not targets
            for coding in selection.codings:
                if coding.code not in ids:
                    missing.append(coding.code)
                    continue
                origin, score, rationale = _provenance(refi, selection, coding)
                rows += [(segment_id, ids[coding.code], origin, score, with_span(rationale, a, b))
                         for segment_id, a, b in targets]
        _report_lost(result.report, refi.path, source, outside, unplaced)
    if missing:
        result.report.errors.append(str(QualkitError(
            Errors.E131, path=refi.path, count=len(missing), guids=", ".join(sorted(set(missing))[:3]))))
    result.users = sorted({row[2] for row in rows})
    return rows


def _segments(project: Project, source: _Source) -> dict[int, list[tuple[str, int, int]]]:
    """Turn index -> the stored (segment id, start, end) of the source's current transcript."""
    found = project.source_segments(source.case, source.name)
    by_turn: dict[int, list[tuple[str, int, int]]] = {}
    for row in found.itertuples():
        by_turn.setdefault(int(row.turn), []).append((row.id, int(row.start), int(row.end)))
    return by_turn


def _provenance(refi: RefiProject, selection: RefiSelection, coding) -> tuple[str, float | None, str]:
    """(coding source, score, rationale): who coded, and what their notes say."""
    user = coding.user or selection.user or refi.creating_user
    origin = source_of(refi.users.get(user or "") or user or refi.path.name)
    notes = [refi.notes[g] for g in (*coding.notes, *selection.notes) if g in refi.notes]
    scores = [score_from_note(note.name) for note in notes]
    score = next((s for s in scores if s is not None), None) if not origin.startswith(HUMAN) else None
    texts = [selection.description, *(note.text for note in notes if note.text != note.name)]
    return origin, score, "; ".join(text for text in texts if text)


def _report_lost(report: ImportReport, path: Path, source: _Source, outside: list[str],
                 unplaced: int) -> None:
    if outside:
        report.errors.append(str(QualkitError(Errors.E130, path=path, count=len(outside),
                                              source=source.name, first=", ".join(outside[:3]),
                                              length=len(source.refi.text))))
    if unplaced:
        report.errors.append(str(QualkitError(Errors.E132, path=path, count=unplaced,
                                              source=source.name)))


def _store(project: Project, path: Path, codebook: Codebook | None, rows: list[tuple],
           result: QdpxImport) -> None:
    """The codebook and the codings not stored before, in one transaction."""
    if codebook is None:
        return
    result.codings = project.add_imported_codings(codebook, rows, str(path),
                                                  {"selections": result.selections})
