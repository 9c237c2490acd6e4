"""Memory of the running demo: RSS of `shopfloor demo` over (simulated) time.

    xvfb-run -a .venv/bin/python tests/bench/bench_memory.py [--minutes 6] [--speed 10]

Starts the demo window (the plant simulator, every screen, the historian writing) with a fresh
database, samples the process's resident memory every 10 s, and prints the figures. At
``--speed 10`` six minutes are an hour of the plant (target: under 400 MB after one hour).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": folder,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        }
        command = [
            sys.executable,
            "-m",
            "app",
            "demo",
            "--speed",
            str(args.speed),
            "--db",
            f"sqlite:///{folder}/demo.db",
            "--quit-after",
            str(seconds + 5),
        ]
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        try:
            while process.poll() is None and time.monotonic() - started < seconds:
                time.sleep(10)
                if process.poll() is None:
                    samples.append((time.monotonic() - started, rss_mb(process.pid)))
        finally:
            process.terminate()
            process.wait(30)
    if not samples:
        print("the demo ended before the first sample", file=sys.stderr)
        return 1
    first = samples[min(2, len(samples) - 1)][1]
    last = samples[-1][1]
    peak = max(m for _, m in samples)
    span_s = samples[-1][0]
    plant_minutes = span_s * args.speed / 60
    growth = (last - first) / max(1e-9, span_s - samples[min(2, len(samples) - 1)][0]) * 60
    print(
        f"demo at --speed {args.speed:g}: {len(samples)} samples over {span_s / 60:.1f} min "
        f"({plant_minutes:.0f} min of plant time); RSS after 30 s {first:.0f} MB, at the end "
        f"{last:.0f} MB, peak {peak:.0f} MB (target < 400 MB after one hour); growth "
        f"{growth:.1f} MB/min"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
