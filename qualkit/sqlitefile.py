"""The project file as SQLite sees it, with its failures told the way every other error is.

A project travels on USB sticks and shared drives: it can be damaged (a page overwritten), on a
full disk, read-only, or busy with another command. SQLite reports each as a ``DatabaseError``
from whatever statement first meets it, which a command would show as a traceback (and a full disk
was once reported as "not a qualkit project database"). So the project's connection turns each of
those into one catalogue line naming the file and the fix, at every statement and every row read;
errors in qualkit's own SQL (a constraint, a missing table) still surface as the bugs they are.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import Errors, QualkitError

#: SQLite's primary result codes for a file that cannot serve (``sqlite_errorname`` minus any
#: extended suffix), and what a user is told about each.
_DAMAGED, _NOT_A_DATABASE = ("SQLITE_CORRUPT",), ("SQLITE_NOTADB",)
_CANNOT_WRITE = {"SQLITE_FULL": "the disk is full", "SQLITE_READONLY": "the file is read-only",
                 "SQLITE_CANTOPEN": "the file cannot be opened", "SQLITE_PERM": "permission denied",
                 "SQLITE_IOERR": "the disk reported an input/output error"}
_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")


def file_error(error: sqlite3.DatabaseError, path: str | Path) -> QualkitError | None:
    """The catalogue line for a failure of the file itself, or None for any other error."""
    name = getattr(error, "sqlite_errorname", "") or ""
    primary = "_".join(name.split("_")[:2])
    if primary in _DAMAGED:
        return QualkitError(Errors.E144, path=path, reason=str(error))
    if primary in _NOT_A_DATABASE:
        return QualkitError(Errors.E041, path=path, reason=str(error))
    if primary in _CANNOT_WRITE:
        return QualkitError(Errors.E142, path=path, reason=f"{_CANNOT_WRITE[primary]}: {error}")
    if primary in _BUSY:
        return QualkitError(Errors.E145, path=path)
    return None


class _Translating:
    """Calls that may meet the file (every statement, every row fetched) raise a
    :class:`QualkitError` for a failure of the file itself."""

    path: str

    def _call(self, method, *args):
        try:
            return method(*args)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as error:
            told = file_error(error, self.path)
            if told is None:
                raise
            raise told from None


class Cursor(_Translating, sqlite3.Cursor):
    def __init__(self, connection: "Connection") -> None:
        super().__init__(connection)
        self.path = connection.path

    def execute(self, *args):
        return self._call(super().execute, *args)

    def executemany(self, *args):
        return self._call(super().executemany, *args)

    def fetchone(self):
        return self._call(super().fetchone)

    def fetchmany(self, *args):
        return self._call(super().fetchmany, *args)

    def fetchall(self):
        return self._call(super().fetchall)

    def __next__(self):
        return self._call(super().__next__)


class Connection(_Translating, sqlite3.Connection):
    path = "project"

    def cursor(self, factory=Cursor):
        return super().cursor(factory)

    def execute(self, *args):
        return self.cursor().execute(*args)

    def executemany(self, *args):
        return self.cursor().executemany(*args)

    def executescript(self, script: str):
        return self._call(super().executescript, script)


def connect(path: str | Path, **options) -> Connection:
    """A connection to ``path`` whose file failures are catalogue lines (see the module)."""
    try:
        conn = sqlite3.connect(str(path), factory=Connection, **options)
    except sqlite3.DatabaseError as error:
        raise (file_error(error, path) or error) from None
    conn.path = str(path)
    return conn
