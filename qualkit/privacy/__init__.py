"""Privacy: find personal details, write anonymised copies, and gate everything qualkit exports.

    detector = Detector(DetectorPolicy(known_names=read_names("names.txt")))
    report = check_paths(["transcripts/"], detector)          # findings with file, line, context
    anonymise_paths(["transcripts/"], "anon/", detector)      # same formats, placeholders, audit
    gate = PrivacyGate(detector, audit_dir=audit_beside("out"))  # used by every exporter
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from .. import yamlfile
from ..atomic import atomic_write
from ..errors import Errors, QualkitError
from ..ingest import AUDIT_MARKER, expand_paths, read_cases_sheet
from ..spreadsheets import text_columns
from .detect import DEFAULT_ALLOW, Detector, DetectorPolicy, Finding, names_from_cases, read_names
from .documents import open_document
from .pseudonyms import AUDIT_FILE, IDENTIFIER_COLUMNS, Pseudonyms
from .redact import Redactor

AUDIT_WARNING = ("THIS FOLDER HOLDS PERSONAL DATA. audit.csv lists every original name, place and "
                 "contact detail that qualkit replaced. Keep it with the raw transcripts, never with "
                 "the anonymised copies or any export, and delete it when the study's retention "
                 "period ends.\n")
PSEUDONYM_WARNING = ("THIS FOLDER HOLDS PERSONAL DATA. pseudonyms.csv maps each pseudonym in "
                     "qualkit's outputs (case_01, file_01.txt, Speaker 01, ...) back to the case "
                     "id, file name or speaker label it stands for. Keep it with the raw "
                     "transcripts, never with the outputs, and delete it when the study's "
                     "retention period ends.\n")


@dataclass
class FileFindings:
    path: str
    findings: list[tuple[str, int | None, Finding, str]] = field(default_factory=list)
    error: str | None = None
    sha256: str = ""

    @property
    def passed(self) -> bool:
        return self.error is None and not self.findings


def build_detector(names: str | Path | None = None, policy: str | Path | None = None,
                   cases: str | Path | None = None, allow=()) -> Detector:
    """A detector with the researcher's known names (names file, case sheet), policy and the
    study's own words (``allow``: its codebook's ``privacy_allow``)."""
    settings = DetectorPolicy()
    settings.allow |= {str(w).lower() for w in allow}
    if policy:
        settings = load_policy(policy)
    if names:
        settings.known_names |= read_names(names)
    if cases:
        settings.known_names |= names_from_cases(read_cases_sheet(cases))
    return Detector(settings)


def load_policy(path: str | Path) -> DetectorPolicy:
    """Policy YAML: ``allow`` (extra words never flagged), ``names`` (known names), ``kinds``."""
    path = Path(path)
    _, data = yamlfile.parse(yamlfile.read_text(path, Errors.E090), path)  # bounded size and depth
    data = data or {}
    if not isinstance(data, dict) or set(data) - {"allow", "names", "kinds"}:
        raise QualkitError(Errors.E090, path=path, reason="expected only the keys allow, names, kinds")
    policy = DetectorPolicy()
    policy.allow |= {str(a).lower() for a in data.get("allow") or []}
    policy.known_names |= {str(n) for n in data.get("names") or []}
    if data.get("kinds"):
        policy.entity_kinds = {str(k) for k in data["kinds"]}
    return policy


def _context(text: str, finding: Finding, width: int = 30) -> str:
    left = text[max(0, finding.start - width):finding.start]
    right = text[finding.end:finding.end + width]
    return f"...{left}[[{finding.text}]]{right}...".replace("\n", " ")


def check_paths(paths: Iterable[str | Path], detector: Detector) -> list[FileFindings]:
    """Findings per file (where, line, finding, context); unreadable files carry their error."""
    results = []
    for path in expand_paths(paths):
        result = FileFindings(str(path))
        try:
            document = open_document(path)
            result.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        except QualkitError as err:
            result.error = str(err.located(path))
            results.append(result)
            continue
        for unit, found in zip(document.units, detector.find_many([u.text for u in document.units])):
            result.findings.extend((unit.where, unit.line, f, _context(unit.text, f)) for f in found)
        results.append(result)
    return results


def check_project(project, detector: Detector, sources: Iterable[str] | None = None
                  ) -> list[tuple[str, str, int]]:
    """Check what was imported, not the files again: every current transcript (of ``sources``,
    file names) whose exact content has not been checked before. Each speaker label, turn, preamble
    and case attribute is read as the check reads a file's lines. Returns (source name, sha256,
    findings) per transcript checked, for :meth:`qualkit.Project.record_anonymity_checks`."""
    status = project.anonymity_status()
    todo = status[status["checked_at"].isna()]
    if sources is not None:
        todo = todo[todo["source_name"].isin(set(sources))]
    if todo.empty:
        return []
    transcripts = project.transcripts().set_index(["case_id", "source_name"])
    turns = project.turns()
    attributes = project.cases().set_index("case")
    results = []
    for row in todo.itertuples():
        mine = turns[(turns["case_id"] == row.case_id) & (turns["source_name"] == row.source_name)]
        values = attributes.loc[row.case_id].dropna() if row.case_id in attributes.index else []
        transcript = transcripts.loc[(row.case_id, row.source_name)]
        units = [transcript["preamble"], *map(str, values),
                 *mine["speaker"], *mine["text"]]
        found = detector.find_many([unit for unit in units if unit])
        results.append((row.source_name, transcript["sha256"], sum(len(f) for f in found)))
    return results


def _outside_inputs(paths: Iterable[str | Path], outputs: list[Path]) -> None:
    """Refuse an output folder that is, or is inside, an input folder (the copies would be read
    back with the originals), or that holds an input file (a copy keeps its file's name, so it
    would replace it)."""
    for given in map(Path, paths):
        for out in map(Path.resolve, outputs):
            inside = given.is_dir() and (out == given.resolve() or given.resolve() in out.parents)
            if inside or (not given.is_dir() and out == given.resolve().parent):
                raise QualkitError(Errors.E143, path=out, out=out, input=given)


def anonymise_paths(paths: Iterable[str | Path], out_dir: str | Path, detector: Detector,
                    audit_dir: str | Path | None = None) -> list[FileFindings]:
    """Write anonymised copies (same names and formats) to ``out_dir`` and an audit of every
    replacement to ``audit_dir`` (default: ``<out_dir>-audit``), a separate, clearly marked folder."""
    out_dir = Path(out_dir)
    audit_dir = Path(audit_dir) if audit_dir else out_dir.parent / f"{out_dir.name}-audit"
    _outside_inputs(paths, [out_dir, audit_dir])
    results, audit_rows = [], []
    for path in expand_paths(paths):
        result = FileFindings(str(path))
        try:
            document = open_document(path)
        except QualkitError as err:
            result.error = str(err.located(path))
            results.append(result)
            continue
        redactor = Redactor()
        for unit, found in zip(document.units, detector.find_many([u.text for u in document.units])):
            if not found:
                continue
            unit.text, replaced = redactor.apply(unit.text, found)
            for finding, placeholder in replaced:
                result.findings.append((unit.where, unit.line, finding, placeholder))
                audit_rows.append([str(path), unit.where, finding.kind, finding.text, placeholder,
                                   finding.reason])
        document.save(out_dir / path.name)
        results.append(result)
    audit_dir.mkdir(parents=True, exist_ok=True)
    (audit_dir / AUDIT_MARKER).write_text(AUDIT_WARNING, encoding="utf-8")
    with atomic_write(audit_dir / "audit.csv") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "where", "kind", "original", "replacement", "reason"])
        writer.writerows(audit_rows)
    return results


def audit_beside(out: str | Path) -> Path:
    """Where the gate keeps its audit for an output: ``<out>-audit`` beside it (``coded-audit``
    for coded.csv, ``study-audit`` for a run into study/), as ``anonymise`` keeps its own: apart
    from the outputs and marked as personal data."""
    out = Path(out)
    return out.parent / f"{out.stem if out.suffix else out.name}-audit"


class PrivacyGate:
    """Runs the detector on what an exporter is about to write.

    ``mode`` is 'redact' (replace findings, count them), 'strict' (refuse, naming the findings) or
    'off' (the caller passed --no-privacy-check and has printed the warning).

    Identifiers (case ids, file names, speaker labels, segment ids) are not redacted but given
    pseudonyms when they hold a personal detail (:mod:`qualkit.privacy.pseudonyms`), in 'strict'
    mode too: a pseudonym leaks nothing, and refusing would leave a study whose files are named
    after people no way to export. The mapping goes to ``audit_dir`` (see :func:`audit_beside`);
    without one it stays in :attr:`pseudonyms`.
    """

    def __init__(self, detector: Detector | None = None, mode: str = "redact",
                 audit_dir: str | Path | None = None) -> None:
        self.detector = detector or Detector()
        self.mode = mode
        self.redacted = 0
        self.pseudonyms = Pseudonyms(self._hold_details)
        self.audit_dir: Path | None = None
        if audit_dir is not None:
            self.audit_in(audit_dir)

    def audit_in(self, folder: str | Path) -> None:
        """Keep the mapping of pseudonyms in ``folder``, taking over those an earlier command or
        run left there (so that they keep their numbers)."""
        self.audit_dir = Path(folder)
        self.pseudonyms.load(self.audit_dir / AUDIT_FILE)

    @property
    def audit_path(self) -> Path | None:
        """The mapping's file, once there is a pseudonym to keep and a folder to keep it in."""
        if self.audit_dir is None or not len(self.pseudonyms):
            return None
        return self.audit_dir / AUDIT_FILE

    def _hold_details(self, texts: list[str]) -> list[bool]:
        return [bool(found) for found in self.detector.find_many(texts)]

    def know(self, frame: pd.DataFrame) -> None:
        """Judge a table's identifiers (its case, source_name, speaker and segment_id columns)
        before anything is exported: told the whole corpus first, the gate numbers the
        pseudonyms over all of it, so every export of a study uses the same ones."""
        if self.mode == "off":
            return
        values = {kind: frame[column].dropna().astype(str).unique()
                  for column, kind in IDENTIFIER_COLUMNS.items() if column in frame.columns}
        if self.pseudonyms.learn(values):
            self._write_audit()

    def identifier(self, value: str, kind: str = "case") -> str:
        """One identifier as it may be exported: its pseudonym, or itself when it is clean."""
        if self.mode == "off":
            return value
        if self.pseudonyms.learn({kind: [value]}):
            self._write_audit()
        return self.pseudonyms.apply(value)

    def identifiers(self, frame: pd.DataFrame, text_columns: Iterable[str] = ()) -> pd.DataFrame:
        """The table with every identifier in it replaced by its pseudonym; in ``text_columns``
        (transcript text, which :meth:`frame` redacts) only the segment ids quoted in it."""
        if self.mode == "off":
            return frame
        self.know(frame)
        return self.pseudonyms.frame(frame, text=text_columns)

    def _write_audit(self) -> None:
        if self.audit_dir is None:
            return
        marker = self.audit_dir / AUDIT_MARKER
        if not marker.exists():
            with atomic_write(marker) as handle:
                handle.write(PSEUDONYM_WARNING)
        with atomic_write(self.audit_dir / AUDIT_FILE) as handle:  # a record: kept verbatim
            self.pseudonyms.rows().to_csv(handle, index=False)

    def allow(self, words) -> None:
        """The study's own words are never flagged (see :meth:`Detector.allow`)."""
        if self.detector is not None:
            self.detector.allow(words)

    def passes(self, texts: list[str]) -> list[bool]:
        """Which texts hold nothing the check can detect (to choose among candidates)."""
        if self.mode == "off":
            return [True] * len(texts)
        return [not found for found in self.detector.find_many(texts)]

    def frame(self, frame: pd.DataFrame, columns: Iterable[str] | None = None,
              where: str = "export") -> pd.DataFrame:
        """The table with personal details in its text ``columns`` (default: all) replaced (or
        refused), and its identifiers given pseudonyms (:meth:`identifiers`)."""
        if self.mode == "off":
            return frame
        text = [c for c in (frame.columns if columns is None else columns)
                if c not in IDENTIFIER_COLUMNS]
        frame = self.identifiers(frame, text).copy()
        columns = [c for c in text_columns(frame) if c in text]
        issued = self.pseudonyms.issued
        redactor = Redactor()
        problems = []
        for column in columns:
            values = frame[column].fillna("").astype(str).tolist()
            findings = self.detector.find_many(values)
            for row, (value, found) in enumerate(zip(values, findings)):
                if not found or value in issued:  # a pseudonym the model happens to take for a name
                    continue
                problems.extend(f"row {row + 2}, {column}: {f.kind} '{f.text}'" for f in found)
                values[row] = redactor.apply(value, found)[0]
                self.redacted += len(found)
            frame[column] = values
        if problems and self.mode == "strict":
            raise QualkitError(Errors.E091, path=where, count=len(problems),
                               first="; ".join(problems[:3]))
        return frame


__all__ = ["AUDIT_WARNING", "DEFAULT_ALLOW", "Detector", "DetectorPolicy", "FileFindings",
           "Finding", "PrivacyGate", "Pseudonyms", "anonymise_paths", "audit_beside",
           "build_detector", "check_paths", "check_project", "load_policy", "read_names"]
