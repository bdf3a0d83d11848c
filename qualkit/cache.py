"""Every cache qualkit keeps, in one place: what, where, under which key, in which format, and what
happens to an entry that is malformed.

A project folder travels between researchers, and so may the shared cache. So nothing qualkit
reads from either can run code: entries are JSON, numpy arrays (``.npy``/``.npz``, always read with
``allow_pickle=False``, so an object array is refused) or SQLite rows of plain values; what cannot
be kept as data (spaCy's compiled matchers, BERTopic's model) is rebuilt or not kept at all. And
every key holds the entry's inputs and :func:`code_fingerprint` (qualkit's own source, the
libraries' versions, the models'), so a code change that alters a result never reuses yesterday's.

Folders: the *shared cache* is :func:`shared_cache_dir` (``QUALKIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/qualkit`` or ``~/.cache/qualkit``, else the project's ``.cache`` when neither can
be written); the *project cache* is the ``.cache`` folder beside the project database. File names
are built only from :func:`safe_name` and hex keys, so a codebook named ``../../x`` stays inside.

Trained coders (:func:`trained_coder`)
    where: shared cache, ``coder-{safe_name(codebook.name)}-{coder_key}.json`` and ``.npz``.
    key: :func:`coder_key`: the codebook text, the bytes and weight of each of its training sheets
    (when used) and of each extra ``train`` sheet, and :func:`code_fingerprint`.
    format: JSON (format, key, codebook name, the sha256 of the ``.npz``, and
    ``CodingEnsemble.to_data()``'s parameters, weights, thresholds, vocabulary and prototype
    texts); ``.npz`` (prototype vectors, logistic-regression coefficients, idf weights, index
    arrays). spaCy's matchers are compiled from the codebook again on load (0.03 s).
    malformed (missing, truncated, unreadable, another key or format, wrong shapes or dtypes, a
    ``.npz`` that is not the one its JSON names, an object array, a pickle under either name):
    ignored, never an exception; the coders are trained again and the entry rewritten.

Memo of coded texts (:class:`qualkit.coding.memo.MemoCoder`)
    where: project cache, :func:`memo_path`: ``codings-{coder_key}.sqlite``.
    key: the file by the coders' key, a row by its text's sha1.
    format: SQLite table ``coded``: scores and each coder's scores as float64 bytes, decisions as
    int8 bytes, the coders' names and the reasons as JSON.
    malformed: a row that does not decode is coded again and replaced; a ``coded`` table of
    another layout is dropped; a file that is not a database is deleted and begun anew.

Privacy findings (:func:`remember_findings`)
    where: project cache, ``privacy-{Detector.policy_key()}.json``.
    key: the detector's policy (allowed words, known names, kinds) and :func:`code_fingerprint`.
    format: JSON: text sha1 -> [[start, end, text, kind, reason], ...].
    malformed: an empty memory (the gate finds everything afresh; the next save rewrites it).

Fitted topics (:func:`cached_topics`)
    where: project cache, ``topics-{topics_key}.json`` and ``.npy``.
    key: :func:`topics_key`: the frames the fit reads and :func:`code_fingerprint`.
    format: JSON (each table's columns with their dtypes and values, the sha256 of the ``.npy``);
    ``.npy`` (the map's coordinates). BERTopic's model is not kept.
    malformed: as for coders; the topics are fitted again and rewritten.

Embeddings (:class:`qualkit.embeddings.Embedder`, :mod:`qualkit.store`)
    where: the project database, table ``embeddings``, by (text sha1, model id); float32 bytes.

Every entry is written whole or not at all (:func:`qualkit.atomic.atomic_write`): an array file
first, then the JSON that names its hash, so a pair from two writers never passes for one entry.

Not data: numba's compiled UMAP (:mod:`qualkit.compiled`, ``NUMBA_CACHE_DIR``, by default the shared
cache's ``numba`` folder) is machine code with pickled index files, which numba loads itself. It is
the one cache that runs what it reads, and it must not live in a folder that travels.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from .atomic import atomic_write
from .errors import Errors, QualkitError

if TYPE_CHECKING:
    import pandas as pd

    from .coding import Codebook, CodingEnsemble
    from .embeddings import Embedder
    from .topics import TopicResult

#: Libraries whose versions can change what qualkit computes (or how it reads what it kept).
FINGERPRINT_LIBRARIES = ("numpy", "scikit-learn", "pandas", "spacy", "sentence-transformers",
                         "torch", "bertopic", "umap-learn", "hdbscan")
KEY_LENGTH = 16  # hex digits of sha256 in a file name
NAME_LENGTH = 40  # characters of safe_name
CODER_FORMAT = "qualkit-coder/2"  # 2: with calibrations and auto-accept cuts
TOPICS_FORMAT = "qualkit-topics/1"
FINDINGS_FORMAT = "qualkit-findings/1"
_HEX = re.compile(r"[0-9a-f]+")
_SHA1 = re.compile(r"[0-9a-f]{40}")


# -- keys ------------------------------------------------------------------------------------------

@functools.cache
def code_fingerprint() -> str:
    """sha256 (hex) of the code that makes every cached result: each ``.py`` file of the installed
    ``qualkit`` package (by sorted relative path, with its bytes), the versions of the libraries
    in :data:`FINGERPRINT_LIBRARIES`, and the models named in :mod:`qualkit.resources` with their
    distributions' versions. Model *paths* are left out on purpose: they differ between machines
    for the same model, and a cache that travels should not be retrained for that. Once per
    process (``code_fingerprint.cache_clear()`` to compute it again)."""
    from importlib import metadata

    from . import resources

    digest = hashlib.sha256(b"qualkit code fingerprint\0")
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        _feed(digest, path.relative_to(root).as_posix().encode("utf-8"))
        _feed(digest, path.read_bytes())

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "(not installed)"

    for name in FINGERPRINT_LIBRARIES:
        _feed(digest, f"{name}=={version(name)}".encode())
    for model in (resources.SPACY_DISTRIBUTION, resources.EMBEDDING_DISTRIBUTION):
        _feed(digest, f"{model}=={version(model)}".encode())
    _feed(digest, resources.EMBEDDING_MODEL_ID.encode())
    return digest.hexdigest()


def _feed(digest, data: bytes) -> None:
    """Length-prefixed, so that no two sequences of parts hash alike."""
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)


def safe_name(text: str) -> str:
    """``text`` as a file-name part: only ``[A-Za-z0-9_-]`` (runs of anything else become one
    '_'), no leading or trailing '_' or '-', at most :data:`NAME_LENGTH` characters, never empty."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", str(text)).strip("_-")[:NAME_LENGTH].strip("_-")
    return slug or "unnamed"


