"""Memory a run has freed, given back to the system between its steps.

A run makes and drops millions of small objects (sentence windows, spaCy tokens, reasons) and many
mid-sized arrays. glibc's allocator keeps what Python frees for reuse and returns it to the system
only from the top of its heaps, so a fragmented heap stays resident: coding the sample three times
over left 480 MB resident that ``malloc_trim`` returned (from 1,164 MB to 708 MB). Left alone, that
slack grows with the corpus and becomes the run's peak. Elsewhere (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import resource
import sys


@functools.cache
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """Collect the young generations' cycles, then hand the allocator's free pages back (glibc
    ``malloc_trim``). A full collection walks every object the loaded models hold (about 0.3 s at
    each stage's end) and found next to nothing; the oldest generation is left to Python's own
    schedule."""
    gc.collect(1)
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def between_steps() -> None:
    """:func:`release_memory` where the process asked for it (:func:`qualkit.tuning.enable`, as
    the ``qualkit`` command does); a notebook's process is left alone."""
    from .tuning import current

    if current().release_memory:
        release_memory()


def peak_memory_mb() -> int:
    """This process's peak resident memory so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes vs KB
