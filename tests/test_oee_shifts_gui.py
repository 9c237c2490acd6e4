"""The OEE screen offers the stored shifts: a day older than what the tracker keeps in memory
is listed from the database and its figures are read on the db-reader thread when chosen."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app.oee import shifts
from app.oee.shifts import load_shifts
from tests.test_oee import at
from tests.test_oee_shifts import Run, cell
from widgets.oee_view import BY_DAY, OeeView


def test_the_screen_lists_a_stored_shift_and_shows_its_figures(
    tmp_path: Path, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    config, db = cell(tmp_path), tmp_path / "station.db"
    start = at("2026-10-01 10:00")  # two months back: beyond the tracker's fortnight
    first = Run(config, db, start)
    first.poll("cnc", start, state=1, good=0, reject=0)
    first.poll("lathe", start, state=1, good=0)
    first.poll("cnc", start + 1500, state=3, good=50, reject=0)
    first.poll("cnc", start + 2100, state=1, good=50, reject=0)
    first.poll("cnc", start + 3599, state=1, good=100, reject=5)
    first.poll("lathe", start + 3599, state=1, good=55)
    first.tracker.tick(start + 1800)
    first.tracker.tick(start + 3600)
    first.stop()

    now = time.time()
    second = Run(config, db, now)  # a station started today
    assert all(day != "2026-10-01" for _, _, day in second.tracker.shift_done)
    reads: list[str] = []

    def watched(database, since=None, until=None, *, day=None):  # type: ignore[no-untyped-def]
        reads.append(threading.current_thread().name)
        return load_shifts(database, since, until, day=day)

    monkeypatch.setattr(shifts, "load_shifts", watched)
    view = OeeView(second.tracker, refresh_ms=50)
    qtbot.addWidget(view)
    view.show()
    view.period.setCurrentIndex(view.period.findData(BY_DAY))
    qtbot.waitUntil(lambda: view.day.findData("2026-10-01") >= 0, timeout=5_000)
    view.day.setCurrentIndex(view.day.findData("2026-10-01"))
    view.shift.setCurrentIndex(view.shift.findData("day"))
    qtbot.waitUntil(lambda: view.cell(0, 1) != "–", timeout=5_000)
    assert view.caption.text() == "2026-10-01, day"
    # cnc: A 3000/3600, P 30 x 105 / 3000, Q 100/105, OEE 30 x 100 / 3600; then the lathe.
    assert [view.cell(0, c) for c in range(1, 7)] == [
        "83.3 %",
        "105.0 %",
        "95.2 %",
        "83.3 %",
        "100",
        "5",
    ]
    assert view.cell(1, 5) == "55"
    assert view.cell(2, 0) == "Whole line" and view.cell(2, 5) == "155"
    assert reads and all(name.startswith("db-reader") for name in reads)  # never the GUI's
    second.stop()
