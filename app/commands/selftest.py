"""``shopfloor selftest``: the whole product once, end to end, in about 15 seconds.

For an installed or frozen build on a machine without Python: the plant simulator serves the
bundled demo line over real Modbus TCP on a free local port, a headless station polls it into a
fresh SQLite file, the washer goes silent (its communication alarm is raised) and comes back
(the alarm returns to normal), and the database is read back. Exit 0 when every step passed,
1 when one failed (it says which), 2 when the bundle itself is broken (config missing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app import __version__
from app.alarms.model import AlarmState
from app.commands.demo import point_at
from app.config import ConfigError
from app.config_loader import load_config
from app.model import EventKind, Quality
from app.station import Station
from app.storage.database import open_database
from app.storage.events import EventStore
from app.storage.samples import SampleStore
from drivers.simulator import PlantSimulator
from resources import DEMO_CONFIG

#: The machine the simulator's "silent" scenario silences, and its communication alarm.
SILENT_MACHINE = "washer"
COMM_ALARM = f"{SILENT_MACHINE}.@comm"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "selftest",
        help="check the installation end to end: simulator, polling, an alarm, the database",
        description=(
            "Start the plant simulator on a free local port, poll it with a headless station "
            "into a temporary database, raise and clear a communication alarm, read the "
            "database back. Exit 0 when every step passed."
        ),
    )
    parser.set_defaults(handler=run)


class _Report:
    """Prints each step as it passes or fails; remembers whether all passed."""

    def __init__(self) -> None:
        self.ok = True
        self.started = time.monotonic()

    def check(self, what: str, passed: bool, detail: str = "") -> bool:
        mark = "ok  " if passed else "FAIL"
        elapsed = time.monotonic() - self.started
        print(f"  [{mark}] {what}{f' ({detail})' if detail else ''}  {elapsed:5.1f} s", flush=True)
        self.ok = self.ok and passed
        return passed


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def run(args: argparse.Namespace) -> int:
    """Run every step; 0 when all passed."""
    del args
    print(f"ShopFloor Monitor {__version__} self-test")
    try:
        config = load_config(DEMO_CONFIG)
    except ConfigError as exc:
        print(f"the bundled demo config is unusable:\n{exc.report()}", file=sys.stderr)
        return 2
    report = _Report()
    report.check("demo configuration loaded", True, f"{len(config.devices)} devices")
    # The washer is silent from 3 s to 9 s of real time (30 s to 90 s simulated at 10x).
    sim = PlantSimulator(seed=1, scenario="silent", speed=10).start()
    with tempfile.TemporaryDirectory(prefix="shopfloor-selftest-") as folder:
        db_url = f"sqlite:///{Path(folder) / 'selftest.db'}"
        try:
            server = sim.serve_modbus_tcp("127.0.0.1", 0)
            report.check("plant simulator serves Modbus TCP", True, f"port {server.port}")
            station = Station(point_at(config, "127.0.0.1", server.port), db_url=db_url)
            station.start()
            try:
                _run_steps(station, report)
            finally:
                station.stop()
        finally:
            sim.stop()
        database = open_database(db_url)
        try:
            counts = SampleStore(database).counts(good_only=True)
            expected = {f"{d.name}.{t.name}" for d in config.devices for t in d.tags}
            report.check(
                "samples written and read back",
                expected <= set(counts),
                f"{sum(counts.values())} good samples of {len(counts)}/{len(expected)} tags",
            )
            kinds = [e.kind for e in EventStore(database).recent(100)]
            report.check(
                "events written and read back",
                EventKind.COMM_LOSS in kinds and EventKind.COMM_RESTORED in kinds,
                "communication lost and restored",
            )
        finally:
            database.dispose()
    print("self-test passed" if report.ok else "self-test FAILED", flush=True)
    return 0 if report.ok else 1


def _run_steps(station: Station, report: _Report) -> None:
    """Polling, then the communication alarm raised and returned to normal."""
    live, tags = station.engine.live, station.engine.tags

    def every_device_good() -> bool:
        return all(live.get(info.id).quality is Quality.GOOD for info in tags)

    report.check("every tag of every device polled good", _wait(every_device_good, 15.0))

    def alarm_in(*wanted: AlarmState) -> Callable[[], bool]:
        return lambda: station.alarms.view(COMM_ALARM).state in wanted

    report.check(
        f"alarm raised: {SILENT_MACHINE} stops answering",
        _wait(alarm_in(AlarmState.UNACK, AlarmState.ACKED), 20.0),
    )
    report.check(
        f"alarm returned to normal: {SILENT_MACHINE} answers again",
        _wait(alarm_in(AlarmState.RTN_UNACK, AlarmState.NORMAL), 20.0),
    )
