"""A connected pair of pseudo-terminals made by socat: a serial "cable" for tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import time


class PtyPair:
    """``socat -d -d pty,raw,echo=0 pty,raw,echo=0``; ``a`` and ``b`` are the two device paths."""

    def __init__(self) -> None:
        socat = shutil.which("socat")
        if socat is None:
            raise RuntimeError("socat is not installed (apt-get install socat)")
        self.proc = subprocess.Popen(
            [socat, "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        paths: list[str] = []
        deadline = time.monotonic() + 5
        while len(paths) < 2 and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            match = re.search(r"PTY is (\S+)", line)
            if match:
                paths.append(match.group(1))
        if len(paths) < 2:
            self.close()
            raise RuntimeError("socat did not report two ptys")
        self.a, self.b = paths

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
