"""OEE per shift across restarts, on a real SQLite file: a finished shift is listed again by a
new tracker on a new gateway with the same figures; a restart in the middle of a shift goes on
from the stored counts; a station killed with SIGKILL loses at most the interval in progress."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.config import StationConfig
from app.config_loader import load_config
from app.model import Quality, SampleBatch
from app.oee.shifts import LINE, MACHINE, ShiftStore, load_shifts
from app.oee.tracker import OeeTracker
from app.storage import DatabaseGateway
from app.tags import TagTable
from tests.alarm_support import open_gateway
from tests.pg_support import history_url, postgres_server  # noqa: F401 (fixtures)
from tests.test_oee import CELL, at

# One shift 10:00-11:00 without breaks, two machines of different speeds.
SHIFT_CELL = (
    CELL.replace('start = "06:00"\nend = "14:00"', 'start = "10:00"\nend = "11:00"').replace(
        'breaks = [{ start = "09:00", end = "09:30" }]\n', ""
    )
    + """
[[devices]]
name = "lathe"
driver = "simulated"
state_tag = "state"
states = { "1" = "Running", "3" = "Fault" }
production = { good = "good", ideal_cycle_s = 60.0 }
  [[devices.tags]]
  name = "state"
  signal = "constant:mean=1"
  [[devices.tags]]
  name = "good"
  signal = "constant:mean=0"
"""
)


def cell(tmp_path: Path) -> StationConfig:
    path = tmp_path / "cell.toml"
    path.write_text(SHIFT_CELL, encoding="utf-8")
    return load_config(path)


class Run:
    """One run of the station's OEE tracker on the database file (a new gateway each time)."""

    def __init__(
        self,
        config: StationConfig,
        db: Path | str,
        now: float,
        held: threading.Event | None = None,
    ) -> None:
        self.gateway: DatabaseGateway = open_gateway(db)
        self.tags = TagTable(config)
        if held is not None:  # the db-reader thread busy until ``held`` is set
            self.gateway.read(lambda _db: held.wait(10))
        self.tracker = OeeTracker(config, self.tags, 1800.0, None, now, ShiftStore(self.gateway))
        if held is None:
            self.tracker.resume(wait=5.0)  # the stored shifts, read on db-reader

    def poll(self, device: str, t: float, **values: float) -> None:
        ids = [self.tags.by_name(f"{device}.{n}").id for n in values]
        self.tracker.on_batch(
            SampleBatch.uniform(
                device,
                np.asarray(ids, dtype=np.int32),
                t,
                np.asarray(list(values.values()), dtype=np.float64),
                np.zeros(len(ids), dtype=np.uint8) + Quality.GOOD,
            )
        )

    def stop(self) -> None:
        assert self.gateway.flush()
        self.gateway.close()


def test_a_finished_shift_is_listed_again_after_a_restart(tmp_path: Path) -> None:
    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-12-03 10:00")
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("lathe", start, state=1, good=0)
    first.poll("cnc", start + 1500, state=3, good=50, reject=0)  # 10:25 a 10-minute fault
    first.poll("cnc", start + 2100, state=1, good=50, reject=0)
    first.poll("cnc", start + 3599, state=1, good=100, reject=5)
    first.poll("lathe", start + 3599, state=1, good=55)
    first.tracker.tick(start + 1800)
    first.tracker.tick(start + 3600)  # the shift ends
    key = ("cnc", "day", "2026-12-03")
    seen = first.tracker.shift_done[key]
    assert (seen.good, seen.reject, seen.run_s) == (100, 5, 3000)
    first.stop()

    second = Run(config, db, start + 4000)
    assert second.tracker.shift_done[key] == seen  # every figure, as the first run had it
    assert second.tracker.shift_done[("lathe", "day", "2026-12-03")].good == 55
    assert second.tracker.shift_live == {}
    records = {(r.scope, r.name): r for r in load_shifts(second.gateway.db)}
    assert set(records) == {(MACHINE, "cnc"), (MACHINE, "lathe"), (LINE, "")}
    cnc, line = records[(MACHINE, "cnc")], records[(LINE, "")]
    assert cnc.final and line.final and cnc.unobserved_s == 0
    assert (cnc.shift_start, cnc.shift_end) == (start, start + 3600)
    assert cnc.stop_s == 600 and cnc.result.oee == pytest.approx(30 * 100 / 3600)
    # The line: both machines' times and counts; performance weighs each by its own cycle.
    assert (line.result.good, line.result.reject, line.result.planned_s) == (155, 5, 7200)
    assert line.result.performance == pytest.approx((30 * 105 + 60 * 55) / (3000 + 3600))
    second.stop()


