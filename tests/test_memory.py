"""Freed memory goes back to the system between a run's steps (glibc ``malloc_trim``)."""

from __future__ import annotations

import sys

import pytest

from qualkit.memory import _libc, peak_memory_mb, release_memory


def _resident_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux") or _libc() is None,
                    reason="malloc_trim is glibc's")
def test_freed_fragmented_memory_is_given_back():
    """Texts made and dropped with a few kept among them (as coding a chunk leaves its results)
    keep the heap resident until it is trimmed."""
    made = [bytes(1500) + str(i).encode() for i in range(150_000)]  # about 225 MB on the heap
    kept = made[::100]
    del made
    before = _resident_mb()
    release_memory()
    assert before - _resident_mb() > 100
    assert len(kept) == 1500 and peak_memory_mb() >= before - 1
