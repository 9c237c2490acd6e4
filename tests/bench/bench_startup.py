"""Start-up time: from starting the process to the first painted frame of the window, from
source, with the demo line (simulator, demo config, station database, every screen built).

Run: ``.venv/bin/python tests/bench/bench_startup.py [--runs 5] [--platform offscreen]``
(``--platform xcb`` under ``xvfb-run -a`` for a real X server). Each run is a new process
(``python -m app demo``), timed from just before it is spawned to the moment it writes
``first-frame`` on stderr: the window sets ``SHOPFLOOR_STARTUP_MARK`` and marks the first paint
event of any of its widgets (``widgets/app.py``). The process is then closed. Window settings
and the database go to a temporary directory (a first start: no remembered layout).
The target is 2 s from source on the project's machine; the median is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_S = 2.0
MARK = "first-frame"


def one_start(platform: str, folder: Path, timeout_s: float = 60.0) -> float:
    """Seconds from spawning ``shopfloor demo`` to its first painted frame."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=platform,
        SHOPFLOOR_STARTUP_MARK="1",
        XDG_CONFIG_HOME=str(folder / "config"),  # QSettings: nothing remembered
        XDG_DATA_HOME=str(folder / "data"),
    )
    command = [sys.executable, "-m", "app", "demo", "--db", f"sqlite:///{folder}/bench.db"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith(MARK):
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout_s:
                break
        raise RuntimeError("the window never painted")
    finally:
        process.terminate()  # SIGTERM closes the window and stops the station
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    """Run the benchmark; exit 1 when the median misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default="offscreen")
    args = parser.parse_args()
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            seconds = one_start(args.platform, Path(folder))
        times.append(seconds)
        print(f"run {run + 1}: {seconds:.2f} s to the first frame")
    median = statistics.median(times)
    print(
        f"start-up to first frame ({args.platform}, demo line, from source): median "
        f"{median:.2f} s, best {min(times):.2f} s, worst {max(times):.2f} s "
        f"(target {TARGET_S:.1f} s) on {os.cpu_count()} cores"
    )
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
