"""The multivariate development corpus: Tennessee Eastman runs and the plant simulator's faults.

    python tests/bench/mv_corpus.py [--cache DIR]      # build it (about a minute), print a list

Nothing of it is committed; it is built into a cache folder (default
``~/.cache/shopfloor/mvcorpus``, or ``SHOPFLOOR_MVCORPUS``) as one CSV per run (a
``timestamp`` column and the process tags) and ``runs.json`` with, per run, the learning rows
and the fault rows. It is NOT the held-out check of issue 14; nothing here was tuned on that.

- **Tennessee Eastman** (Downs & Vogel's plant, 52 measured and manipulated variables, one
  sample every 3 minutes): the standard Braatz data set of the 21 faults (``d00.dat`` ...
  ``d21_te.dat``), as the PyPI package ``bibmon`` ships it; its wheel is fetched with
  ``pip download`` (no install) and the data files read from it. Each run is the 500 fault-free
  training rows (``d00.dat``, the learning period) followed by one test run of 960 rows whose
  fault starts at row 160 (sample 161, 8 hours in); run ``te00`` has no fault (false alarms).
  The published PCA T²/Q rates per fault (Chiang, Russell & Braatz 2001) are the anchor.
- **Plant simulator** (``drivers/simulator``): each machine's process tags at 1 Hz, 30 minutes;
  the first 600 s are the learning period; a scripted fault from 900 s to the end at three
  severities (three seeds), and a clean run per machine and seed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from drivers.simulator.plant import Plant  # noqa: E402
from drivers.simulator.scenario import Fault  # noqa: E402

DEFAULT_CACHE = Path(
    os.environ.get("SHOPFLOOR_MVCORPUS") or Path.home() / ".cache" / "shopfloor" / "mvcorpus"
)
TEP_PACKAGE = "bibmon==1.2.0"
TEP_LEARN = 500
TEP_FAULT_AT = 160
TEP_STEP_S = 180
#: The three faults the literature calls unobservable in the measurements (3, 9, 15).
TEP_UNOBSERVABLE = ("te03", "te09", "te15")

#: Process tags per simulated machine (counters, states and set-points left out).
SIM_TAGS = {
    "cnc": [
        "spindle_speed",
        "spindle_load",
        "spindle_current",
        "spindle_temp",
        "vibration_rms",
        "coolant_flow",
        "coolant_temp",
    ],
    "diecast": [
        "melt_temp",
        "die_temp",
        "injection_pressure",
        "hydraulic_current",
        "oil_temp",
        "vacuum",
        "cooling_water_temp",
    ],
    "washer": [
        "conveyor_speed",
        "motor_current",
        "wash_temp",
        "pump_pressure",
        "pump_current",
        "tank_level",
        "dryer_temp",
        "conductivity",
    ],
    "leaktest": ["test_pressure", "pressure_decay", "leak_rate", "part_temp", "ambient_temp"],
}
SIM_FAULTS = {
    "cnc": ["bearing_wear", "coolant_loss"],
    "diecast": ["pressure_spikes", "melt_temp_drop"],
    "washer": ["pump_wear", "conveyor_jam"],
    "leaktest": ["reject_burst"],
}
SIM_SECONDS = 1800
SIM_LEARN = 600
SIM_FAULT = (900, 900)  # to the end of the run, as in the TE runs
SIM_SEVERITIES = (0.5, 0.8, 1.0)


@dataclass
class Run:
    """One file of the corpus: which rows are learned from and which are faulty."""

    name: str
    source: str  # "tep" or "sim"
    fault: str  # "none" or the fault's name
    file: str
    rows: int
    learn_rows: int
    fault_rows: tuple[int, int] | None  # [start, end) in rows, or None
    step_s: float


def write_csv(path: Path, names: list[str], data: np.ndarray, step_s: float) -> None:
    start = np.datetime64("2024-01-01T00:00:00")
    with path.open("w", encoding="utf-8") as f:
        f.write("timestamp," + ",".join(names) + "\n")
        for i, row in enumerate(data):
            stamp = str(start + np.timedelta64(int(i * step_s), "s"))
            f.write(stamp + "," + ",".join(f"{v:.6g}" for v in row) + "\n")


def tep_files(cache: Path) -> Path:
    """The folder of the Braatz ``.dat`` files, fetched once with ``pip download``."""
    folder = cache / "tennessee_eastman"
    if (folder / "d21_te.dat").is_file():
        return folder
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", TEP_PACKAGE, "-d", tmp],
            check=True,
        )
        wheel = next(Path(tmp).glob("bibmon-*.whl"))
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.startswith("bibmon/tennessee_eastman/") and name.endswith(".dat"):
                    (folder / Path(name).name).write_bytes(z.read(name))
    return folder


def build_tep(cache: Path) -> list[Run]:
    folder = tep_files(cache)
    train = np.loadtxt(folder / "d00.dat")
    train = train.T if train.shape[0] == 52 else train  # d00.dat is stored transposed
    names = [f"xmeas_{i + 1}" for i in range(41)] + [f"xmv_{i + 1}" for i in range(11)]
    runs = []
    for k in range(22):
        test = np.loadtxt(folder / f"d{k:02d}_te.dat")
        data = np.vstack([train, test])
        name = f"te{k:02d}"
        write_csv(cache / f"{name}.csv", names, data, TEP_STEP_S)
        fault = None if k == 0 else (TEP_LEARN + TEP_FAULT_AT, len(data))
        runs.append(
            Run(
                name,
                "tep",
                f"IDV({k})" if k else "none",
                f"{name}.csv",
                len(data),
                TEP_LEARN,
                fault,
                TEP_STEP_S,
            )
        )
    return runs


def simulate(machine: str, faults: list[Fault], seed: int) -> np.ndarray:
    plant = Plant(seed=seed, scenario=faults)
    tags = SIM_TAGS[machine]
    rows = []
    for second in range(1, SIM_SECONDS + 1):
        plant.advance_to(float(second))
        values = plant.values(machine)
        rows.append([values[t] for t in tags])
    return np.asarray(rows)


def build_sim(cache: Path) -> list[Run]:
    runs = []
    start, duration = SIM_FAULT
    for machine, kinds in SIM_FAULTS.items():
        for seed in range(3):
            name = f"sim_{machine}_clean_{seed}"
            write_csv(cache / f"{name}.csv", SIM_TAGS[machine], simulate(machine, [], seed), 1.0)
            runs.append(Run(name, "sim", "none", f"{name}.csv", SIM_SECONDS, SIM_LEARN, None, 1.0))
            for kind in kinds:
                severity = SIM_SEVERITIES[seed]
                fault = Fault(
                    start_s=start,
                    machine=machine,
                    kind=kind,
                    duration_s=duration,  # type: ignore[arg-type]
                    severity=severity,
                )
                data = simulate(machine, [fault], 100 + seed)
                name = f"sim_{machine}_{kind}_{seed}"
                write_csv(cache / f"{name}.csv", SIM_TAGS[machine], data, 1.0)
                runs.append(
                    Run(
                        name,
                        "sim",
                        f"{kind}@{severity}",
                        f"{name}.csv",
                        SIM_SECONDS,
                        SIM_LEARN,
                        (start, start + duration),
                        1.0,
                    )
                )
    return runs


def build(cache: Path = DEFAULT_CACHE) -> list[Run]:
    """Build the corpus into ``cache`` unless it is there already; return its runs."""
    index = cache / "runs.json"
    if index.is_file():
        return load(cache)
    cache.mkdir(parents=True, exist_ok=True)
    runs = build_tep(cache) + build_sim(cache)
    index.write_text(json.dumps([asdict(r) for r in runs], indent=1))
    return runs


def load(cache: Path = DEFAULT_CACHE) -> list[Run]:
    runs = json.loads((cache / "runs.json").read_text())
    for r in runs:
        r["fault_rows"] = tuple(r["fault_rows"]) if r["fault_rows"] else None
    return [Run(**r) for r in runs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    for run in build(args.cache):
        print(f"{run.name:32s} {run.fault:24s} {run.rows:5d} rows, learn {run.learn_rows}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
