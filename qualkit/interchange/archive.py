"""The .qdpx container: a zip holding ``project.qde`` and the sources it points at.

A project may also arrive as a bare ``project.qde`` (unzipped, or exported on its own, as the
ATLAS.ti sample is); then its ``internal://`` files are looked for in a ``sources`` folder beside
it. Only the archive and the folder of the .qde are read: paths that point elsewhere on the
author's machine are reported as missing, never followed.

Writing is byte-stable: members in sorted order, fixed timestamps and permissions, so the same
project gives the same archive.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..atomic import atomic_write
from ..errors import Errors, QualkitError
from .xmlio import read_bytes

PROJECT_MEMBER = "project.qde"
SOURCES_FOLDER = "sources"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold


@dataclass
class ProjectFile:
    """A project's XML and where its source files can be found."""

    path: Path
    xml: bytes
    where: str                          # the XML's name in messages: 'study.qdpx/project.qde'
    members: set[str] | None = None     # the archive's file names, or None for a bare .qde

    def source_file(self, uri: str) -> tuple[bytes | None, str]:
        """(content or None, where it was looked for) of a source path such as
        'internal://6B29....txt' or 'relative:///interviews/P01.txt'. Archive members are read
        only when asked for: a .qdpx may also hold gigabytes of video."""
        scheme, _, rest = uri.partition("://")
        name = PurePosixPath(rest.lstrip("/"))
        if scheme == "internal" and self.members is not None:
            member = f"{SOURCES_FOLDER}/{name}"
            if member not in self.members:
                return None, member
            try:
                with zipfile.ZipFile(self.path) as archive:
                    return archive.read(member), member
            except (zipfile.BadZipFile, EOFError, NotImplementedError) as err:
                raise QualkitError(Errors.E120, path=self.path, reason=f"{member}: {err}") from None
        if scheme not in ("internal", "relative") or ".." in name.parts:
            return None, uri
        folder = self.path.parent
        candidate = folder / SOURCES_FOLDER / name if scheme == "internal" else folder / name
        return (candidate.read_bytes() if candidate.is_file() else None), str(candidate)

    @property
    def container(self) -> str:
        return "archive" if self.members is not None else f"folder {self.path.parent}"


def open_project_file(path: str | Path) -> ProjectFile:
    """Read a .qdpx (or a bare project.qde); raise :class:`QualkitError` for anything else."""
    path = Path(path)
    data = read_bytes(path)
    if path.suffix.lower() in (".qde", ".xml"):
        return ProjectFile(path, data, str(path))
    if path.suffix.lower() not in (".qdpx", ".zip"):
        raise QualkitError(Errors.E125, path=path, suffix=path.suffix or "(none)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename for info in archive.infolist() if not info.is_dir()}
            qde = _project_member(members)
            if qde is None:
                raise QualkitError(Errors.E121, path=path,
                                   members=", ".join(sorted(members)[:5]) or "nothing")
            xml = archive.read(qde)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as err:
        raise QualkitError(Errors.E120, path=path, reason=f"not a readable zip archive: {err}") from None
    return ProjectFile(path, xml, f"{path}/{qde}", members)


def _project_member(members: set[str]) -> str | None:
    """'project.qde' at the top; failing that, the one .qde in the archive."""
    if PROJECT_MEMBER in members:
        return PROJECT_MEMBER
    found = [name for name in members if name.lower().endswith(".qde")]
    return found[0] if len(found) == 1 else None


def write_archive(path: str | Path, members: dict[str, bytes]) -> Path:
    """Write a zip whose bytes depend only on ``members`` (atomically: temp file, then rename)."""
    path = Path(path)
    with atomic_write(path, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so the permissions above are read as such
            archive.writestr(info, members[name])
    return path