def _hex_key(key: str) -> str:
    if not isinstance(key, str) or not _HEX.fullmatch(key):
        raise ValueError(f"a cache key is lower-case hex, not {key!r}")
    return key


def _sheet(entry) -> tuple[bytes, float]:
    """A training sheet given as a path or a (path, weight) pair: its bytes and weight."""
    path, weight = entry if isinstance(entry, tuple) else (entry, 1.0)
    path = Path(path)
    data = path.read_bytes() if path.is_file() else b"(missing) " + str(path).encode("utf-8")
    return data, float(weight)


def coder_key(codebook: "Codebook", train: Iterable = (), use_codebook_training: bool = True
              ) -> str:
    """Hex key of everything trained coders depend on: the codebook text, the bytes and weight of
    each of its training sheets (when used), of each extra ``train`` sheet, and
    :func:`code_fingerprint`. Paths are not part of it: the same sheets elsewhere give the same
    key."""
    digest = hashlib.sha256(b"qualkit coder\0")
    _feed(digest, codebook.text.encode("utf-8"))
    for label, sheets in (("codebook", codebook.training if use_codebook_training else ()),
                          ("train", train)):
        _feed(digest, label.encode())
        for entry in sheets:
            data, weight = _sheet(entry)
            _feed(digest, data)
            _feed(digest, repr(weight).encode())
    _feed(digest, code_fingerprint().encode())
    return digest.hexdigest()[:KEY_LENGTH]


