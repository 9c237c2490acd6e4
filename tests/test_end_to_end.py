"""End to end: the plant simulator as a real Modbus TCP server, a headless station, a real DB."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.alarms.model import AlarmState
from app.commands.demo import point_at
from app.config_loader import load_config
from app.model import Quality
from app.station import Station
from app.storage import open_database
from app.storage.samples import SampleStore
from drivers.simulator import PlantSimulator
from resources import DEMO_CONFIG
from tests.conftest import free_tcp_port
from tests.waiting import read_until, wait_until


@pytest.fixture
def plant():  # type: ignore[no-untyped-def]
    sim = PlantSimulator(seed=7, scenario="none")
    sim.start()
    server = sim.serve_modbus_tcp("127.0.0.1", 0)
    yield sim, server.port
    sim.stop()


def test_headless_station_stores_what_the_simulator_serves(plant, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    sim, port = plant
    config = point_at(load_config(DEMO_CONFIG), "127.0.0.1", port)
    station = Station(config, db_url=sqlite_url)
    store = SampleStore(open_database(sqlite_url))
    expected = {info.full_name for info in station.engine.tags}

    def every_tag_stored_thrice() -> bool:
        counts = store.counts(good_only=True)
        return set(counts) == expected and min(counts.values()) >= 3

    station.start()
    try:
        wait_until(every_tag_stored_thrice, timeout=30, what="3 good samples of every tag")
        # While it runs: live values match what the simulator holds right now.
        for info in station.engine.tags:
            if info.config.data_type in ("float32", "float64") and "temp" in info.name:
                live = station.engine.live.get(info.id)
                assert live.quality is Quality.GOOD, (info.full_name, live.reason)
                served = sim.value(info.device, info.name)
                assert live.value == pytest.approx(served, rel=0.05, abs=2.0), info.full_name
    finally:
        station.stop()
    counts = store.counts(good_only=True)
    assert set(counts) == expected, expected - set(counts)
    assert min(counts.values()) >= 3
    for info in station.engine.tags:
        _, values, quality = store.read(info.full_name)
        assert np.all(quality == Quality.GOOD)
        if info.config.data_type != "string":
            assert np.all(np.isfinite(values)), info.full_name


def test_cli_simulate_and_run_headless(tmp_path: Path) -> None:
    """The README's two-terminal recipe, with real processes."""
    port = free_tcp_port()
    config_text = DEMO_CONFIG.read_text(encoding="utf-8").replace("port = 5020", f"port = {port}")
    config_path = tmp_path / "line.toml"
    config_path.write_text(config_text, encoding="utf-8")
    db = tmp_path / "station.db"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "simulate",
            "--modbus-tcp",
            f"127.0.0.1:{port}",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None
        read_until(sim.stdout, "Running ")  # printed once every server listens
        assert sim.poll() is None, sim.stderr.read() if sim.stderr else ""
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "run",
                "--config",
                str(config_path),
                "--headless",
                "--duration",
                "4",
                "--db",
                f"sqlite:///{db}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        sim.terminate()
        sim.wait(10)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    counts = SampleStore(open_database(f"sqlite:///{db}")).counts(good_only=True)
    config = load_config(config_path)
    expected = {f"{d.name}.{t.name}" for d in config.devices for t in d.tags}
    assert set(counts) == expected


def test_silent_machine_raises_one_comm_alarm_and_recovers(sqlite_url: str) -> None:
    """The washer stops answering Modbus (scenario 'silent'): one comm-loss alarm, others fine."""
    sim = PlantSimulator(seed=2, scenario="silent", speed=10)  # silent from 3 s to 9 s real time
    sim.start()
    try:
        server = sim.serve_modbus_tcp("127.0.0.1", 0)
        config = point_at(load_config(DEMO_CONFIG), "127.0.0.1", server.port)
        station = Station(config, db_url=sqlite_url)
        station.start()
        try:
            deadline = time.monotonic() + 20
            seen_active = False
            while time.monotonic() < deadline:
                comm = station.alarms.view("washer.@comm")
                if comm.state in (AlarmState.UNACK, AlarmState.ACKED):
                    seen_active = True
                    washer_temp = station.engine.tags.by_name("washer.wash_temp").id
                    live = station.engine.live.get(washer_temp)
                    assert live.quality is Quality.BAD and "timeout" in live.reason
                    cnc = station.engine.tags.by_name("cnc.spindle_temp").id
                    assert station.engine.live.get(cnc).quality is Quality.GOOD
                if seen_active and comm.state is AlarmState.RTN_UNACK:
                    break
                time.sleep(0.2)
            assert seen_active, "comm-loss alarm never raised"
            assert station.alarms.view("washer.@comm").state is AlarmState.RTN_UNACK
            # The washer's process alarms were suppressed in favour of the one comm alarm.
            annunciated = [v.alarm_id for v in station.alarms.views(annunciated_only=True)]
            assert annunciated == ["washer.@comm"]
        finally:
            station.stop()
    finally:
        sim.stop()