def test_a_restart_mid_shift_goes_on_from_the_stored_counts(
    tmp_path: Path,
    history_url: str,  # noqa: F811 (an SQLite file, then a database on a real PostgreSQL)
) -> None:
    config, db = cell(tmp_path), history_url
    start = at("2026-12-03 10:00")
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("cnc", start + 1799, state=1, good=40, reject=1)
    first.tracker.tick(start + 1800)  # 10:30: the shift so far is stored
    first.poll("cnc", start + 1900, state=1, good=45, reject=1)  # lost with the "crash"
    first.stop()
    stored = {r.name: r for r in load_shifts(open_gateway(db).db) if r.scope == MACHINE}
    assert not stored["cnc"].final and stored["cnc"].result.good == 40

    # Back at 10:40 (the counter was reset by the restart of the machine's PLC).
    second = Run(config, db, start + 2400)
    key = ("cnc", "day", "2026-12-03")
    assert second.tracker.shift_live[key].good == 40  # the screen goes on from the stored
    second.poll("cnc", start + 2400, state=1, good=0, reject=0)
    second.poll("cnc", start + 3599, state=1, good=30, reject=2)
    second.tracker.tick(start + 3600)
    done = second.tracker.shift_done[key]
    assert (done.good, done.reject) == (70, 3)
    assert done.run_s == 1800 + 1200 and done.planned_s == 3000  # 10:30-10:40 not seen
    second.stop()
    cnc = next(r for r in load_shifts(open_gateway(db).db) if r.key == key)
    assert cnc.final and cnc.unobserved_s == 600 and cnc.result.good == 70


def test_a_shift_that_ended_while_the_station_was_off_becomes_final(tmp_path: Path) -> None:
    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-12-03 10:00")
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("cnc", start + 1799, state=1, good=40, reject=0)
    first.tracker.tick(start + 1800)
    first.stop()
    second = Run(config, db, start + 7200)  # back after the shift's end
    key = ("cnc", "day", "2026-12-03")
    assert second.tracker.shift_done[key].good == 40 and key not in second.tracker.shift_live
    second.stop()
    cnc = next(r for r in load_shifts(open_gateway(db).db) if r.key == key)
    assert cnc.final and cnc.unobserved_s == 1800  # the half hour it did not see


def test_a_clean_stop_stores_the_shift_so_far(tmp_path: Path) -> None:
    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-12-03 10:00")
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("cnc", start + 600, state=1, good=20, reject=0)
    first.tracker.close_partial(start + 700)  # the station stops at 10:11:40
    first.stop()
    second = Run(config, db, start + 800)
    assert second.tracker.shift_live[("cnc", "day", "2026-12-03")].good == 20
    second.stop()


