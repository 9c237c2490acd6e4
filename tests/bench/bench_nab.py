"""NAB benchmark of the anomaly detectors, run exactly as ``shopfloor detect`` runs them.

    python tests/bench/bench_nab.py [--detector NAME] [--jobs N] [--nab PATH]

Every corpus file is replayed through :func:`app.commands.detect.detect_file` (the CLI's own
code path, one configuration for the whole corpus, labels never seen by the detector) into a
temporary CSV; the ``anomaly_score`` column read back from it is scored with
``nab_scorer.py`` (NAB's published rules). A simple baseline (a windowed Gaussian z-score,
like NAB's own "windowed Gaussian" detector) is scored in the same run for comparison, and the
univariate throughput is measured at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import nab_scorer as nab  # noqa: E402

from app.commands.detect import detect_file  # noqa: E402
from app.detectors.registry import AUTO, UNIVARIATE  # noqa: E402

DEFAULT_NAB = ROOT.parent / "shared" / "nab"


def replay(args: tuple[str, str, str]) -> tuple[str, list[float], float]:
    """Run one corpus file through the CLI code path; return its scores and the time taken."""
    source, detector, workdir = args
    target = Path(workdir) / (Path(source).parent.name + "_" + Path(source).name)
    start = time.perf_counter()
    summary = detect_file(Path(source), target, detector)
    elapsed = time.perf_counter() - start
    # OUT has every row of IN, in order (issue 14); a row it could not score scores 0.
    with Path(source).open(newline="") as f:
        inputs = list(csv.reader(f))[1:]
    with target.open(newline="") as f:
        outputs = list(csv.reader(f))[1:]
    if len(outputs) != len(inputs) or summary.rows != len(outputs):
        raise SystemExit(f"{source}: output rows do not match the input")
    scores = [float(row[2]) if row[2] else 0.0 for row in outputs]
    return source, scores, elapsed


def windowed_gaussian(values: np.ndarray, window: int = 6400) -> np.ndarray:
    """Baseline: tail probability of each value under the mean/std of the previous window."""
    out = np.zeros(values.size)
    for i in range(1, values.size):
        past = values[max(0, i - window) : i]
        std = past.std()
        if std > 0:
            z = abs(values[i] - past.mean()) / std
            out[i] = 1.0 - math.erfc(z / math.sqrt(2.0)) / 2.0 * 2.0
    return out


def load_corpus(nab_dir: Path) -> dict[str, tuple[list[str], np.ndarray, nab.FileLayout]]:
    """Every file's timestamps, values and window layout."""
    windows = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    corpus = {}
    for name, spans in sorted(windows.items()):
        with (nab_dir / "data" / name).open(newline="") as f:
            rows = list(csv.reader(f))[1:]
        stamps = [r[0] for r in rows]
        values = np.array([float(r[1]) for r in rows])
        corpus[name] = (stamps, values, nab.layout_from_timestamps(stamps, spans))
    return corpus


def report(title: str, results: list[nab.ProfileResult]) -> dict[str, float]:
    """Print one detector's three scores."""
    print(f"\n{title}")
    for r in results:
        print(
            f"  {r.profile:<20} {r.normalised:6.1f}   threshold {r.threshold:.4f}  "
            f"TP {r.tp:3d}  FP {r.fp:4d}  FN {r.fn:3d}"
        )
    return {r.profile: r.normalised for r in results}


def throughput(name: str, samples: int = 300_000) -> float:
    """Samples per second of one univariate detector on one stream (one core)."""
    rng = np.random.default_rng(0)
    data = (rng.normal(size=samples) + np.sin(np.arange(samples) / 50.0)).tolist()
    detector = UNIVARIATE[name]()
    update = detector.update
    start = time.perf_counter()
    for x in data:
        update(x)
    return samples / (time.perf_counter() - start)


def monitor_throughput(samples: int = 300_000) -> float:
    """Samples per second through AnomalyMonitor with a tag's default detectors
    (robust, drift, flatline), in batches of 1000 as the engine delivers them."""
    from app.config_loader import parse_config
    from app.detectors.monitor import AnomalyMonitor
    from app.model import SampleBatch

    config = parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "b"},
            "devices": [
                {
                    "name": "m",
                    "driver": "simulated",
                    "tags": [{"name": "x", "signal": "noise", "detectors": {}}],
                }
            ],
        }
    )
    monitor = AnomalyMonitor(config, {"m.x": 1})
    values = np.random.default_rng(0).normal(size=samples)
    batches = [
        SampleBatch(
            "m",
            np.ones(1000, dtype=np.int32),
            np.arange(i, i + 1000, dtype=np.float64),
            values[i : i + 1000],
            np.zeros(1000, dtype=np.uint8),
        )
        for i in range(0, samples, 1000)
    ]
    start = time.perf_counter()
    for batch in batches:
        monitor.process(batch)
    return samples / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", default=AUTO)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--per-file", action="store_true", help="print each file's standard score")
    args = parser.parse_args()

    profiles = nab.load_profiles(args.nab / "config" / "profiles.json")
    corpus = load_corpus(args.nab)
    rows = sum(len(s) for s, _, _ in corpus.values())
    print(
        f"NAB corpus: {len(corpus)} files, {rows} rows, "
        f"{sum(len(lay.windows) for _, _, lay in corpus.values())} windows"
    )

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        jobs = [(str(args.nab / "data" / name), args.detector, workdir) for name in corpus]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            done = list(pool.map(replay, jobs))
    wall = time.perf_counter() - start
    data_dir = args.nab / "data"
    scores = {Path(src).relative_to(data_dir).as_posix(): np.array(s) for src, s, _ in done}
    cpu = sum(t for _, _, t in done)
    files = {name: (nab.row_weights(corpus[name][2]), scores[name]) for name in corpus}
    ours = report(
        f"'{args.detector}' via shopfloor detect ({wall:.0f} s wall, {rows / cpu:,.0f} rows/s "
        "per core incl. CSV I/O)",
        [nab.score_corpus(files, p) for p in profiles],
    )
    print(
        "  published (NAB scoreboard): ARTime 74.9 / 65.1 / 80.4, Numenta HTM 70.1 / 63.1 / 74.3,"
        " CAD-OSE 69.9 / 67.0 / 73.2, KNN-CAD 58.0 / 43.4 / 64.8"
    )
    if args.per_file:
        std = profiles[0]
        best = nab.score_corpus(files, std)
        for name in corpus:
            one = {name: files[name]}
            raw = nab.score_at_threshold(one, std, best.threshold)
            print(f"    {raw:7.2f}  ({files[name][0].windows} windows)  {name}")

    if not args.no_baseline:
        base_files = {
            name: (nab.row_weights(layout), windowed_gaussian(values))
            for name, (_, values, layout) in corpus.items()
        }
        base = report(
            "baseline: windowed Gaussian (same scorer)",
            [nab.score_corpus(base_files, p) for p in profiles],
        )
        print(
            "\nratio to baseline: "
            + ", ".join(
                f"{k} {ours[k] / base[k]:.2f}x" if base[k] > 0 else f"{k} n/a" for k in ours
            )
        )

    if not args.no_speed:
        print("\nunivariate throughput, one stream, one core:")
        for name in UNIVARIATE:
            print(f"  {name:<10} {throughput(name):>12,.0f} samples/s")
        print(
            f"  monitor    {monitor_throughput():>12,.0f} samples/s "
            "(robust + drift + flatline on one tag, batches of 1000)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