def topics_key(*frames: "pd.DataFrame") -> str:
    """Hex key of the frames a topic fit reads (their columns, dtypes and values) and
    :func:`code_fingerprint`. Anything else the fit depends on must be in the frames."""
    digest = hashlib.sha256(b"qualkit topics\0")
    for frame in frames:
        _feed(digest, repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode("utf-8"))
        _feed(digest, frame.to_csv(index=False).encode("utf-8"))
    _feed(digest, code_fingerprint().encode())
    return digest.hexdigest()[:KEY_LENGTH]


# -- folders ---------------------------------------------------------------------------------------

def user_cache_dir() -> Path | None:
    """The user's own cache folder, ``QUALKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/qualkit``
    (``~/.cache/qualkit``); None when it cannot be written (a read-only home, a sandbox)."""
    chosen = os.environ.get("QUALKIT_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qualkit"
    return _writable(Path(chosen))


def _writable(folder: Path) -> Path | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def shared_cache_dir(project_folder: Path) -> Path:
    """The folder for what every project on this machine can share: :func:`user_cache_dir`, or
    the project's own ``.cache`` when that cannot be written."""
    found = user_cache_dir() or _writable(Path(project_folder) / ".cache")
    if found is None:
        raise QualkitError(Errors.E139.format(path=Path(project_folder) / ".cache"))
    return found


def memo_path(project_cache: Path, coder_key: str) -> Path:
    """The SQLite memo of what the coders of ``coder_key`` coded (see
    :class:`qualkit.coding.memo.MemoCoder`)."""
    return Path(project_cache) / f"codings-{_hex_key(coder_key)}.sqlite"


# -- reading and writing entries -------------------------------------------------------------------

def _beside(stem: Path, suffix: str) -> Path:
    return stem.parent / f"{stem.name}{suffix}"


def _read_json(path: Path):
    """The JSON value at ``path``, or None when it is missing or does not parse."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _write_json(path: Path, value) -> None:
    with atomic_write(path) as handle:
        json.dump(value, handle, ensure_ascii=False, separators=(",", ":"))


def _hashed_bytes(path: Path, sha256) -> bytes | None:
    """The bytes at ``path`` if their sha256 is ``sha256`` (the one its JSON recorded)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if not isinstance(sha256, str) or hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def _load_arrays(data: bytes) -> dict[str, np.ndarray] | None:
    """The arrays of an ``.npz`` file's bytes; None for anything else (a ``.npy``, a pickle, an
    object array: ``allow_pickle=False`` refuses the last two without running them)."""
    try:
        loaded = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:  # noqa: BLE001 - whatever the bytes are, they are not our entry
        return None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        return None
    try:
        return {name: np.asarray(loaded[name]) for name in loaded.files}
    except Exception:  # noqa: BLE001 - an object array, a broken member, a bad zip...
        return None
    finally:
        loaded.close()


def _array_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


# -- trained coders --------------------------------------------------------------------------------

def trained_coder(codebook: "Codebook", embedder: "Embedder | None", cache_dir: Path,
                  train: Iterable = (), use_codebook_training: bool = True) -> "CodingEnsemble":
    """The coders trained on ``codebook`` (and ``train``), from ``cache_dir`` when kept there
    before, else trained with :func:`qualkit.coding.train_coder` and kept. The coders use
    ``embedder`` either way. A kept entry that cannot be read back exactly is trained again."""
    from .coding import train_coder

    train = list(train)
    key = coder_key(codebook, train, use_codebook_training)
    stem = Path(cache_dir) / f"coder-{safe_name(codebook.name)}-{key}"
    coder = _load_coder(stem, key, codebook, embedder)
    if coder is None:
        coder = train_coder(codebook, train, use_codebook_training=use_codebook_training,
                            embedder=embedder)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            _store_coder(stem, key, codebook, coder)
    return coder


def _store_coder(stem: Path, key: str, codebook: "Codebook", coder: "CodingEnsemble") -> None:
    meta, arrays = coder.to_data()
    data = _array_bytes(arrays)
    with atomic_write(_beside(stem, ".npz"), "wb") as handle:
        handle.write(data)
    _write_json(_beside(stem, ".json"), {
        "format": CODER_FORMAT, "key": key, "codebook": codebook.name,
        "arrays_sha256": hashlib.sha256(data).hexdigest(), "coder": meta})


def _load_coder(stem: Path, key: str, codebook: "Codebook", embedder) -> "CodingEnsemble | None":
    from .coding import CodingEnsemble

    meta = _read_json(_beside(stem, ".json"))
    if not (isinstance(meta, dict) and meta.get("format") == CODER_FORMAT
            and meta.get("key") == key and isinstance(meta.get("coder"), dict)):
        return None
    data = _hashed_bytes(_beside(stem, ".npz"), meta.get("arrays_sha256"))
    arrays = None if data is None else _load_arrays(data)
    if arrays is None:
        return None
    try:
        return CodingEnsemble.from_data(codebook, embedder, meta["coder"], arrays)
    except Exception:  # noqa: BLE001 - only plain values were read: any failure is a bad entry
        return None


# -- privacy findings ------------------------------------------------------------------------------

def remember_findings(detector, cache_dir: Path) -> Callable[[], None]:
    """Load into ``detector.memory`` what it found in texts in earlier runs (a second run's coded
    segments and quotes pass the same texts through the privacy gate); the returned function
    saves what is new since. No detector (the gate is off): nothing is loaded or saved."""
    if detector is None:
        return lambda: None
    from .privacy.detect import Finding

    path = Path(cache_dir) / f"privacy-{_hex_key(detector.policy_key())}.json"
    detector.memory.update(_read_findings(path, Finding))
    saved = len(detector.memory)

    def save() -> None:
        nonlocal saved
        if len(detector.memory) != saved:
            findings = {key: [[f.start, f.end, f.text, f.kind, f.reason] for f in found]
                        for key, found in detector.memory.items()}
            with contextlib.suppress(OSError):
                _write_json(path, {"format": FINDINGS_FORMAT, "findings": findings})
            saved = len(detector.memory)

    return save


def _read_findings(path: Path, finding: type) -> dict:
    """text sha1 -> findings from ``path``; empty unless every entry is well formed."""
    stored = _read_json(path)
    if not (isinstance(stored, dict) and stored.get("format") == FINDINGS_FORMAT
            and isinstance(stored.get("findings"), dict)):
        return {}
    memory = {}
    for key, found in stored["findings"].items():
        if not (_SHA1.fullmatch(key) and isinstance(found, list)):
            return {}
        kept = []
        for item in found:
            if not (isinstance(item, list) and len(item) == 5
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in item[:2])
                    and all(isinstance(v, str) for v in item[2:]) and 0 <= item[0] <= item[1]):
                return {}
            kept.append(finding(*item))
        memory[key] = kept
    return memory


