"""Anomaly detectors inside a running station: an anomaly becomes an alarm; baselines persist."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from app.alarms.model import AlarmState
from app.config import StationConfig
from app.config_loader import parse_config
from app.station import BASELINES_KEY, Station
from app.storage import open_database
from app.storage.state import load_state
from tests.servers.modbus_server import ModbusTcpServer
from tests.waiting import wait_until


def config(port: int) -> StationConfig:
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [
                {
                    "name": "press",
                    "driver": "modbus-tcp",
                    "poll_period_s": 0.02,
                    "connection": {"host": "127.0.0.1", "port": port},
                    "tags": [
                        {
                            "name": "force",
                            "description": "press force",
                            "unit": "kN",
                            "address": 0,
                            "detectors": {"warmup_s": 1.0, "robust": {}},
                        }
                    ],
                }
            ],
        }
    )


class NoisySignal(threading.Thread):
    """Writes 100 kN plus noise to the server's register every 10 ms; ``step`` adds a jump."""

    def __init__(self, server: ModbusTcpServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.step = 0.0
        self.stop = threading.Event()
        self.rng = np.random.default_rng(5)

    def run(self) -> None:
        while not self.stop.wait(0.01):
            value = 100.0 + self.step + float(self.rng.normal(0, 0.5))
            self.server.memory.set_value("holding", 0, value, "float32")


@pytest.fixture
def noisy_press() -> Iterator[tuple[ModbusTcpServer, NoisySignal]]:
    """A real Modbus server whose force register carries 100 kN plus noise."""
    with ModbusTcpServer() as server:
        signal = NoisySignal(server)
        signal.start()
        try:
            yield server, signal
        finally:
            signal.stop.set()
            signal.join(2)


def learned_samples(station: Station) -> int:
    """Samples the force baseline has learned so far."""
    return int(station.anomalies.state()["tags"]["press.force"]["robust"]["n"])


def test_a_step_becomes_an_explained_anomaly_alarm_and_baselines_survive_a_restart(
    sqlite_url: str, noisy_press: tuple[ModbusTcpServer, NoisySignal]
) -> None:
    server, signal = noisy_press
    station = Station(config(server.port), db_url=sqlite_url)
    station.start()
    # Warm-up (1 s = 50 samples), then some quiet running.
    wait_until(lambda: learned_samples(station) >= 120, what="120 samples learned")
    assert [v.alarm_id for v in station.alarms.views(annunciated_only=True)] == []
    signal.step = 25.0  # 50 sigma
    deadline = time.monotonic() + 5
    anomaly = None
    while time.monotonic() < deadline and anomaly is None:
        anomaly = next(
            (
                v
                for v in station.alarms.views()
                if v.kind.value == "anomaly" and v.state is AlarmState.UNACK
            ),
            None,
        )
        time.sleep(0.05)
    station.stop()
    assert anomaly is not None, "the step raised no anomaly alarm"
    assert anomaly.alarm_id.startswith("press.force.@anomaly")
    said = anomaly.message.render()
    assert anomaly.message.id == "anomaly.tag" and "press force" in said and "σ" in said
    saved = load_state(open_database(sqlite_url), BASELINES_KEY)
    assert saved is not None and "press.force" in saved["tags"]
    # A new station on the same database starts from the saved baselines: no warm-up again.
    again = Station(config(server.port), db_url=sqlite_url)
    assert again.anomalies.state()["tags"]["press.force"] == saved["tags"]["press.force"]


def test_relearn_from_another_thread_resets_the_baselines_between_batches(
    sqlite_url: str, noisy_press: tuple[ModbusTcpServer, NoisySignal]
) -> None:
    server, _ = noisy_press
    station = Station(config(server.port), db_url=sqlite_url)
    station.start()
    wait_until(lambda: learned_samples(station) >= 60, what="60 samples learned")
    learned = station.anomalies.state()["tags"]["press.force"]
    station.relearn("press")
    wait_until(lambda: learned_samples(station) < learned["robust"]["n"], what="the reset")
    relearning = station.anomalies.state()["tags"]["press.force"]
    station.stop()
    assert learned != relearning
    assert relearning["robust"]["n"] < learned["robust"]["n"]
