"""Import a batch of files into a project: read, segment, store, one file at a time.

A batch is what a researcher drops in: folders of mixed formats, a classification sheet, the odd
broken file. Each file is read and stored on its own (one transaction each), so one bad file costs
only itself; unchanged files are recognised by their hash and skipped before any parsing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import gc
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from .errors import Errors, QualkitError
from .importers import TableOptions, file_sha256, is_supported, read_file, read_table
from .models import Transcript
from .segment import Segmenter
from .corpus import Corpus
from .store import IN_MEMORY, UNCHANGED, Project

IGNORE_FILE = ".qualkitignore"
#: The project database a run keeps in its output folder: a folder holding one is qualkit's output
#: (coded.csv, report.docx ...), never read as input when it lies inside an input folder.
PROJECT_FILE = "project.qualkit"
#: The file that marks a folder of personal data qualkit wrote (an anonymise or privacy audit):
#: like a folder holding a project, never read as input.
AUDIT_MARKER = "WARNING-PERSONAL-DATA.txt"
CHUNK_FILES = 64


@dataclasses.dataclass(frozen=True)
class FileResult:
    """What happened to one input file."""

    path: str
    status: str                      # imported | new version | unchanged | failed
    cases: tuple[str, ...] = ()
    format: str = ""
    turns: int = 0
    segments: int = 0
    words: int = 0
    speakers: int = 0
    error: str | None = None


@dataclasses.dataclass
class ImportReport:
    files: list[FileResult] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)  # problems not tied to one file

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def sources(self) -> list[str]:
        """The file names imported or found unchanged: what a run describes."""
        return list(dict.fromkeys(Path(f.path).name for f in self.files if f.status != "failed"))

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def to_frame(self) -> pd.DataFrame:
        rows = [dict(dataclasses.asdict(f), cases=";".join(f.cases)) for f in self.files]
        columns = [f.name for f in dataclasses.fields(FileResult)]
        return pd.DataFrame(rows, columns=columns)


def expand_paths(paths: Iterable[str | Path], skip: Sequence[Path] = ()) -> list[Path]:
    """Files named directly, plus the importable files under folders (honouring .qualkitignore)."""
    skipped = {Path(p).resolve() for p in skip}
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)
            continue
        patterns = _ignore_patterns(path)
        outputs = {marker.parent for name in (PROJECT_FILE, AUDIT_MARKER)
                   for marker in path.rglob(name)}
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(path)
            try:
                resolved = candidate.resolve()
            except (OSError, RuntimeError):  # a symlink loop: reading it reports the error
                resolved = candidate
            if (candidate.is_dir() or any(part.startswith(".") for part in relative.parts)
                    or resolved in skipped or not skipped.isdisjoint(resolved.parents)
                    or not outputs.isdisjoint(candidate.parents) or _is_project_file(candidate)
                    or _ignored(relative, patterns)):
                continue
            found.append(candidate)
    return list(dict.fromkeys(found))


def _is_project_file(path: Path) -> bool:
    """A project database (or its SQLite journal): qualkit's own file, never a transcript."""
    return path.name.endswith((".qualkit", ".qualkit-wal", ".qualkit-shm", ".qualkit-journal"))


def _ignore_patterns(folder: Path) -> list[str]:
    file = folder / IGNORE_FILE
    if not file.is_file():
        return []
    lines = file.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(relative: Path, patterns: list[str]) -> bool:
    text = relative.as_posix()
    for pattern in patterns:
        if pattern.endswith("/"):
            if text.startswith(pattern) or f"/{pattern}" in f"/{text}":
                return True
        elif fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(relative.name, pattern):
            return True
    return False


def read_cases_sheet(path: str | Path) -> dict[str, dict[str, str]]:
    """A classification sheet: first column the case id, every other column an attribute."""
    path = Path(path)
    frame = read_table(path)
    if frame.shape[1] < 1:
        raise QualkitError(Errors.E034, path=path)
    id_column = frame.columns[0]
    cases: dict[str, dict[str, str]] = {}
    for position, row in enumerate(frame.to_dict("records")):
        case = str(row.pop(id_column)).strip()
        if not case:
            raise QualkitError(Errors.E035, path=path, line=position + 2, row=position + 2)
        cases[case] = {k: str(v).strip() for k, v in row.items() if str(v).strip()}
    return cases