# -- topics ----------------------------------------------------------------------------------------

_TABLES = ("topics", "segment_topics", "topic_by_code", "emergent")
_NUMERIC = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
            "float32", "float64"}
_TEXT = {"object", "str"}  # object columns hold only JSON's scalars, or they are not kept


class _NotData(ValueError):
    """A table qualkit cannot keep exactly as data (another index, another dtype)."""


def _json_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float))  # bool is an int


def _table_data(frame) -> dict:
    import pandas as pd

    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        raise _NotData("index")
    names = [str(c) for c in frame.columns]
    if list(frame.columns) != names or len(set(names)) != len(names):
        raise _NotData("column names")
    columns = []
    for name in names:
        column = frame[name]
        dtype = str(column.dtype)
        if dtype not in _NUMERIC | _TEXT:
            raise _NotData(f"{name}: {dtype}")
        values = column.tolist()
        if dtype in _TEXT and not all(_json_scalar(v) for v in values):
            raise _NotData(f"{name}: values")
        columns.append([name, dtype, values])
    return {"rows": len(frame), "columns": columns}


def _table_from_data(data):
    import pandas as pd

    if not (isinstance(data, dict) and isinstance(data.get("rows"), int)
            and data["rows"] >= 0 and isinstance(data.get("columns"), list)):
        raise _NotData("table")
    rows, built = data["rows"], {}
    for column in data["columns"]:
        if not (isinstance(column, list) and len(column) == 3 and isinstance(column[0], str)
                and column[1] in _NUMERIC | _TEXT and isinstance(column[2], list)
                and len(column[2]) == rows and column[0] not in built):
            raise _NotData("column")
        name, dtype, values = column
        if not all(_json_scalar(v) for v in values) or (
                dtype in _NUMERIC and not all(isinstance(v, (int, float)) for v in values)):
            raise _NotData(f"{name}: values")
        built[name] = pd.Series(values, dtype=object if dtype == "object" else dtype,
                                index=pd.RangeIndex(rows))
    return pd.DataFrame(built, index=pd.RangeIndex(rows))


