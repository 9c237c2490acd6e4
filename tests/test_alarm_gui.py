"""Alarm views with pytest-qt: banner, acknowledge with comment, summary, detail, history, load."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

import widgets  # noqa: F401  (applies the PySide6 work-arounds first)
from app.alarms.journal import AlarmJournal
from app.alarms.manager import AlarmManager
from app.alarms.model import AlarmState, Priority, Transition, TransitionKind
from app.messages import Message
from app.security import StationUserPolicy
from tests.alarm_support import Clock, batch, open_gateway, station, tag_ids
from widgets.alarms import (
    AcknowledgeDialog,
    AlarmBridge,
    AlarmTableModel,
    AlarmWidgets,
    RecentUsers,
    ShelveDialog,
)
from widgets.alarms.detail import AlarmDetailDialog
from widgets.alarms.model import ALARM_ID_ROLE, AlarmFilterProxy, Column

CONFIG = station(
    {
        "oven": [
            {
                "name": "temp",
                "description": "Zone 1 temperature",
                "unit": "°C",
                "alarms": {
                    "hh": {
                        "limit": 720,
                        "priority": "critical",
                        "message": "Oven far too hot",
                        "response": "Stop the line and open the door",
                    },
                    "h": {"limit": 700, "priority": "high"},
                },
            },
            {
                "name": "door",
                "alarms": {"discrete": [{"name": "open", "equals": 1, "priority": "low"}]},
            },
        ]
    },
    title="Curing oven",
)
TEMP, DOOR = 0, 1


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


@pytest.fixture
def manager(tmp_path: Path, clock: Clock) -> AlarmManager:
    journal = AlarmJournal(open_gateway(tmp_path / "station.db"))
    return AlarmManager(CONFIG, tag_ids(CONFIG), journal, clock=clock)


@pytest.fixture
def views(qtbot, manager: AlarmManager):
    def history(tag_id: int, t0: float, t1: float):
        t = np.linspace(t0, t1, 200)
        return t, 650 + 100 * (t > (t0 + t1) / 2)

    made = AlarmWidgets.create(manager, history=history, users=RecentUsers(["anna"]))
    for widget in (made.banner, made.summary, made.history, made.performance):
        qtbot.addWidget(widget)
    yield made
    made.bridge.close()


def feed_from_another_thread(
    manager: AlarmManager, device: str, tag: int, value: float, t: float
) -> None:
    """Like the engine's dispatcher: on_batch runs on a thread that is not the GUI's."""
    thread = threading.Thread(target=manager.on_batch, args=(batch(device, [tag], [value], t),))
    thread.start()
    thread.join()


def test_banner_counts_newest_and_flash(qtbot, views, manager, clock) -> None:
    banner = views.banner
    assert banner.newest.text() == "No active alarms"
    assert not banner.ack_button.isEnabled()
    feed_from_another_thread(manager, "oven", TEMP, 710, clock.now)
    qtbot.waitUntil(lambda: views.bridge.model.rowCount() >= 1, timeout=2000)
    qtbot.waitUntil(lambda: banner.counts[Priority.HIGH].text() == "High: 1 (1 new)", timeout=2000)
    # The machine's title, not its id; the message (naming the tag) rendered from its id.
    assert "Curing oven: Zone 1 temperature high: above 700 °C" in banner.newest.text()
    assert "oven.temp" not in banner.newest.text()
    feed_from_another_thread(manager, "oven", TEMP, 730, clock.now + 1)
    qtbot.waitUntil(lambda: "Oven far too hot" in banner.newest.text(), timeout=2000)
    assert banner.counts[Priority.CRITICAL].text() == "Critical: 1 (1 new)"
    assert banner.counts[Priority.LOW].text() == "Low: 0"
    # Flashing while anything waits for acknowledgement: the style alternates.
    assert banner._flash.isActive()
    label = banner.counts[Priority.CRITICAL]
    styles = set()
    for _ in range(3):
        styles.add(label.styleSheet())
        qtbot.wait(550)
    assert len(styles) == 2
    assert banner.ack_button.isEnabled()
    # Acknowledged: steady colours, no flash.
    from app.security import Actor

    manager.acknowledge(["oven.temp.hh", "oven.temp.h"], Actor.named("anna"))
    qtbot.waitUntil(lambda: not banner._flash.isActive(), timeout=2000)
    assert banner.counts[Priority.CRITICAL].text() == "Critical: 1"
    assert "font-weight: bold" in label.styleSheet() and "border: 2px" not in label.styleSheet()


def test_banner_sound_on_new_alarm(qtbot, views, manager, clock) -> None:
    beeps = []
    views.banner.beeper = lambda: beeps.append(1)
    feed_from_another_thread(manager, "oven", DOOR, 1, clock.now)
    qtbot.waitUntil(lambda: views.bridge.applied >= 1, timeout=2000)
    assert beeps == []  # sound is off by default
    views.banner.sound.setChecked(True)
    feed_from_another_thread(manager, "oven", TEMP, 710, clock.now + 1)
    qtbot.waitUntil(lambda: beeps == [1], timeout=2000)


def test_acknowledge_with_comment(qtbot, views, manager, clock, tmp_path) -> None:
    feed_from_another_thread(manager, "oven", TEMP, 730, clock.now)
    qtbot.waitUntil(lambda: views.summary.proxy.rowCount() == 2, timeout=2000)
    summary = views.summary
    summary.table.selectAll()

    def fill_and_accept(dialog: AcknowledgeDialog) -> int:
        # The dialog names the alarms (source and message), not only how many.
        lead, *named = dialog.summary.text().split("\n")
        assert lead == "Acknowledge these 2 alarms:"
        assert sorted(named) == [
            "• Curing oven · Zone 1 temperature — Oven far too hot",
            "• Curing oven · Zone 1 temperature — Zone 1 temperature high: above 700 °C",
        ]
        # A recent name is offered in the list but never prefilled: each person types theirs.
        assert dialog.user.currentText() == ""
        assert [dialog.user.itemText(i) for i in range(dialog.user.count())] == ["anna"]
        dialog.user.setCurrentText("Bruno")
        dialog.comment.setPlainText("burner reset, temperature falling")
        dialog.accept()
        return dialog.result()

    summary.exec_dialog = fill_and_accept
    done = summary.acknowledge_selected()
    assert sorted(done) == ["oven.temp.h", "oven.temp.hh"]
    view = manager.view("oven.temp.hh")
    assert (view.state, view.acked_by, view.ack_comment) == (
        AlarmState.ACKED,
        "Bruno",
        "burner reset, temperature falling",
    )
    assert views.users.names[:2] == ["Bruno", "anna"]
    assert manager.wait_journaled()  # the writer thread commits it; the dialog did not wait
    with sqlite3.connect(tmp_path / "station.db") as db:
        rows = db.execute(
            "SELECT alarm_id, actor, comment FROM alarm_journal WHERE event = 'ack' ORDER BY seq"
        ).fetchall()
    assert sorted(rows) == [
        ("oven.temp.h", "Bruno", "burner reset, temperature falling"),
        ("oven.temp.hh", "Bruno", "burner reset, temperature falling"),
    ]
    qtbot.waitUntil(lambda: summary.proxy.index(0, Column.ACKED_BY).data() == "Bruno", timeout=2000)


def test_banner_button_acknowledges_everything_waiting(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("oven", [TEMP, DOOR], [730, 1], clock.now))
    manager.on_batch(batch("oven", [DOOR], [0], clock.now + 1))  # door: returned, unacked
    qtbot.waitUntil(lambda: views.banner.ack_button.isEnabled(), timeout=2000)
    views.summary.search.setText("temp")  # the summary's filter does not matter here
    asked: list[list[str]] = []

    def accept(dialog: AcknowledgeDialog) -> int:
        asked.append(dialog.alarm_ids)
        dialog.user.setCurrentText("anna")  # no comment
        dialog.accept()
        return dialog.result()

    views.summary.exec_dialog = accept
    views.banner.ack_button.click()
    assert asked == [["oven.door.open", "oven.temp.h", "oven.temp.hh"]]
    assert manager.view("oven.door.open").state == AlarmState.NORMAL
    assert manager.view("oven.temp.hh").acked_by == "anna"
    qtbot.waitUntil(lambda: not views.banner.ack_button.isEnabled(), timeout=2000)


def test_acknowledge_dialog_refuses_bad_input_in_plain_words(qtbot, tmp_path, clock) -> None:
    journal = AlarmJournal(open_gateway(tmp_path / "s.db"))
    manager = AlarmManager(
        CONFIG, tag_ids(CONFIG), journal, clock=clock, policy=StationUserPolicy(users=["anna"])
    )
    manager.on_batch(batch("oven", [TEMP], [710], clock.now))
    dialog = AcknowledgeDialog(manager, ["oven.temp.h"], RecentUsers())
    qtbot.addWidget(dialog)
    dialog.user.setCurrentText("   ")
    dialog.accept()
    assert dialog.error.text() == "A user name is required"
    assert dialog.result() == 0
    dialog.user.setCurrentText("mallory")
    dialog.accept()
    assert "mallory may not perform 'alarm.acknowledge': not a user of this station" in (
        dialog.error.text()
    )
    assert manager.view("oven.temp.h").state == AlarmState.UNACK
    dialog.user.setCurrentText("anna")
    dialog.comment.setPlainText("x" * 2001)
    dialog.accept()
    assert "longer than 2000" in dialog.error.text()
    dialog.comment.setPlainText("ok")
    dialog.accept()
    assert dialog.result() == 1 and dialog.done_ids == ["oven.temp.h"]


def test_shelve_dialog(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("oven", [TEMP], [710], clock.now))
    dialog = ShelveDialog(manager, ["oven.temp.h"], views.users)
    qtbot.addWidget(dialog)
    assert dialog.minutes.maximum() == 480  # 8 h maximum shelve time
    assert dialog.user.currentText() == ""  # never someone else's name
    dialog.user.setCurrentText("anna")
    dialog.accept()
    assert dialog.error.text() == "a reason is required to shelve an alarm"
    dialog.reason.setPlainText("thermocouple replaced at 10:00")
    dialog.minutes.setValue(30)
    dialog.accept()
    view = manager.view("oven.temp.h")
    assert view.state == AlarmState.SHELVED and view.shelve.until == clock.now + 1800
    qtbot.waitUntil(
        lambda: (
            (row := views.bridge.model.row_of("oven.temp.h")) is not None
            and row.state == AlarmState.SHELVED
        ),
        timeout=2000,
    )
    assert views.summary.proxy.rowCount() == 0
    views.summary.group.setCurrentIndex(1)  # shelved, suppressed, out of service
    assert views.summary.proxy.rowCount() == 1


def test_summary_filters_and_sorts(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("oven", [TEMP, DOOR], [730, 1], clock.now))
    qtbot.waitUntil(lambda: views.summary.proxy.rowCount() == 3, timeout=2000)
    summary = views.summary
    summary.table.sortByColumn(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    order = [summary.proxy.index(r, Column.SOURCE).data() for r in range(3)]
    temp = "Curing oven · Zone 1 temperature"
    assert order == [temp, temp, "Curing oven · door"]  # titles, not ids
    # At the tag's fixed precision (widgets.format.tag_decimals), with its unit, as on the tile.
    assert summary.proxy.index(0, Column.VALUE).data() == "730.0 °C"
    assert summary.proxy.index(0, Column.PRIORITY).data() == "Critical"
    summary.search.setText("DOOR")
    assert summary.proxy.rowCount() == 1
    summary.search.setText("")
    summary.priority_boxes[Priority.CRITICAL].setChecked(False)
    assert summary.proxy.rowCount() == 2


def test_detail_shows_response_and_trend(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("oven", [TEMP], [730], clock.now))
    dialog = AlarmDetailDialog(manager, "oven.temp.hh", views.summary.history)
    qtbot.addWidget(dialog)
    assert dialog.response.toPlainText() == "Stop the line and open the door"
    assert dialog.plot is not None
    curve = dialog.plot.getPlotItem().listDataItems()[0]
    x, y = curve.getData()
    assert x[0] == pytest.approx(-300) and x[-1] == pytest.approx(300)
    assert (y[0], y[-1]) == (650, 750)  # the history callable's step is on the plot
    assert dialog.ack_button.isEnabled()
    no_trend = AlarmDetailDialog(manager, "oven.temp.h", None)
    qtbot.addWidget(no_trend)
    assert no_trend.plot is None


def test_history_search(qtbot, views, manager, clock) -> None:
    from app.security import Actor

    manager.on_batch(batch("oven", [TEMP], [730], clock.now))
    manager.acknowledge(["oven.temp.h"], Actor.named("anna"), "checked the burner")
    views.history.search.setText("burner")
    with qtbot.waitSignal(views.history.searched, timeout=5000):
        views.history.refresh()
        assert views.history.busy and not views.history.spinner.isHidden()  # on the reader
    assert not views.history.busy and views.history.spinner.isHidden()
    assert views.history.model.rowCount() == 1
    assert views.history.model.index(0, 8).data() == "checked the burner"
    assert views.history.model.index(0, 1).data() == "Acknowledged"
    assert views.history.status.text().startswith("1 entries")


def test_performance_screen(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("oven", [TEMP], [730], time.time() - 60))
    with qtbot.waitSignal(views.performance.calculated, timeout=5000):
        views.performance.refresh()
        assert not views.performance.button.isEnabled()  # computing on a worker thread
    assert views.performance.report is not None and views.performance.report.alarms == 2
    assert "2 alarms" in views.performance.summary.text()
    figures = views.performance.figures
    assert figures["alarms"].text() == "2"
    assert figures["top10"].text() == "100 %"


def test_journal_error_shown_in_banner(qtbot, tmp_path, clock) -> None:
    db = tmp_path / "s.db"
    journal = AlarmJournal(open_gateway(db, busy_timeout_ms=20))
    manager = AlarmManager(CONFIG, tag_ids(CONFIG), journal, clock=clock)
    made = AlarmWidgets.create(manager)
    qtbot.addWidget(made.banner)
    blocker = sqlite3.connect(db, timeout=0.02)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        manager.on_batch(batch("oven", [TEMP], [710], clock.now))
        qtbot.waitUntil(
            lambda: made.banner.journal.isVisible() or made.banner.journal.text() != "",
            timeout=3000,
        )
        assert "Alarm journal not written (1 waiting)" in made.banner.journal.text()

        def high_counts() -> tuple[int, int]:
            made.bridge.flush()  # the alarm-notify thread hands the group over after its grace
            return made.bridge.model.counts()[Priority.HIGH]

        qtbot.waitUntil(lambda: high_counts() == (1, 1), timeout=3000)  # still annunciated
    finally:
        blocker.rollback()
        blocker.close()
        made.bridge.close()


# -- load -------------------------------------------------------------------------------------


def _transitions(
    n: int, start_seq: int, t0: float, state: AlarmState, event: TransitionKind, offset: int = 0
) -> list[Transition]:
    return [
        Transition(
            seq=start_seq + i,
            timestamp=t0 + i * 1e-4,
            alarm_id=f"dev{(i + offset) % 50}.t{i + offset}.h",
            event=event,
            state=state,
            previous=AlarmState.NORMAL,
            priority=Priority((i + offset) % 4 + 1),
            device=f"dev{(i + offset) % 50}",
            tag=f"t{i + offset}",
            condition="h",
            message=Message("alarm.custom", {"text": f"tag {i + offset} high"}),
            value=float(i),
            flags={"active_since": t0},
        )
        for i in range(n)
    ]


def test_100k_rows_and_a_flood_keep_20_fps(qtbot, views) -> None:
    """100,000 alarms in the summary, then 10,000 transitions within one second, applied the way
    the bridge does (one batch per 100 ms tick): no tick, repaint included, freezes the view."""
    summary = views.summary
    summary.resize(1200, 700)
    summary.show()
    qtbot.waitExposed(summary)
    model: AlarmTableModel = views.bridge.model
    base = model.rowCount()  # the station's own alarms, all normal
    t0 = time.time()
    raised = _transitions(100_000, 1, t0, AlarmState.UNACK, TransitionKind.RAISE)
    started = time.perf_counter()
    model.apply(raised)
    load_s = time.perf_counter() - started
    assert model.rowCount() == base + 100_000
    assert summary.proxy.rowCount() == 100_000
    assert load_s < 5.0, f"loading 100,000 rows took {load_s:.1f} s"

    ticks = []
    seq = 100_001
    for chunk in range(10):  # 10 ticks x 1,000 transitions = 10,000 in one second
        # Acknowledge 500 alarms and return 500 others to normal (they leave the active view).
        acks = _transitions(
            500, seq, t0 + 1, AlarmState.ACKED, TransitionKind.ACK, offset=chunk * 1000
        )
        clears = _transitions(
            500,
            seq + 500,
            t0 + 1,
            AlarmState.NORMAL,
            TransitionKind.CLEAR,
            offset=chunk * 1000 + 500,
        )
        seq += 1000
        summary_before = summary.proxy.rowCount()
        # CPU time of this (the GUI) thread: what the tick costs, not how busy the machine is.
        begin = time.thread_time()
        views.bridge._collect(acks + clears)
        views.bridge.flush()
        summary.table.viewport().repaint()
        views.banner.refresh()
        ticks.append(time.thread_time() - begin)
        assert summary.proxy.rowCount() == summary_before - 500
    assert (
        model.counts()[Priority.CRITICAL][0]
        + model.counts()[Priority.HIGH][0]
        + (model.counts()[Priority.MEDIUM][0] + model.counts()[Priority.LOW][0])
        == 95_000
    )
    worst = max(ticks)
    print(
        f"100k rows loaded in {load_s * 1000:.0f} ms; flood ticks: "
        f"median {sorted(ticks)[5] * 1000:.1f} ms, worst {worst * 1000:.1f} ms"
    )
    # No tick freezes the view (10 frames a second at the least, even on a loaded machine); the
    # 20 frames a second target is measured by tests/bench/bench_alarm_gui.py, not asserted here.
    assert sorted(ticks)[8] < 0.100, [f"{t * 1000:.0f} ms" for t in ticks]

    # Sorting 100,000 rows is one Python sort, not a C++ sort calling back into Python.
    begin = time.perf_counter()
    summary.table.sortByColumn(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    sort_s = time.perf_counter() - begin
    assert summary.proxy.index(0, Column.PRIORITY).data() == "Critical"
    assert sort_s < 2.0, f"sorting took {sort_s:.2f} s"


def test_new_alarms_take_their_sorted_place() -> None:
    model = AlarmTableModel()
    proxy = AlarmFilterProxy()
    proxy.setSourceModel(model)
    t0 = time.time()
    model.apply(_transitions(8, 1, t0, AlarmState.UNACK, TransitionKind.RAISE))
    proxy.sort(Column.TIME, Qt.SortOrder.DescendingOrder)
    newest = _transitions(1, 100, t0 + 10, AlarmState.UNACK, TransitionKind.RAISE, offset=50)
    model.apply(newest)
    assert proxy.index(0, Column.SOURCE).data() == "dev0 · t50"  # newest on top
    proxy.sort(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    critical = _transitions(1, 200, t0 + 20, AlarmState.UNACK, TransitionKind.RAISE, offset=60)
    assert critical[0].priority == Priority.CRITICAL
    model.apply(critical)
    order = [proxy.index(r, Column.PRIORITY).data() for r in range(proxy.rowCount())]
    assert order == sorted(order, key=["Critical", "High", "Medium", "Low"].index)
    assert proxy.index(0, Column.SOURCE).data() == "dev10 · t60"
    # A flood of new alarms arrives as one block on top, sorted among itself.
    flood = _transitions(100, 300, t0 + 30, AlarmState.UNACK, TransitionKind.RAISE, offset=1000)
    model.apply(flood)
    assert model.rowCount() == 110
    assert proxy.index(0, Column.PRIORITY).data() == "Critical"
    ids = [model.index(i, 0).data(ALARM_ID_ROLE) for i in range(110)]
    assert len(set(ids)) == 110
    assert all(model.row_of(a).alarm_id == a for a in ids)  # the id -> position index holds


def test_proxy_group_filters() -> None:
    model = AlarmTableModel()
    proxy = AlarmFilterProxy()
    proxy.setSourceModel(model)
    t0 = time.time()
    model.apply(_transitions(4, 1, t0, AlarmState.UNACK, TransitionKind.RAISE))
    model.apply(
        [
            *_transitions(1, 10, t0, AlarmState.SHELVED, TransitionKind.SHELVE),
            *_transitions(1, 11, t0, AlarmState.NORMAL, TransitionKind.CLEAR, offset=1),
        ]
    )
    assert proxy.rowCount() == 2
    proxy.set_group(AlarmFilterProxy.HIDDEN)
    assert proxy.rowCount() == 1
    proxy.set_group(AlarmFilterProxy.ALL)
    assert proxy.rowCount() == 4
    # A transition older than what the row shows is ignored (snapshot/listener overlap).
    model.apply(_transitions(1, 5, t0, AlarmState.UNACK, TransitionKind.RAISE))
    assert model.row_of("dev0.t0.h").state == AlarmState.SHELVED


def test_bridge_snapshot_then_transitions(qtbot, manager, clock) -> None:
    manager.on_batch(batch("oven", [TEMP], [710], clock.now))
    bridge = AlarmBridge(manager)
    try:
        assert bridge.model.row_of("oven.temp.h").state == AlarmState.UNACK
        assert bridge.model.rowCount() == len(manager.alarm_ids())
        feed_from_another_thread(manager, "oven", TEMP, 500, clock.now + 1)
        qtbot.waitUntil(
            lambda: bridge.model.row_of("oven.temp.h").state == AlarmState.RTN_UNACK,
            timeout=2000,
        )
    finally:
        bridge.close()


def test_live_flood_from_the_dispatcher_thread_keeps_the_gui_responsive(qtbot, tmp_path) -> None:
    """10,000 transitions within one second from a real manager on another thread (journal on
    SQLite included); the GUI thread's event loop keeps turning at 20 Hz or better."""
    from PySide6.QtCore import QTimer

    tags = 2500
    config = station(
        {"line": [{"name": f"t{i}", "alarms": {"h": {"limit": 1}}} for i in range(tags)]}
    )
    manager = AlarmManager(config, tag_ids(config), open_gateway(tmp_path / "f.db"))
    made = AlarmWidgets.create(manager)
    qtbot.addWidget(made.summary)
    qtbot.addWidget(made.banner)
    made.summary.resize(1200, 700)
    made.summary.show()
    qtbot.waitExposed(made.summary)
    ids = np.arange(tags)
    done = threading.Event()
    # What earlier tests left (100,000 rows of the load test, deleted widgets) is freed now, not
    # in the middle of the measurement.
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()

    def dispatcher() -> None:
        now = time.time()
        for k in range(4):  # 4 batches x 2,500 transitions = 10,000 within one second
            value = 5.0 if k % 2 == 0 else 0.0
            manager.on_batch(batch("line", ids, np.full(tags, value), now + k * 0.25))
            time.sleep(0.2)
        done.set()

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    applies: list[float] = []
    made.bridge.updated.connect(lambda: applies.append(made.bridge.last_apply_ms))
    heartbeat.start()
    thread = threading.Thread(target=dispatcher)
    thread.start()
    qtbot.waitUntil(done.is_set, timeout=10_000)
    qtbot.waitUntil(lambda: made.bridge.applied >= 10_000, timeout=5000)
    heartbeat.stop()
    thread.join()
    gaps = np.diff(beats) * 1000
    print(
        f"live flood: {made.bridge.applied} transitions applied; event-loop gaps "
        f"p50 {np.percentile(gaps, 50):.0f} ms, p95 {np.percentile(gaps, 95):.0f} ms, "
        f"max {gaps.max():.0f} ms; model updates {len(applies)}, slowest {max(applies):.0f} ms; "
        f"journal rows {manager.journal_status.written}"
    )
    assert manager.journal_status.written == 10_000
    # The view keeps moving (10 frames a second at the least, on a loaded machine too); the
    # 20 frames a second target is a benchmark figure (tests/bench/bench_alarm_gui.py).
    assert np.percentile(gaps, 95) < 100
    assert gaps.max() < 250  # no freeze (the OS may still pause us on a busy shared machine)
    made.bridge.close()


