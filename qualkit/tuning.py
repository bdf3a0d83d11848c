"""Process-wide tweaks that make the ``qualkit`` command fast, off unless asked for.

A notebook imports qualkit into a process it owns, and qualkit must not change that process's
garbage collector, allocator, environment or warning filters behind its back. The ``qualkit``
command owns its process and turns every tweak on at once with :func:`enable`:

- **compiled UMAP kept on disk**: numba's cache (``NUMBA_CACHE_DIR``, default ``<cache>/numba``) is
  turned on for every jitted function of umap and pynndescent, which saved 15.8 s of the sample's
  topics stage in each new process (:mod:`qualkit.compiled`). Its index files are numba's own
  pickles next to machine code, so the folder is only ever the user's cache folder, never a project
  folder (which travels between researchers): with no writable user cache, nothing is kept;
- **freed memory handed back between stages** (young-generation ``gc`` and glibc's
  ``malloc_trim``, :mod:`qualkit.memory`): a large run's peak was mostly heap slack;
- **the cycle collector paused while importing**: a fifth of import's time went to re-scanning
  objects that hold no cycles.

Outputs are the same either way; only time and memory differ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tuning:
    compiled_cache: Path | None = None   # where numba keeps compiled UMAP; None: compile each time
    release_memory: bool = False         # hand freed memory back between stages
    pause_gc: bool = False               # no cycle collection while importing


_current = Tuning()


def enable(cache_dir: str | Path | None) -> Tuning:
    """Turn every tweak on for this process; ``cache_dir`` is the user's cache folder (see
    :func:`qualkit.cache.user_cache_dir`), or None to keep nothing compiled on disk unless the user
    named a folder in ``NUMBA_CACHE_DIR``."""
    global _current
    chosen = os.environ.get("NUMBA_CACHE_DIR") or (Path(cache_dir) / "numba" if cache_dir else None)
    compiled = Path(os.environ.setdefault("NUMBA_CACHE_DIR", str(chosen))) if chosen else None
    _current = Tuning(compiled_cache=compiled, release_memory=True, pause_gc=True)
    return _current


def disable() -> None:
    """Back to plain library behaviour (``NUMBA_CACHE_DIR`` stays: numba read it at import)."""
    global _current
    _current = Tuning()


def current() -> Tuning:
    return _current