def cached_topics(cache_dir: Path, key: str, fit: Callable[[], "TopicResult"]) -> "TopicResult":
    """The topics kept under ``key`` (from :func:`topics_key`) in ``cache_dir``, else ``fit()``'s,
    kept for next time. The result's ``model`` is None either way: the outputs need only the tables
    and coordinates, and the model is large (and not data)."""
    stem = Path(cache_dir) / f"topics-{_hex_key(key)}"
    kept = _load_topics(stem, key)
    if kept is not None:
        return kept
    result = fit()
    result.model = None
    try:
        tables = {name: None if (table := getattr(result, name)) is None else _table_data(table)
                  for name in _TABLES}
        coordinates = np.asarray(result.coordinates)
        if coordinates.dtype.kind not in "fi":
            raise _NotData("coordinates")
    except _NotData:
        return result  # kept nowhere rather than kept inexactly
    buffer = io.BytesIO()
    np.save(buffer, coordinates, allow_pickle=False)
    data = buffer.getvalue()
    with contextlib.suppress(OSError):
        with atomic_write(_beside(stem, ".npy"), "wb") as handle:
            handle.write(data)
        _write_json(_beside(stem, ".json"), {
            "format": TOPICS_FORMAT, "key": key, "tables": tables,
            "coordinates_sha256": hashlib.sha256(data).hexdigest()})
    return result


def _load_topics(stem: Path, key: str) -> "TopicResult | None":
    from .topics import TopicResult

    meta = _read_json(_beside(stem, ".json"))
    if not (isinstance(meta, dict) and meta.get("format") == TOPICS_FORMAT
            and meta.get("key") == key and isinstance(meta.get("tables"), dict)
            and set(meta["tables"]) == set(_TABLES)):
        return None
    data = _hashed_bytes(_beside(stem, ".npy"), meta.get("coordinates_sha256"))
    if data is None:
        return None
    try:
        coordinates = np.load(io.BytesIO(data), allow_pickle=False)
        tables = {name: None if meta["tables"][name] is None
                  else _table_from_data(meta["tables"][name]) for name in _TABLES}
    except Exception:  # noqa: BLE001 - only plain values were read: any failure is a bad entry
        return None
    if (tables["topics"] is None or tables["segment_topics"] is None
            or not isinstance(coordinates, np.ndarray) or coordinates.dtype.kind not in "fi"
            or coordinates.ndim != 2 or len(coordinates) != len(tables["segment_topics"])
            or (tables["topic_by_code"] is None) != (tables["emergent"] is None)):
        return None
    return TopicResult(None, tables["topics"], tables["segment_topics"], tables["topic_by_code"],
                       tables["emergent"], coordinates)
