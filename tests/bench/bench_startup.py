"""Start-up time: from starting the process to the first drawn frame of the window, with the
demo line (simulator, demo config, station database, the first screen built), from source and,
when it has been built (``installer/build.sh``), from the frozen bundle in ``dist/shopfloor/``.

Run: ``.venv/bin/python tests/bench/bench_startup.py [--runs 5] [--platform offscreen]``
(``--platform xcb`` under ``xvfb-run -a`` for a real X server; ``--frozen DIR`` for a bundle
elsewhere; ``--no-compile`` to leave the bytecode caches alone). Each run is a new process
(``python -m app demo``, or ``dist/shopfloor/shopfloor demo``), timed from just before it is
spawned to the moment it writes ``first-frame`` on stderr: the window sets
``SHOPFLOOR_STARTUP_MARK`` and marks the event-loop turn after its first paint
(``widgets/app.py``); the CPU seconds the process used by then (all its threads) are read from
``/proc`` at that moment. The process is then closed. Window settings and the database go to a
temporary directory (a first start: no remembered layout, no users). Medians are reported; on
a shared machine the CPU seconds vary less than the wall-clock time.

From source, the project's modules are compiled to bytecode first (``compileall``, as a
normal start leaves them, and as pip and the frozen bundle have them): otherwise, with
``PYTHONDONTWRITEBYTECODE`` set, every run would compile about 200 modules again.
The target is 2 s from source on the project's machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_S = 2.0
MARK = "first-frame"
SOURCES = ("app", "widgets", "drivers", "resources")


@dataclass(frozen=True)
class Start:
    """One start: wall-clock seconds to the first frame, CPU seconds used by then (None when
    the program does not say)."""

    seconds: float
    cpu: float | None


def one_start(command: list[str], platform: str, folder: Path, timeout_s: float = 60.0) -> Start:
    """Spawn ``command demo`` and time it to its first drawn frame."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=platform,
        SHOPFLOOR_STARTUP_MARK="1",
        XDG_CONFIG_HOME=str(folder / "config"),  # QSettings: nothing remembered
        XDG_DATA_HOME=str(folder / "data"),
    )
    argv = [*command, "demo", "--db", f"sqlite:///{folder}/bench.db"]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=REPO, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith(MARK):
                seconds = time.perf_counter() - started
                words = line.split()
                cpu = float(words[3]) if len(words) >= 4 and words[2] == "cpu" else None
                return Start(seconds, cpu_seconds(process.pid) or cpu)
            if time.perf_counter() - started > timeout_s:
                break
        raise RuntimeError(f"the window never painted: {' '.join(argv)}")
    finally:
        process.terminate()  # SIGTERM closes the window and stops the station
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a running process, all its threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def measure(label: str, command: list[str], runs: int, platform: str) -> Start:
    """``runs`` starts; prints each and returns the medians."""
    starts = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            start = one_start(command, platform, Path(folder))
        starts.append(start)
        cpu = f", {start.cpu:.2f} s CPU" if start.cpu is not None else ""
        print(f"{label} run {run + 1}: {start.seconds:.2f} s to the first frame{cpu}")
    cpus = [s.cpu for s in starts if s.cpu is not None]
    return Start(
        statistics.median(s.seconds for s in starts),
        statistics.median(cpus) if cpus else None,
    )


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def frozen_program(folder: Path) -> Path | None:
    """The bundle's executable in ``folder`` (Linux or Windows name), if built."""
    for name in ("shopfloor", "shopfloor.exe"):
        if (folder / name).is_file():
            return folder / name
    return None


def summary(label: str, start: Start, platform: str) -> str:
    cpu = f", {start.cpu:.2f} s CPU" if start.cpu is not None else ""
    median = f"median {start.seconds:.2f} s{cpu}"
    return f"start-up to first frame ({platform}, demo line, {label}): {median}"


def main() -> int:
    """Run the benchmark; exit 1 when the median from source misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default="offscreen")
    parser.add_argument("--frozen", type=Path, default=REPO / "dist" / "shopfloor")
    parser.add_argument("--no-compile", action="store_true", help="measure without compiling")
    args = parser.parse_args()
    if not args.no_compile:
        for name in SOURCES:
            compileall.compile_dir(str(REPO / name), quiet=1)
    source = measure("source", [sys.executable, "-m", "app"], args.runs, args.platform)
    lines = [summary("from source", source, args.platform)]
    program = frozen_program(args.frozen)
    if program is not None:
        frozen = measure("frozen", [str(program)], args.runs, args.platform)
        size = folder_size(args.frozen) / 1e6
        lines.append(summary(f"frozen, bundle {size:.0f} MB", frozen, args.platform))
    else:
        lines.append(f"no frozen bundle in {args.frozen} (installer/build.sh builds it)")
    print("\n".join(lines))
    print(f"target {TARGET_S:.1f} s from source, on {os.cpu_count()} cores")
    return 0 if source.seconds <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
