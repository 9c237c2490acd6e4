"""Multivariate detectors on the development corpus (``mv_corpus.py``), run exactly as
``shopfloor detect IN.csv OUT.csv --learn-rows N`` runs them, and their throughput.

    python tests/bench/bench_multivariate.py [--detector process] [--cache DIR] [--runs te]

Per run: detection rate (fault rows with ``anomaly`` = 1), false-alarm rate (fault-free rows
after the learning period with ``anomaly`` = 1), detection delay (first alarm row at or after
the fault start, within the fault) and the episodes raised. Over the corpus: outlier
precision, recall, F1, FAR and MAR over all rows after the learning periods, and as
changepoints: fault starts found (an onset within the fault) and false onsets (onsets that
start outside any fault). Throughput: one machine of 20 tags on one core, the detector alone
(blocks of 512 rows, as ``detect`` feeds it) and the whole ``detect`` command.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mv_corpus  # noqa: E402
import nab_scorer as nab  # noqa: E402

from app.commands.detect import detect_file  # noqa: E402
from app.detectors.registry import make_row_scorer  # noqa: E402


@dataclass
class Outcome:
    run: mv_corpus.Run
    alarm: np.ndarray  # anomaly column, rows after learning
    onset: np.ndarray
    truth: np.ndarray
    seconds: float

    @property
    def fault(self) -> tuple[int, int] | None:
        if self.run.fault_rows is None:
            return None
        a, b = self.run.fault_rows
        return a - self.run.learn_rows, b - self.run.learn_rows

    def detection_rate(self) -> float:
        return float(self.alarm[self.truth].mean()) if self.truth.any() else float("nan")

    def false_alarm_rate(self) -> float:
        normal = ~self.truth
        return float(self.alarm[normal].mean()) if normal.any() else float("nan")

    def delay(self) -> int | None:
        """Rows from the fault start to the first alarm row inside the fault."""
        if self.fault is None:
            return None
        a, b = self.fault
        hits = np.flatnonzero(self.alarm[a:b])
        return int(hits[0]) if hits.size else None

    def false_onsets(self) -> int:
        starts = np.flatnonzero(self.onset)
        if self.fault is None:
            return int(starts.size)
        a, b = self.fault
        return int(((starts < a) | (starts >= b)).sum())


def replay(run: mv_corpus.Run, cache: Path, detector: str, workdir: Path) -> Outcome:
    out = workdir / f"{run.name}.out.csv"
    start = time.perf_counter()
    detect_file(cache / run.file, out, detector, learn_rows=run.learn_rows)
    seconds = time.perf_counter() - start
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != run.rows:
        raise SystemExit(f"{run.name}: {len(rows)} rows out for {run.rows} in")
    rows = rows[run.learn_rows :]
    alarm = np.array([r["anomaly"] == "1" for r in rows])
    onset = np.array([r["onset"] == "1" for r in rows])
    truth = np.zeros(len(rows), dtype=bool)
    if run.fault_rows is not None:
        truth[run.fault_rows[0] - run.learn_rows : run.fault_rows[1] - run.learn_rows] = True
    return Outcome(run, alarm, onset, truth, seconds)


def pooled(outcomes: list[Outcome]) -> dict[str, float]:
    alarm = np.concatenate([o.alarm for o in outcomes])
    truth = np.concatenate([o.truth for o in outcomes])
    tp = float((alarm & truth).sum())
    fp = float((alarm & ~truth).sum())
    fn = float((~alarm & truth).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    faulty = [o for o in outcomes if o.fault is not None]
    delays = [o.delay() for o in faulty]
    found = [d for d in delays if d is not None]
    return {
        "runs": len(outcomes),
        "f1": f1,
        "precision": precision,
        "far": fp / max(float((~truth).sum()), 1.0),
        "mar": fn / max(float(truth.sum()), 1.0),
        "found": len(found),
        "faults": len(faulty),
        "false_onsets": sum(o.false_onsets() for o in outcomes),
        "median_delay": float(np.median(found)) if found else float("nan"),
        "mean_delay": float(np.mean(found)) if found else float("nan"),
    }


def changepoint_scores(outcomes: list[Outcome]) -> dict[str, float]:
    """NAB scores of the ``onset`` column as changepoints (the three profiles, 0 = null,
    100 = perfect). A window centred on each fault start, 10 % of the run's rows wide (NAB's
    convention for one anomaly in a file); the learning rows stand before it and raise no
    onset. Onsets are 0/1, so the threshold is fixed at 0.5 rather than optimised."""
    files = {}
    for o in outcomes:
        rows = o.run.rows
        onset = np.zeros(rows)
        onset[o.run.learn_rows :] = o.onset
        windows: tuple[tuple[int, int], ...] = ()
        if o.run.fault_rows is not None:
            half = max(rows // 20, 1)
            start = o.run.fault_rows[0]
            windows = ((max(start - half, 0), min(start + half, rows - 1)),)
        files[o.run.name] = (nab.row_weights(nab.FileLayout(rows, windows)), onset)
    out = {}
    for profile in nab.PROFILES:
        total_windows = sum(w.windows for w, _ in files.values())
        null, perfect = -profile.fn * total_windows, profile.tp * total_windows
        raw = nab.score_at_threshold(files, profile, 0.5)
        out[profile.name] = 100.0 * (raw - null) / (perfect - null)
    return out


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| run | fault | detection rate | false-alarm rate | delay (rows / s) | episodes |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for o in outcomes:
        d = o.delay()
        delay = (
            "-" if o.fault is None else ("missed" if d is None else f"{d} / {d * o.run.step_s:g}")
        )
        rate = "-" if o.fault is None else f"{o.detection_rate():.3f}"
        lines.append(
            f"| {o.run.name} | {o.run.fault} | {rate} | {o.false_alarm_rate():.3f} | {delay} "
            f"| {int(o.onset.sum())} |"
        )
    return "\n".join(lines)


def summary_line(label: str, m: dict[str, float]) -> str:
    return (
        f"| {label} | {m['runs']:.0f} | {m['f1']:.3f} | {m['precision']:.3f} | {m['far']:.3f} "
        f"| {m['mar']:.3f} | {m['found']:.0f} of {m['faults']:.0f} | {m['false_onsets']:.0f} "
        f"| {m['median_delay']:.0f} / {m['mean_delay']:.0f} |"
    )


def throughput(detector: str, tags: int = 20, rows: int = 200_000) -> tuple[float, float]:
    """Rows per second on one core: the detector fed blocks of 512 rows, and ``detect``."""
    rng = np.random.default_rng(0)
    load = rng.normal(size=(rows, 3))
    data = load @ rng.normal(size=(3, tags)) + 0.3 * rng.normal(size=(rows, tags)) + 50
    scorer = make_row_scorer(detector, [f"t{i}" for i in range(tags)], learn_rows=500)
    start = time.perf_counter()
    for i in range(0, rows, 512):
        scorer.score_block(data[i : i + 512])
    core = rows / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.csv"
        mv_corpus.write_csv(source, [f"t{i}" for i in range(tags)], data[:50_000], 1.0)
        start = time.perf_counter()
        detect_file(source, Path(tmp) / "out.csv", detector, learn_rows=500)
        cli = 50_000 / (time.perf_counter() - start)
    return core, cli


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detector", default="process")
    parser.add_argument("--cache", type=Path, default=mv_corpus.DEFAULT_CACHE)
    parser.add_argument("--runs", default="", help="only runs whose name starts with this")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument(
        "--throughput-only", action="store_true", help="only the throughput (no corpus needed)"
    )
    parser.add_argument(
        "--sim-learn-rows",
        type=int,
        default=0,
        help="learn from this many rows of the simulator runs instead of 600 (the rows after "
        "it, up to the fault, count as fault-free): how the detector does with less learning",
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.throughput_only:
        core, cli = throughput(args.detector)
        print(f"throughput, 20 tags, one core: detector {core:,.0f} rows/s, ", end="")
        print(f"shopfloor detect {cli:,.0f} rows/s")
        return 0
    runs = [r for r in mv_corpus.build(args.cache) if r.name.startswith(args.runs)]
    if args.sim_learn_rows:
        runs = [
            replace(r, learn_rows=args.sim_learn_rows) if r.source == "sim" else r for r in runs
        ]
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [replay(r, args.cache, args.detector, Path(tmp)) for r in runs]
    print(table(outcomes))
    print()
    print(
        "| corpus | runs | F1 | precision | FAR | MAR | faults found | false onsets "
        "| delay median / mean (rows) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    tep = [o for o in outcomes if o.run.source == "tep"]
    sim = [o for o in outcomes if o.run.source == "sim"]
    observable = [o for o in tep if o.run.name not in mv_corpus.TEP_UNOBSERVABLE]
    for label, part in (
        ("whole corpus", outcomes),
        ("Tennessee Eastman, 21 faults + normal", tep),
        ("Tennessee Eastman without 3, 9, 15", observable),
        ("whole corpus without TE 3, 9, 15", observable + sim),
        ("plant simulator", sim),
    ):
        if part:
            print(summary_line(label, pooled(part)))
    print()
    for label, part in (("whole corpus", outcomes), ("Tennessee Eastman", tep), ("simulator", sim)):
        if part:
            cp = changepoint_scores(part)
            print(
                f"changepoint NAB score, {label}: "
                + ", ".join(f"{name} {value:.1f}" for name, value in cp.items())
            )
    if not args.no_throughput:
        core, cli = throughput(args.detector)
        print(
            f"\nthroughput, 20 tags, one core: detector {core:,.0f} rows/s, "
            f"shopfloor detect {cli:,.0f} rows/s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