def test_a_slow_read_never_overwrites_the_stored_shift(tmp_path: Path) -> None:
    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-12-03 10:00")
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("cnc", start + 1799, state=1, good=40, reject=0)
    first.tracker.tick(start + 1800)
    first.stop()
    # Restarted at 10:30; the stored shifts come back only after the shift has ended.
    held = threading.Event()
    second = Run(config, db, start + 1800, held)
    second.poll("cnc", start + 1800, state=1, good=0, reject=0)
    second.poll("cnc", start + 3599, state=1, good=25, reject=0)
    second.tracker.tick(start + 3600)
    key = ("cnc", "day", "2026-12-03")
    assert second.tracker.shift_done[key].good == 25  # this run's only, so far
    assert second.gateway.flush()
    stored = [r for r in load_shifts(second.gateway.db) if r.key == key]
    assert [(r.final, r.result.good) for r in stored] == [(False, 40)]  # left as it was
    held.set()
    second.tracker.resume(wait=5.0)  # the answer is in: both runs' parts make the shift
    done = second.tracker.shift_done[key]
    assert (done.good, done.run_s, done.planned_s) == (65, 3600, 3600)
    second.stop()
    (cnc,) = [r for r in load_shifts(open_gateway(db).db) if r.key == key]
    assert cnc.final and cnc.result.good == 65 and cnc.unobserved_s == 0


