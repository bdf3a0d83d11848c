"""The .qdpx container: a zip holding ``project.qde`` and the sources it points at.

A project may also arrive as a bare ``project.qde`` (unzipped, or exported on its own, as the
ATLAS.ti sample is); then its ``internal://`` files are looked for in a ``sources`` folder beside
it, the unzipped archive. A ``relative://`` path names a file on the author's disk, outside the
archive: a hostile project could point it at any file beside the archive (and have it imported as
a transcript, then exported again), so such files are read only from a folder the user names
(``sources_dir``), and never through ``..`` or a link out of that folder. Paths that point
anywhere else are reported as missing, never followed.

Members are read under a :class:`~qualkit.safezip.ReadBudget`, so that a decompression bomb is one
line, not exhausted memory.

Writing is byte-stable: members in sorted order, fixed timestamps and permissions, so the same
project gives the same archive.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..atomic import atomic_write
from ..errors import Errors, QualkitError
from ..importers.base import regular_file
from ..safezip import ReadBudget
from .xmlio import read_bytes

PROJECT_MEMBER = "project.qde"
SOURCES_FOLDER = "sources"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
#: what to do about a member refused by the read limits
FIX = ("export the project again from your QDA software; if it is genuine, export its largest "
       "sources on their own and import them as transcripts.")
#: what zipfile raises for a damaged archive or member
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error,
               ValueError)


@dataclass
class ProjectFile:
    """A project's XML and where its source files can be found."""

    path: Path
    xml: bytes
    where: str                          # the XML's name in messages: 'study.qdpx/project.qde'
    members: set[str] | None = None     # the archive's file names, or None for a bare .qde
    sources_dir: Path | None = None     # the folder relative:// paths are read from, if named
    budget: ReadBudget | None = None    # what may still be read; one per project, made if not given

    def __post_init__(self) -> None:
        self.budget = self.budget or ReadBudget(self.path, FIX)

    def source_file(self, uri: str, source: str) -> tuple[bytes | None, str]:
        """(content or None, where it was looked for) of a source path such as
        'internal://6B29....txt' or 'relative:///interviews/P01.txt'; raise :class:`QualkitError`
        for a path qualkit may not follow or a file too large to read. Archive members are read
        only when asked for: a .qdpx may also hold gigabytes of video."""
        scheme, _, rest = uri.partition("://")
        name = PurePosixPath(rest.lstrip("/"))
        if scheme == "internal" and self.members is not None:
            member = f"{SOURCES_FOLDER}/{name}"
            if member not in self.members:
                return None, member
            try:
                with zipfile.ZipFile(self.path) as archive:
                    return self.budget.read(archive, member, _label(source, member)), member
            except _ZIP_ERRORS as err:
                raise QualkitError(Errors.E120, path=self.path, reason=f"{member}: {err}") from None
        if scheme == "internal":
            return self._read_inside(self.path.parent / SOURCES_FOLDER, name, uri, source)
        if scheme == "relative":
            if self.sources_dir is None:
                raise QualkitError(Errors.E150, path=self.path, source=source, where=uri)
            return self._read_inside(self.sources_dir, name, uri, source)
        return None, uri

    def container(self, uri: str) -> str:
        """Where a source path's file was looked for, in messages."""
        if uri.startswith("relative://") and self.sources_dir is not None:
            return f"folder {self.sources_dir}"
        return "archive" if self.members is not None else f"folder {self.path.parent}"

    def _read_inside(self, folder: Path, name: PurePosixPath, uri: str, source: str
                     ) -> tuple[bytes | None, str]:
        """A file under ``folder``, refused if its path or a link on the way leads out of it."""
        candidate = folder.joinpath(*name.parts)

        def refuse(reason: str) -> QualkitError:
            return QualkitError(Errors.E151, path=self.path, source=source, where=uri,
                                folder=folder, reason=reason)

        if ".." in name.parts:
            raise refuse("through '..'")
        if not candidate.is_symlink() and not candidate.exists():
            return None, str(candidate)
        try:
            resolved = candidate.resolve(strict=True)
            inside = resolved.is_relative_to(folder.resolve(strict=True))
        except FileNotFoundError:  # a link to nothing
            return None, str(candidate)
        except (OSError, RuntimeError):  # a loop of links
            raise refuse("through a loop of links") from None
        if not inside:
            raise refuse("through a link")
        regular_file(resolved)  # a pipe or a device would never end
        try:
            return self.budget.read_file(resolved, _label(source, candidate)), str(candidate)
        except OSError as err:
            raise QualkitError(Errors.E002, path=candidate,
                               reason=err.strerror or type(err).__name__) from None


def _label(source: str, where: object) -> str:
    """A source file as messages name it: the source's name and where its text is."""
    return f"text source '{source}' ({where})"


def open_project_file(path: str | Path, sources_dir: str | Path | None = None) -> ProjectFile:
    """Read a .qdpx (or a bare project.qde); raise :class:`QualkitError` for anything else.
    ``sources_dir`` is the folder the project's ``relative://`` source paths are read from; without
    it they are not read."""
    path = Path(path)
    regular_file(path)
    folder = Path(sources_dir) if sources_dir is not None else None
    if path.suffix.lower() in (".qde", ".xml"):
        return ProjectFile(path, read_bytes(path), str(path), sources_dir=folder)
    if path.suffix.lower() not in (".qdpx", ".zip"):
        raise QualkitError(Errors.E125, path=path, suffix=path.suffix or "(none)")
    budget = ReadBudget(path, FIX)
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename for info in archive.infolist() if not info.is_dir()}
            qde = _project_member(members)
            if qde is None:
                raise QualkitError(Errors.E121, path=path,
                                   members=", ".join(sorted(members)[:5]) or "nothing")
            xml = budget.read(archive, qde)
    except _ZIP_ERRORS as err:
        raise QualkitError(Errors.E120, path=path, reason=f"not a readable zip archive: {err}") from None
    except OSError as err:
        raise QualkitError(Errors.E002, path=path, reason=err.strerror or type(err).__name__) from None
    return ProjectFile(path, xml, f"{path}/{qde}", members, folder, budget)


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
