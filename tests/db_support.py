"""Another process that holds an SQLite database's write lock (``BEGIN EXCLUSIVE``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
conn.close()
print("released", flush=True)
"""


class LockHolder:
    """``with LockHolder(db, 10):`` the database is locked by another process when the block
    starts (the child said so); :meth:`wait_released` waits for the child to let go."""

    def __init__(self, db: Path, seconds: float) -> None:
        self.db = db
        self.seconds = seconds
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> LockHolder:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(self.db), str(self.seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()  # readiness: the child holds the lock
        assert line == "locked", f"lock holder said {line!r}"
        return self

    def wait_released(self, timeout: float = 60.0) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line == "released", f"lock holder said {line!r}"
        self.proc.wait(timeout)

    def __exit__(self, *_exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