ALARM_TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context><name>AlarmTableModel</name>
  <message><source>Critical</source><translation>긴급</translation></message>
</context>
<context><name>AlarmBanner</name>
  <message><source>Sound</source><translation>소리</translation></message>
</context>
<context><name>AlarmActionDialog</name>
  <message><source>User</source><translation>사용자</translation></message>
</context>
<context><name>AcknowledgeDialog</name>
  <message><source>Comment</source><translation>메모</translation></message>
</context>
</TS>
"""


def test_views_use_the_translation_catalogue(qtbot, qapp, tmp_path, manager) -> None:
    import shutil
    import subprocess
    import sys

    from PySide6.QtCore import QLocale

    from widgets.alarms.model import priority_text
    from widgets.i18n import install_translators

    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    assert lrelease is not None
    (tmp_path / "shopfloor_ko.ts").write_text(ALARM_TS, encoding="utf-8")
    subprocess.run(
        [lrelease, str(tmp_path / "shopfloor_ko.ts")], check=True, capture_output=True, timeout=60
    )
    installed = install_translators(qapp, QLocale("ko_KR"), directory=tmp_path)
    try:
        assert priority_text(Priority.CRITICAL) == "긴급"
        made = AlarmWidgets.create(manager)
        qtbot.addWidget(made.banner)
        assert made.banner.sound.text() == "소리"
        assert made.banner.counts[Priority.CRITICAL].text() == "긴급: 0"
        dialog = AcknowledgeDialog(manager, ["oven.temp.h"], RecentUsers())
        qtbot.addWidget(dialog)
        labels = {dialog.form.labelForField(w).text() for w in (dialog.user, dialog.comment)}
        assert labels == {"사용자", "메모"}
        made.bridge.close()
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
    assert priority_text(Priority.CRITICAL) == "Critical"


def test_a_deleted_bridge_stops_listening(qtbot, manager, clock) -> None:
    from PySide6.QtCore import QObject

    parent = QObject()
    bridge = AlarmBridge(manager, parent=parent)
    assert len(manager._listeners) == 1
    parent.deleteLater()
    qtbot.waitUntil(lambda: len(manager._listeners) == 0, timeout=2000)
    del bridge
    feed_from_another_thread(manager, "oven", TEMP, 710, clock.now)  # nobody to tell: fine
    assert manager.view("oven.temp.h").state == AlarmState.UNACK


def test_operator_actions_never_stall_the_gui_while_another_process_locks_the_database(
    qtbot, tmp_path, clock
) -> None:
    """Acknowledge, shelve and a history search with the database locked for 10 s by another
    process: the GUI thread's event loop keeps turning (no gap over 250 ms) and every action is
    in the journal once the lock is gone."""
    from PySide6.QtCore import QTimer

    from tests.alarm_support import make_plain_manager
    from tests.db_support import LockHolder

    db = tmp_path / "station.db"
    manager = make_plain_manager(CONFIG, db, clock)  # the production gateway, 5 s busy timeout
    made = AlarmWidgets.create(manager, users=RecentUsers(["anna"]))
    for widget in (made.banner, made.summary, made.history):
        qtbot.addWidget(widget)
    made.summary.show()
    qtbot.waitExposed(made.summary)
    feed_from_another_thread(manager, "oven", TEMP, 730, clock.now)
    feed_from_another_thread(manager, "oven", DOOR, 1, clock.now)
    qtbot.waitUntil(lambda: made.summary.proxy.rowCount() == 3, timeout=2000)
    assert manager.wait_journaled()
    for warm_up in (AcknowledgeDialog, ShelveDialog):  # first-use costs of Qt, not of the DB
        warm_up(manager, ["oven.temp.h"], made.users).deleteLater()

    def acknowledge() -> None:
        dialog = AcknowledgeDialog(manager, ["oven.temp.hh", "oven.temp.h"], made.users)
        dialog.user.setCurrentText("anna")
        dialog.comment.setPlainText("while the database is locked")
        dialog.accept()
        assert dialog.result() == 1
        dialog.deleteLater()

    def shelve() -> None:
        dialog = ShelveDialog(manager, ["oven.door.open"], made.users)
        dialog.user.setCurrentText("anna")
        dialog.reason.setPlainText("door switch being replaced")
        dialog.accept()
        assert dialog.result() == 1
        dialog.deleteLater()

    # What earlier tests left (deleted widgets, 100,000 rows) is freed now, not while we measure.
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    # No collection runs during the measurement either: a Qt test collects only at its end
    # (tests/conftest.py); what is measured is the database lock.
    assert not gc.isenabled()
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    with LockHolder(db, 10.0) as holder:
        heartbeat.start()
        QTimer.singleShot(100, acknowledge)
        QTimer.singleShot(300, shelve)
        QTimer.singleShot(500, made.history.refresh)
        QTimer.singleShot(
            700, lambda: feed_from_another_thread(manager, "oven", TEMP, 500, clock.now + 1)
        )
        qtbot.waitUntil(lambda: not made.banner.journal.isHidden(), timeout=9000)
        assert "Alarm journal not written" in made.banner.journal.text()
        assert manager.view("oven.temp.hh").acked_by == "anna"  # done at once, in memory
        assert manager.view("oven.door.open").state == AlarmState.SHELVED
        # The search ran on the reader thread: journaled rows plus those still in memory.
        qtbot.waitUntil(lambda: not made.history.busy, timeout=9000)
        assert made.history.model.rowCount() >= 6
        qtbot.waitUntil(
            lambda: holder.proc is not None and holder.proc.poll() is not None, timeout=15_000
        )
        heartbeat.stop()
        holder.wait_released()
    gaps = np.diff(beats) * 1000
    print(
        f"GUI with the database locked 10 s: {len(beats)} beats, gaps p50 "
        f"{np.percentile(gaps, 50):.0f} ms, max {gaps.max():.0f} ms"
    )
    assert len(beats) > 300
    # Waiting on the lock would stall the loop for seconds (the lock is held 10 s, SQLite's busy
    # timeout is 5 s); 250 ms leaves room for a loaded 2-core machine's scheduler, not for that.
    assert gaps.max() < 250, f"the event loop stalled {gaps.max():.0f} ms"
    assert manager.wait_journaled(20)
    qtbot.waitUntil(lambda: made.banner.journal.isHidden(), timeout=3000)
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT alarm_id, event, actor, comment FROM alarm_journal"
            " WHERE actor IS NOT NULL ORDER BY seq"
        ).fetchall()
    assert sorted(rows) == [
        ("oven.door.open", "shelve", "anna", "door switch being replaced"),
        ("oven.temp.h", "ack", "anna", "while the database is locked"),
        ("oven.temp.hh", "ack", "anna", "while the database is locked"),
    ]
    made.bridge.close()