def test_a_stop_before_the_read_answers_leaves_the_stored_shift(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-12-03 10:00")
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("cnc", start + 1799, state=1, good=40, reject=0)
    first.tracker.tick(start + 1800)
    first.stop()
    held = threading.Event()
    second = Run(config, db, start + 1800, held)
    second.poll("cnc", start + 1800, state=1, good=0, reject=0)
    second.poll("cnc", start + 1900, state=1, good=5, reject=0)
    second.tracker.close_partial(start + 2000, wait=0.2)  # the reader still busy
    assert "stored OEE shifts not read" in caplog.text
    held.set()
    second.stop()
    (cnc,) = [r for r in load_shifts(open_gateway(db).db) if r.key[0] == "cnc"]
    assert (cnc.result.good, cnc.result.end) == (40, start + 1800)  # the last run's, kept


# -- a real station process killed with SIGKILL ---------------------------------------------

KILL_CELL = """
[station]
company = "c"
site = "s"
line = "l"
station = "WS-09"

[oee]
interval_s = 1

[[devices]]
name = "press"
driver = "simulated"
poll_period_s = 0.1
state_tag = "state"
states = { "1" = "Running" }
production = { good = "count", ideal_cycle_s = 0.1 }
  [[devices.tags]]
  name = "state"
  signal = "constant:mean=1"
  [[devices.tags]]
  name = "count"
  signal = "counter:step=1"
"""


def stored_press(db: Path, shift: tuple[str, str] | None = None) -> tuple[str, str, float, int]:
    """(shift, day, seen_until, good) of the press's newest shift (or of ``shift``); empty
    figures before the first store."""
    nothing = ("", "", 0.0, 0)
    if not db.exists():
        return nothing
    conn = sqlite3.connect(db, timeout=5)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "oee_shifts" not in tables:
            return nothing
        where = "scope = 'machine' AND name = 'press'"
        if shift is not None:
            where += f" AND shift = '{shift[0]}' AND day = '{shift[1]}'"
        row = conn.execute(
            f"SELECT shift, day, seen_until, good FROM oee_shifts WHERE {where} "
            "ORDER BY shift_start DESC LIMIT 1"
        ).fetchone()
        return nothing if row is None else (str(row[0]), str(row[1]), float(row[2]), int(row[3]))
    finally:
        conn.close()


def headless(config: Path, db: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "app", "run", "--headless", "--config", str(config)]
    return subprocess.Popen(
        [*command, "--db", f"sqlite:///{db}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(proc: subprocess.Popen[bytes], ready, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while not ready():
        assert proc.poll() is None, "the station exited early"
        assert time.monotonic() < deadline, f"no {what} within 30 s"
        time.sleep(0.05)  # polling a condition


def test_kill_9_loses_at_most_the_interval_in_progress(tmp_path: Path) -> None:
    config, db = tmp_path / "cell.toml", tmp_path / "station.db"
    config.write_text(KILL_CELL, encoding="utf-8")
    proc = headless(config, db)
    try:
        # Readiness: a few intervals of the shift are stored.
        wait_for(proc, lambda: stored_press(db)[3] >= 20, "stored shift")
    finally:
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    shift, day, until, good = stored_press(db)
    assert killed_at - until <= 1.0 + 0.5  # one interval (1 s) and the commit's own time
    # Started again: the shift goes on from the stored count, never from zero.
    proc = headless(config, db)
    try:
        wait_for(proc, lambda: stored_press(db, (shift, day))[2] > killed_at + 1, "new store")
        again = stored_press(db, (shift, day))
        assert again[3] > good
    finally:
        proc.terminate()
        proc.wait(15)
    assert proc.returncode == 0
    final = stored_press(db, (shift, day))
    assert final[2] >= again[2] and final[3] >= again[3]


# -- the command line -----------------------------------------------------------------------


def test_the_command_line_lists_stored_shifts_as_text_and_json(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json
    from datetime import datetime

    from app.cli import main

    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-12-03 10:00")
    run = Run(config, db, start)
    run.poll("cnc", start, state=1, good=0, reject=0)
    run.poll("lathe", start, state=1, good=0)
    run.poll("cnc", start + 1500, state=3, good=50, reject=0)
    run.poll("cnc", start + 2100, state=1, good=50, reject=0)
    run.poll("cnc", start + 3599, state=1, good=100, reject=5)
    run.poll("lathe", start + 3599, state=1, good=55)
    run.tracker.tick(start + 1800)
    run.tracker.tick(start + 3600)
    run.stop()
    span = ["--from", "2026-12-03T00:00+09:00", "--to", "2026-12-04T00:00+09:00"]

    assert main(["oee", "shifts", "--db", str(db), *span, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["scope"], r["machine"]) for r in rows] == [
        ("machine", "cnc"),
        ("machine", "lathe"),
        ("line", None),
    ]
    cnc = rows[0]
    assert (cnc["shift"], cnc["day"], cnc["final"]) == ("day", "2026-12-03", True)
    assert cnc["shift_start_iso"] == "2026-12-03T01:00:00+00:00"  # 10:00 in Seoul
    assert (cnc["planned_s"], cnc["run_s"], cnc["stop_s"]) == (3600, 3000, 600)
    assert (cnc["good"], cnc["total"]) == (100, 105)
    assert cnc["oee"] == pytest.approx(30 * 100 / 3600)
    assert rows[2]["good"] == 155

    assert main(["oee", "shifts", "--db", str(db), *span]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["day", "shift", "start-end", "machine"]
    cnc_line = lines[1].split()
    assert cnc_line[:2] == ["2026-12-03", "day"] and cnc_line[3] == "cnc"
    assert cnc_line[2] == datetime.fromtimestamp(start).astimezone().strftime("%H:%M-") + (
        datetime.fromtimestamp(start + 3600).astimezone().strftime("%H:%M")
    )  # without --config: this computer's time zone
    assert cnc_line[4:8] == ["83.3%", "105.0%", "95.2%", "83.3%"]  # A, P, Q, OEE
    assert cnc_line[-4:] == ["100", "105", "0.0", "final"]
    assert lines[3].split()[3] == "(line)"
    # With the station's config: the calendar's time zone (Seoul).
    assert (
        main(["oee", "shifts", "--db", str(db), "--config", str(tmp_path / "cell.toml"), *span])
        == 0
    )
    assert capsys.readouterr().out.splitlines()[1].split()[2] == "10:00-11:00"

    # Nothing in another range; a bad time and a missing file are one clear line each.
    assert (
        main(["oee", "shifts", "--db", str(db), "--from", "2025-01-01", "--to", "2025-01-02"]) == 0
    )
    assert capsys.readouterr().out.strip() == "no stored shifts in this time range"
    assert main(["oee", "shifts", "--db", str(db), "--from", "yesterday"]) == 2
    assert "not a time: 'yesterday'" in capsys.readouterr().err
    assert main(["oee", "shifts", "--db", str(tmp_path / "none.db")]) == 2
    assert "no database at" in capsys.readouterr().err
