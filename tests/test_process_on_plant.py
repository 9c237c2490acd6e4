"""The process monitor on the project's own plant simulator (the development corpus's second
half, tests/bench/mv_corpus.py): a CNC that loses coolant is found within a minute through
``shopfloor detect --learn-rows``, with no alarm before it, and a clean die-caster (a machine
that cycles through its shots) raises nothing."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

from app.commands.detect import detect_file
from drivers.simulator.scenario import Fault

_PATH = Path(__file__).parent / "bench" / "mv_corpus.py"
_spec = importlib.util.spec_from_file_location("mv_corpus", _PATH)
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("mv_corpus", corpus)
_spec.loader.exec_module(corpus)


def replay(tmp_path: Path, machine: str, faults: list[Fault], seed: int) -> list[dict[str, str]]:
    data = corpus.simulate(machine, faults, seed)
    source = tmp_path / f"{machine}.csv"
    corpus.write_csv(source, corpus.SIM_TAGS[machine], data, 1.0)
    detect_file(source, tmp_path / "out.csv", learn_rows=corpus.SIM_LEARN)
    with (tmp_path / "out.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_coolant_loss_is_found_within_a_minute(tmp_path: Path) -> None:
    fault = Fault(start_s=900, machine="cnc", kind="coolant_loss", duration_s=900, severity=0.8)
    rows = replay(tmp_path, "cnc", [fault], seed=101)
    assert len(rows) == corpus.SIM_SECONDS
    onsets = [i for i, r in enumerate(rows) if r["onset"] == "1"]
    assert onsets and 900 <= onsets[0] <= 960, onsets
    assert not any(r["anomaly"] == "1" for r in rows[:900])
    assert sum(r["anomaly"] == "1" for r in rows[900:]) > 0.9 * 900


def test_a_clean_cycling_machine_raises_nothing(tmp_path: Path) -> None:
    rows = replay(tmp_path, "diecast", [], seed=7)
    assert [i for i, r in enumerate(rows) if r["anomaly"] == "1"] == []
