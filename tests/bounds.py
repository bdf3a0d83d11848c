"""Bounds for the adversarial tests: a case that would hang must fail instead, and leave the suite
going. No test asserts seconds (these machines are shared and noisy); a bound is many times what
the case takes, so only a hang or a return to quadratic cost can reach it."""

from __future__ import annotations

import contextlib
import signal


@contextlib.contextmanager
def within(seconds: int):
    """Fail, not hang, when the block runs past ``seconds`` (SIGALRM also interrupts a blocked
    read, such as a pipe named as a transcript)."""
    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
