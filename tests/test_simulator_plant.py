"""The plant model on simulated time: determinism, a healthy line, and every fault unfolding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drivers.simulator import Fault, Plant, ScenarioError, get_scenario, load_scenario
from drivers.simulator.base import MachineState
from drivers.simulator.scenario import DEFAULT_FAULTS, FAULT_KINDS

REPO = Path(__file__).resolve().parents[1]


def trace(plant: Plant, machine: str, names: list[str], until: float, every: float = 0.5):
    """Sample ``names`` of ``machine`` from now until ``until``: (times, {name: array})."""
    times, rows = [], []
    while plant.time < until - 1e-9:
        plant.step(every)
        values = plant.values(machine)
        times.append(plant.time)
        rows.append([values[n] for n in names])
    data = np.array(rows)
    return np.array(times), {n: data[:, i] for i, n in enumerate(names)}


def snapshot(plant: Plant) -> dict[str, dict[str, float]]:
    return {m: plant.values(m) for m in plant.machines}


# -- determinism -------------------------------------------------------------------------------
def test_same_seed_same_values_however_time_is_stepped() -> None:
    one = Plant(seed=7, scenario="default")
    two = Plant(seed=7, scenario="default")
    one.advance_to(400.0)
    for _ in range(800):
        two.step(0.5)
    assert one.time == pytest.approx(two.time)
    assert snapshot(one) == snapshot(two)
    assert [p.serial for p in one.finished] == [p.serial for p in two.finished]


def test_another_seed_gives_other_values() -> None:
    one, two = Plant(seed=1), Plant(seed=2)
    one.advance_to(60.0)
    two.advance_to(60.0)
    assert one.values("cnc")["vibration_rms"] != two.values("cnc")["vibration_rms"]


# -- a healthy line ----------------------------------------------------------------------------
def test_clean_line_runs_at_its_takt_without_faults() -> None:
    plant = Plant(seed=4, scenario="none")
    states = {m: [] for m in plant.machines}
    while plant.time < 1800.0:
        plant.step(5.0)
        for m in plant.machines:
            states[m].append(plant.values(m)["state"])
            assert plant.values(m)["fault_code"] == 0
    for m, seen in states.items():
        running = np.mean(np.array(seen) == MachineState.RUNNING)
        assert running > 0.9, f"{m} runs only {running:.0%} of the time"
    cast = plant.values("diecast")
    assert 38 <= cast["cycle_count"] <= 41  # one shot per ~45 s
    leak = plant.values("leaktest")
    assert leak["cycle_count"] >= 35
    assert leak["reject_count"] <= 3
    assert leak["good_count"] + leak["reject_count"] == leak["cycle_count"]
    assert plant.finished[-1].serial.startswith("EVH220-2611-")


def test_signals_are_physically_plausible_and_correlated() -> None:
    plant = Plant(seed=4, scenario="none")
    _, cnc = trace(
        plant,
        "cnc",
        ["spindle_speed", "spindle_load", "spindle_current", "spindle_temp", "vibration_rms"],
        until=600.0,
    )
    assert cnc["spindle_speed"].max() == pytest.approx(12000, rel=0.01)
    assert np.corrcoef(cnc["spindle_load"], cnc["spindle_current"])[0, 1] > 0.95
    assert 30.0 < cnc["spindle_temp"].mean() < 45.0
    cutting = cnc["spindle_speed"] > 6000
    assert cnc["vibration_rms"][cutting].mean() > cnc["vibration_rms"][~cutting].mean()
    assert cnc["vibration_rms"].max() < 4.0  # healthy spindle: ISO 10816 zone A/B
    _, cast = trace(plant, "diecast", ["injection_pressure", "melt_temp", "vacuum"], until=900.0)
    assert 800 < cast["injection_pressure"].max() < 950
    assert np.median(cast["injection_pressure"]) < 10  # pressurised only during the shot
    assert cast["melt_temp"].min() > 670 and cast["melt_temp"].max() < 690
    assert (cast["vacuum"] < -60).all()


def test_default_scenario_starts_with_a_healthy_line() -> None:
    scenario = get_scenario("default")
    first = min(f.start_s for f in scenario.faults)
    assert first >= 110
    plant = Plant(seed=1, scenario="default")
    plant.advance_to(first - 1)
    for m in plant.machines:
        assert plant.values(m)["state"] == MachineState.RUNNING
        assert scenario.effects(m, first - 1) == {}
    assert {f.kind for f in DEFAULT_FAULTS} >= {
        "bearing_wear",
        "coolant_loss",
        "pressure_spikes",
        "reject_burst",
        "silent",
    }


# -- faults ------------------------------------------------------------------------------------
def one_fault(kind: str, machine: str, duration: float, severity: float = 0.9) -> list[Fault]:
    return [Fault(start_s=120, machine=machine, kind=kind, duration_s=duration, severity=severity)]  # type: ignore[arg-type]


def test_bearing_wear_raises_vibration_over_minutes_then_repair() -> None:
    plant = Plant(seed=2, scenario=one_fault("bearing_wear", "cnc", 360, 0.8))
    names = ["spindle_speed", "vibration_rms", "state"]
    _, before = trace(plant, "cnc", names, until=120.0)
    _, early = trace(plant, "cnc", names, until=240.0)
    _, late = trace(plant, "cnc", names, until=480.0)

    def cutting_vibration(data: dict[str, np.ndarray]) -> float:
        fast = data["spindle_speed"] > 10000
        return float(data["vibration_rms"][fast].mean())

    healthy = cutting_vibration(before)
    assert cutting_vibration(early) < healthy * 1.5  # wear starts slowly...
    assert cutting_vibration(late) > healthy + 2.0  # ...and accelerates
    assert late["vibration_rms"].max() > 6.0
    plant.advance_to(490.0)
    assert plant.values("cnc")["state"] == MachineState.MAINTENANCE  # bearing replaced
    _, after = trace(plant, "cnc", names, until=700.0)
    assert after["state"][-1] == MachineState.RUNNING
    assert cutting_vibration({k: v[-200:] for k, v in after.items()}) < healthy * 1.3


def test_coolant_loss_raises_spindle_temperature() -> None:
    plant = Plant(seed=3, scenario=one_fault("coolant_loss", "cnc", 400, 0.9))
    plant.advance_to(119.0)
    baseline = plant.values("cnc")
    plant.advance_to(500.0)
    hot = plant.values("cnc")
    assert baseline["coolant_flow"] > 23
    assert hot["coolant_flow"] < 6
    assert hot["spindle_temp"] > baseline["spindle_temp"] + 12


def test_pressure_spikes_give_high_peaks_and_rejects() -> None:
    clean = Plant(seed=5, scenario="none")
    spiky = Plant(seed=5, scenario=one_fault("pressure_spikes", "diecast", 400, 0.8))
    _, normal = trace(clean, "diecast", ["peak_pressure"], until=520.0, every=5.0)
    _, spikes = trace(spiky, "diecast", ["peak_pressure"], until=520.0, every=5.0)
    assert normal["peak_pressure"].max() < 920
    assert spikes["peak_pressure"].max() > 1000
    assert spiky.values("diecast")["reject_count"] > clean.values("diecast")["reject_count"] + 2


def test_reject_burst_at_the_leak_tester_stops_it() -> None:
    plant = Plant(seed=6, scenario=one_fault("reject_burst", "leaktest", 360, 1.0))
    plant.advance_to(119.0)
    rejects_before = plant.values("leaktest")["reject_count"]
    codes, states = set(), set()
    while plant.time < 480.0:
        plant.step(1.0)
        codes.add(plant.values("leaktest")["fault_code"])
        states.add(plant.values("leaktest")["state"])
    assert plant.values("leaktest")["reject_count"] >= rejects_before + 3
    assert 301 in codes  # three in a row: the sealing check stops the machine
    assert MachineState.FAULT in states
    assert max(p.weight_kg for p in plant.finished) < 5.0


def test_silent_machine_window() -> None:
    plant = Plant(seed=1, scenario=one_fault("silent", "washer", 60))
    plant.advance_to(119.0)
    assert plant.silent == frozenset()
    plant.advance_to(150.0)
    assert plant.silent == {"washer"}
    assert plant.values("washer")["state"] == MachineState.RUNNING  # the machine runs on
    plant.advance_to(181.0)
    assert plant.silent == frozenset()


@pytest.mark.parametrize(
    ("kind", "machine", "name", "direction"),
    [
        ("melt_temp_drop", "diecast", "melt_temp", -20.0),
        ("pump_wear", "washer", "pump_pressure", -0.8),
        ("conveyor_jam", "washer", "motor_current", +1.5),
    ],
)
def test_other_faults_move_their_signal(
    kind: str, machine: str, name: str, direction: float
) -> None:
    clean = Plant(seed=8, scenario="none")
    faulty = Plant(seed=8, scenario=one_fault(kind, machine, 300, 0.9))
    clean.advance_to(330.0)
    faulty.advance_to(330.0)
    delta = faulty.values(machine)[name] - clean.values(machine)[name]
    assert delta * np.sign(direction) > abs(direction)


@pytest.mark.parametrize(("kind", "state"), [("stop", 0), ("maintenance", 4)])
def test_scripted_stop_and_maintenance_states(kind: str, state: int) -> None:
    plant = Plant(seed=1, scenario=one_fault(kind, "diecast", 60))
    plant.advance_to(150.0)
    assert plant.values("diecast")["state"] == state
    assert plant.values("diecast")["hydraulic_current"] < 5.0
    plant.advance_to(200.0)
    assert plant.values("diecast")["state"] == MachineState.RUNNING


# -- scenarios -----------------------------------------------------------------------------------
def test_every_kind_has_a_builtin_single_fault_scenario() -> None:
    for kind in FAULT_KINDS:
        scenario = get_scenario(kind)
        assert [f.kind for f in scenario.faults] == [kind]


def test_unknown_scenario_name_lists_the_choices() -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope' \(built-in: default, none"):
        get_scenario("nope")


def test_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "night"\nrepeat_s = 600\n[[fault]]\nstart_s = 10\nmachine = "cnc"\n'
        'kind = "coolant_loss"\nduration_s = 100\nseverity = 0.5\n'
    )
    scenario = load_scenario(path)
    assert scenario.name == "night"
    assert "coolant_loss" in scenario.effects("cnc", 610.0 + 50)  # repeated
    assert scenario.effects("cnc", 300.0) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[fault]]\nstart_s = 1\nmachine = "washer"\nkind = "bearing_wear"\nduration_s = 5\n',
            "fault[0]: fault 'bearing_wear' cannot happen on 'washer' (only on cnc)",
        ),
        (
            '[[fault]]\nstart_s = 1\nmachine = "oven"\nkind = "stop"\nduration_s = 5\n',
            "fault[0].machine: Input should be",
        ),
        (
            '[[fault]]\nstart_s = 1\nmachine = "cnc"\nkind = "stop"\nduration = 5\n',
            "fault[0].duration: unknown key (is it misspelt?)",
        ),
        ("[[fault]\n", "TOML syntax error"),
    ],
)
def test_bad_scenario_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert message in str(info.value)


def test_bundled_scenario_files_load() -> None:
    files = sorted((REPO / "resources" / "demo" / "scenarios").glob("*.toml"))
    assert files
    for path in files:
        assert load_scenario(path).faults


# The alarm limits REGISTER_MAP.md suggests: (machine, point, low, high), running state only.
SUGGESTED_LIMITS = [
    ("cnc", "vibration_rms", None, 4.5),
    ("cnc", "spindle_temp", None, 48.0),
    ("cnc", "coolant_flow", 15.0, None),
    ("diecast", "peak_pressure", None, 950.0),
    ("washer", "pump_pressure", 3.0, None),
    ("washer", "motor_current", None, 5.0),
    ("washer", "wash_temp", 55.0, 65.0),
    ("washer", "tank_level", 65.0, None),
]


def limits_crossed(plant: Plant, until: float) -> set[tuple[str, str]]:
    crossed = set()
    while plant.time < until:
        plant.step(1.0)
        for machine, name, low, high in SUGGESTED_LIMITS:
            values = plant.values(machine)
            if values["state"] != MachineState.RUNNING:
                continue
            value = values[name]
            if (low is not None and value < low) or (high is not None and value > high):
                crossed.add((machine, name))
    return crossed


def test_suggested_limits_are_quiet_on_a_clean_line() -> None:
    assert limits_crossed(Plant(seed=1, scenario="none"), 1800.0) == set()


def test_default_scenario_crosses_the_suggested_limits() -> None:
    crossed = limits_crossed(Plant(seed=1, scenario="default"), 1800.0)
    assert {
        ("cnc", "vibration_rms"),
        ("cnc", "spindle_temp"),
        ("cnc", "coolant_flow"),
        ("diecast", "peak_pressure"),
    } <= crossed
    assert ("washer", "wash_temp") not in crossed