def import_paths(paths: Iterable[str | Path], project: Project, *, segmenter: Segmenter | None = None,
                 table_options: TableOptions = TableOptions(), cases: str | Path | None = None,
                 progress: Callable[[Path], None] | None = None,
                 skip: Sequence[str | Path] = ()) -> ImportReport:
    """Import files and folders into ``project``; never raises for bad input, reports it instead.
    ``skip`` names files and folders under the inputs to leave out (a run's own output folder)."""
    segmenter = segmenter or Segmenter()
    report = ImportReport()
    sidecar = Path(cases) if cases else None
    if sidecar:
        try:
            project.set_case_attributes(read_cases_sheet(sidecar), source="sidecar")
        except QualkitError as err:
            report.errors.append(str(err))
    files = expand_paths(paths, skip=[*skip, *([sidecar] if sidecar else [])])
    with _cyclic_gc_paused():
        for start in range(0, len(files), CHUNK_FILES):
            _import_chunk(files[start:start + CHUNK_FILES], project, segmenter, table_options,
                          report, progress)
    return report


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Pause Python's cycle collector for the length of an import.

    An import creates millions of short-lived objects (tokens, turns, rows) and no reference
    cycles: after a million-word import with the collector off, ``gc.collect()`` finds nothing.
    Left on, the collector keeps re-scanning everything alive, a fifth of the import's time.
    Reference counting still frees every object as usual.
    """
    from .tuning import current

    was_enabled = gc.isenabled() and current().pause_gc
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_chunk(files: list[Path], project: Project, segmenter: Segmenter,
                  table_options: TableOptions, report: ImportReport,
                  progress: Callable[[Path], None] | None) -> None:
    """Read a handful of files, segment them in one spaCy pass, then store each on its own."""
    pending: list[tuple[Path, list[Transcript]]] = []
    for path in files:
        try:
            if not is_supported(path):
                read_file(path)  # raises the right error: unknown format, or not found
            sha = file_sha256(path)
            if project.is_unchanged(path.name, sha):
                report.files.append(FileResult(str(path), UNCHANGED))
                _tick(progress, path)
                continue
            pending.append((path, read_file(path, table_options, sha256=sha)))
        except QualkitError as err:
            report.files.append(FileResult(str(path), "failed", error=str(err.located(path))))
            _tick(progress, path)
        except FileNotFoundError:
            report.files.append(FileResult(str(path), "failed",
                                           error=str(QualkitError(Errors.E001, path=path))))
            _tick(progress, path)
        except OSError as err:
            error = QualkitError(Errors.E002, path=path, reason=err.strerror or type(err).__name__)
            report.files.append(FileResult(str(path), "failed", error=str(error)))
            _tick(progress, path)
    flat = [t for _, transcripts in pending for t in transcripts]
    segmented = iter(segmenter.transform(flat))
    settings = {"unit": segmenter.unit, "max_words": segmenter.max_words,
                "all_speakers": segmenter.all_speakers}
    for path, transcripts in pending:
        done = [next(segmented) for _ in transcripts]
        try:
            statuses = project.add_transcripts(done, settings)
            status = statuses[0] if len(set(statuses)) == 1 else "imported"
            report.files.append(summarise_file(path, status, done))
        except QualkitError as err:
            report.files.append(FileResult(str(path), "failed", error=str(err.located(path))))
        _tick(progress, path)


def summarise_file(path: Path, status: str, transcripts: list[Transcript]) -> FileResult:
    return FileResult(
        path=str(path), status=status, cases=tuple(t.case.id for t in transcripts),
        format=transcripts[0].format, turns=sum(len(t.turns) for t in transcripts),
        segments=sum(len(t.segments) for t in transcripts),
        words=sum(t.n_words for t in transcripts),
        speakers=len({s for t in transcripts for s in t.speakers}))


def _tick(progress: Callable[[Path], None] | None, path: Path) -> None:
    if progress:
        progress(path)


CASE_SHEET_NAMES = ("cases.csv", "cases.xlsx")


def find_case_sheet(paths: Iterable[str | Path]) -> Path | None:
    """A classification sheet named ``cases.csv`` (or .xlsx) directly inside an input folder: the
    usual layout of a study folder, so it is read as case attributes, not as transcripts."""
    for path in map(Path, paths):
        for name in CASE_SHEET_NAMES if path.is_dir() else ():
            if (path / name).is_file():
                return path / name
    return None


def read_corpus(paths: Iterable[str | Path], project: Project | None = None, *,
                segmenter: Segmenter | None = None, table_options: TableOptions = TableOptions(),
                cases: str | Path | None = None, progress: Callable[[Path], None] | None = None,
                skip: Sequence[str | Path] = ()) -> tuple[Corpus, ImportReport]:
    """Import ``paths`` into ``project`` (or, without one, into a project held in memory for the
    length of the call) and read back the corpus of the files given: every command reads its
    inputs the same way, through the store, whether or not it keeps a project."""
    def read(into: Project) -> tuple[Corpus, ImportReport]:
        report = import_paths(paths, into, segmenter=segmenter, table_options=table_options,
                              cases=cases, progress=progress, skip=skip)
        return into.corpus(report.sources), report

    if project is not None:
        return read(project)
    with Project(IN_MEMORY) as scratch:
        return read(scratch)


@dataclasses.dataclass
class Inputs:
    """What a batch of inputs holds: its segments, its cases' attributes, and what went wrong."""

    segments: pd.DataFrame
    attributes: pd.DataFrame      # indexed by case, one column per attribute (text)
    report: ImportReport


def read_inputs(paths: Iterable[str | Path], project: Project | None = None, *,
                segmenter: Segmenter | None = None, table_options: TableOptions = TableOptions(),
                cases: str | Path | None = None) -> Inputs:
    """Segments and case attributes of some inputs (see :func:`read_corpus`): the respondents'
    segments, or with ``Segmenter(all_speakers=True)`` every speaker's."""
    corpus, report = read_corpus(paths, project, segmenter=segmenter,
                                 table_options=table_options, cases=cases)
    all_speakers = segmenter is not None and segmenter.all_speakers
    segments = corpus.segments if all_speakers else corpus.respondents
    return Inputs(segments.drop(columns="source_name"), corpus.attributes, report)


def segments_from_paths(paths: Iterable[str | Path], project: Project | None = None, *,
                        segmenter: Segmenter | None = None,
                        table_options: TableOptions = TableOptions(),
                        cases: str | Path | None = None) -> tuple[pd.DataFrame, ImportReport]:
    """The codable segments of some inputs, as a table (see :func:`read_inputs`)."""
    found = read_inputs(paths, project, segmenter=segmenter, table_options=table_options,
                        cases=cases)
    return found.segments, found.report
