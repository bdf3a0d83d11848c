"""Privacy: find personal details, write anonymised copies, and gate everything qualkit exports.

    detector = Detector(DetectorPolicy(known_names=read_names("names.txt")))
    report = check_paths(["transcripts/"], detector)          # findings with file, line, context
    anonymise_paths(["transcripts/"], "anon/", detector)      # same formats, placeholders, audit
    gate = PrivacyGate(detector)                               # used by every exporter
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
import yaml

from ..atomic import atomic_write
from ..errors import Errors, QualkitError
from ..ingest import expand_paths, read_cases_sheet
from .detect import DEFAULT_ALLOW, Detector, DetectorPolicy, Finding, names_from_cases, read_names
from .documents import open_document
from .redact import Redactor

AUDIT_WARNING = ("THIS FOLDER HOLDS PERSONAL DATA. audit.csv lists every original name, place and "
                 "contact detail that qualkit replaced. Keep it with the raw transcripts, never with "
                 "the anonymised copies or any export, and delete it when the study's retention "
                 "period ends.\n")


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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise QualkitError(Errors.E090, path=path, reason=str(err).splitlines()[0][:100]) from None
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
    (audit_dir / "WARNING-PERSONAL-DATA.txt").write_text(AUDIT_WARNING, encoding="utf-8")
    with atomic_write(audit_dir / "audit.csv") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "where", "kind", "original", "replacement", "reason"])
        writer.writerows(audit_rows)
    return results


class PrivacyGate:
    """Runs the detector on what an exporter is about to write.

    ``mode`` is 'redact' (replace findings, count them), 'strict' (refuse, naming the findings) or
    'off' (the caller passed --no-privacy-check and has printed the warning).
    """

    def __init__(self, detector: Detector | None = None, mode: str = "redact") -> None:
        self.detector = detector or Detector()
        self.mode = mode
        self.redacted = 0

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
        """The table with personal details in its text columns replaced (or refused)."""
        if self.mode == "off":
            return frame
        frame = frame.copy()
        columns = [c for c in (columns or frame.columns) if frame[c].dtype == object
                   or pd.api.types.is_string_dtype(frame[c])]
        redactor = Redactor()
        problems = []
        for column in columns:
            values = frame[column].fillna("").astype(str).tolist()
            findings = self.detector.find_many(values)
            for row, (value, found) in enumerate(zip(values, findings)):
                if not found:
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
           "Finding", "PrivacyGate", "anonymise_paths", "build_detector", "check_paths", "check_project",
           "load_policy", "read_names"]
