"""Waiting in tests for something to be true or ready, never for a fixed time."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import IO


def wait_until(
    predicate: Callable[[], object], timeout: float = 10.0, what: str = "the condition"
) -> None:
    """Return as soon as ``predicate()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was not reached within {timeout:g} s")
        time.sleep(0.02)


def read_until(stream: IO[str], marker: str, timeout: float = 15.0) -> str:
    """Read a child process's text stream until a line contains ``marker`` (its ready line).

    A reader thread keeps draining the stream afterwards, so the child never blocks on a full
    pipe.
    """
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, name="read-until", daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(left, 0.001))
        except queue.Empty:
            raise AssertionError(f"no line with {marker!r} within {timeout:g} s: {seen}") from None
        if line is None:
            raise AssertionError(f"the stream ended before {marker!r}: {seen}")
        seen.append(line)
        if marker in line:
            return "".join(seen)
