"""Issue 17: the alarm screens as a new user meets them (pytest-qt, a real manager and journal)."""

from __future__ import annotations

import random
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
from app.model import Event, EventKind, Severity
from app.security import Actor
from tests.alarm_support import Clock, batch, open_gateway, station, tag_ids
from widgets.alarms import AcknowledgeDialog, AlarmTableModel, AlarmWidgets, RecentUsers
from widgets.alarms.detail import AlarmDetailDialog
from widgets.alarms.model import AlarmFilterProxy, Column, state_text

PYMODBUS = "no answer to holding 0+4: [Input/Output] No response received after 0 retries"
CONFIG = station(
    {
        "washer": [
            {
                "name": "pressure",
                "description": "Spray pressure",
                "unit": "bar",
                "alarms": {
                    "hh": {"limit": 6.0, "priority": "critical"},
                    "h": {"limit": 5.0, "priority": "high"},
                },
            },
            *[
                {"name": f"t{i}", "alarms": {"h": {"limit": 1.0, "priority": "low"}}}
                for i in range(7)
            ],
        ]
    },
    title="Conveyor washer",
)
PRESSURE = 0


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


@pytest.fixture
def manager(tmp_path: Path, clock: Clock) -> AlarmManager:
    return AlarmManager(
        CONFIG, tag_ids(CONFIG), AlarmJournal(open_gateway(tmp_path / "s.db")), clock=clock
    )


@pytest.fixture
def views(qtbot, manager: AlarmManager):
    made = AlarmWidgets.create(manager, users=RecentUsers(["anna"]))
    for widget in (made.banner, made.summary, made.history, made.performance):
        qtbot.addWidget(widget)
    yield made
    made.bridge.close()


def _flip(n: int, rows: int, seq: int, t0: float, rng: random.Random) -> list[Transition]:
    """``n`` random changes (raise, ack, clear, priority) over ``rows`` alarms."""
    out = []
    for i in range(n):
        k = rng.randrange(rows)
        state = rng.choice([AlarmState.UNACK, AlarmState.ACKED, AlarmState.NORMAL])
        event = {
            AlarmState.UNACK: TransitionKind.RAISE,
            AlarmState.ACKED: TransitionKind.ACK,
            AlarmState.NORMAL: TransitionKind.CLEAR,
        }[state]
        out.append(
            Transition(
                seq=seq + i,
                timestamp=t0 + rng.random() * 100,
                alarm_id=f"d{k % 20}.t{k}.h",
                event=event,
                state=state,
                previous=AlarmState.NORMAL,
                priority=Priority(rng.randrange(1, 5)),
                device=f"d{k % 20}",
                tag=f"t{k}",
                condition="h",
                message=Message("alarm.custom", {"text": f"tag {k} {rng.random():.3f}"}),
                value=rng.random() * 100,
                flags={
                    "active_since": t0,
                    "acked_by": rng.choice(["anna", "bruno", None]),
                },
            )
        )
    return out


@pytest.mark.parametrize(
    ("column", "order"),
    [
        (Column.TIME, Qt.SortOrder.DescendingOrder),
        (Column.PRIORITY, Qt.SortOrder.AscendingOrder),
        (Column.MESSAGE, Qt.SortOrder.DescendingOrder),
        (Column.VALUE, Qt.SortOrder.DescendingOrder),
        (Column.STATE, Qt.SortOrder.AscendingOrder),
    ],
)
def test_the_summary_stays_in_the_order_its_arrow_claims_after_10000_changes(
    column: int, order: Qt.SortOrder
) -> None:
    rng = random.Random(column)
    model = AlarmTableModel()
    proxy = AlarmFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_group(AlarmFilterProxy.ALL)
    active = AlarmFilterProxy()
    active.setSourceModel(model)
    t0 = time.time()
    model.apply(_flip(2000, 2000, 1, t0, rng))
    proxy.sort(column, order)
    seq = 10_000
    for _ in range(100):  # 10,000 changes in batches of 100, each followed by a check
        model.apply(_flip(100, 2500, seq, t0, rng))
        seq += 100
        assert model.is_sorted()
        assert model.is_sorted(proxy._visible) and model.is_sorted(active._visible)
    assert proxy.rowCount() == model.rowCount()
    shown = [
        active.index(r, 0).data(Qt.ItemDataRole.UserRole + 2) for r in range(active.rowCount())
    ]
    expected = [r.alarm_id for r in model.rows() if r.state.annunciated]
    assert shown == expected  # the filtered view: the same rows, the same order


def test_sorting_holds_through_the_live_bridge(qtbot, views, manager, clock) -> None:
    summary = views.summary
    summary.table.sortByColumn(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    manager.on_batch(batch("washer", list(range(1, 8)), [2.0] * 7, clock.now))  # 7 low
    manager.on_batch(batch("washer", [PRESSURE], [5.5], clock.advance(1)))  # high
    qtbot.waitUntil(lambda: summary.proxy.rowCount() == 8, timeout=3000)
    assert summary.proxy.index(0, Column.PRIORITY).data() == "High"
    manager.on_batch(batch("washer", [PRESSURE], [6.5], clock.advance(1)))  # critical, on top
    qtbot.waitUntil(
        lambda: summary.proxy.index(0, Column.PRIORITY).data() == "Critical", timeout=3000
    )
    assert views.bridge.model.is_sorted()


def test_columns_are_wide_enough_for_their_header_and_every_state(qtbot, views) -> None:
    table = views.summary.table
    views.summary.resize(1500, 600)
    views.summary.show()
    qtbot.waitExposed(views.summary)
    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    widest_state = max(metrics.horizontalAdvance(state_text(s)) for s in AlarmState)
    assert table.columnWidth(Column.STATE) > widest_state + 12
    views.summary.group.setCurrentIndex(2)  # all alarms: every column shown
    for column in range(Column.COUNT):
        title = views.bridge.model.headerData(column, Qt.Orientation.Horizontal)
        # The title plus room for the sort arrow.
        assert not table.isColumnHidden(column), title
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title) + 20, (
            title
        )


def test_source_shows_titles_and_messages_carry_no_driver_text(qtbot, views, manager, clock):
    manager.on_batch(batch("washer", [PRESSURE], [5.5], clock.now))
    manager.on_event(
        Event(
            clock.advance(1),
            EventKind.COMM_LOSS,
            "washer",
            {"fault": "timeout", "detail": PYMODBUS},
            Severity.ERROR,
        )
    )
    summary = views.summary
    qtbot.waitUntil(
        lambda: (
            (row := views.bridge.model.row_of("washer.@comm")) is not None
            and row.state == AlarmState.UNACK
        ),
        timeout=3000,
    )
    rows = {
        summary.proxy.index(r, Column.SOURCE).data(): summary.proxy.index(r, Column.MESSAGE).data()
        for r in range(summary.proxy.rowCount())
    }
    assert rows == {"Conveyor washer": "No communication with Conveyor washer: no answer"}
    comm = views.bridge.model.row_of("washer.@comm")
    assert "Input/Output" not in views.bridge.model.message_text(comm)
    # The driver's own words stay available: tooltip and detail dialog.
    at = next(
        r
        for r in range(summary.proxy.rowCount())
        if summary.proxy.index(r, Column.SOURCE).data() == "Conveyor washer"
    )
    assert PYMODBUS in summary.proxy.index(at, Column.MESSAGE).data(Qt.ItemDataRole.ToolTipRole)
    dialog = AlarmDetailDialog(manager, "washer.@comm")
    qtbot.addWidget(dialog)
    assert dialog.detail is not None and dialog.detail.text() == PYMODBUS
    assert dialog.plot is None
    # No trend: the response box takes the room, no empty gap under "What to do".
    layout = dialog.layout()
    assert layout.stretch(layout.indexOf(dialog.response)) == 1


def test_the_shelved_list_says_who_until_when_and_why(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("washer", [PRESSURE], [5.5], clock.now))
    manager.shelve(["washer.pressure.h"], Actor.named("bruno"), "sensor being replaced", 1800)
    summary = views.summary
    summary.group.setCurrentIndex(1)  # shelved, suppressed, out of service
    qtbot.waitUntil(lambda: summary.proxy.rowCount() == 1, timeout=3000)
    for column in (Column.SHELVED_BY, Column.UNTIL, Column.REASON):
        assert not summary.table.isColumnHidden(column)
    cells = [
        summary.proxy.index(0, c).data() for c in (Column.SHELVED_BY, Column.UNTIL, Column.REASON)
    ]
    until = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(clock.now + 1800))
    assert cells == ["bruno", until, "sensor being replaced"]
    summary.group.setCurrentIndex(0)  # active alarms: those columns are not needed
    assert summary.table.isColumnHidden(Column.SHELVED_BY)


def test_history_groups_what_a_comm_loss_suppressed(qtbot, views, manager, clock) -> None:
    manager.on_batch(batch("washer", list(range(8)), [0.0] * 8, clock.now))
    lost = Event(clock.advance(1), EventKind.COMM_LOSS, "washer", {"fault": "timeout"})
    manager.on_event(lost)
    manager.on_event(Event(clock.advance(5), EventKind.COMM_RESTORED, "washer"))
    manager.on_batch(batch("washer", [PRESSURE], [5.54321], clock.advance(1)))
    assert manager.wait_journaled()
    history = views.history
    assert history.end_is_now
    assert abs(history.end.dateTime().toSecsSinceEpoch() - time.time()) < 120  # not +1 h
    with qtbot.waitSignal(history.searched, timeout=5000):
        history.refresh()
    model = history.model
    events = [model.index(r, 1).data() for r in range(model.rowCount())]
    # 17 alarms (limits and bad values) suppressed and re-enabled by one comm loss: folded.
    assert "Suppressed" not in events and "Re-enabled" not in events
    comments = {model.index(r, 8).data() for r in range(model.rowCount())}
    assert "17 alarms of this machine suppressed" in comments
    assert "17 alarms of this machine re-enabled" in comments
    raised = next(
        r
        for r in range(model.rowCount())
        if model.index(r, 4).data() == ("Conveyor washer · Spray pressure")
    )
    assert model.index(raised, 6).data() == "5.5 bar"  # the tag's precision, with its unit
    history.each.setChecked(True)  # one by one on demand
    events = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert events.count("Suppressed") == 17 and events.count("Re-enabled") == 17


def test_acknowledge_dialog_names_the_alarm_and_prefills_nobody(qtbot, views, manager, clock):
    manager.on_batch(batch("washer", [PRESSURE], [5.5], clock.now))
    users = RecentUsers()
    first = AcknowledgeDialog(manager, ["washer.pressure.h"], users)
    qtbot.addWidget(first)
    assert first.summary.text() == (
        "Acknowledge this alarm:\n• Conveyor washer · Spray pressure — "
        "Spray pressure high: above 5 bar"
    )
    assert first.user.currentText() == ""
    first.user.setCurrentText("bruno")
    first.accept()
    assert first.result() == 1
    manager.on_batch(batch("washer", [PRESSURE], [6.5], clock.advance(1)))
    second = AcknowledgeDialog(manager, ["washer.pressure.hh"], users)
    qtbot.addWidget(second)
    assert second.user.currentText() == ""  # the next person does not act as bruno
    second.accept()
    assert second.error.text() == "A user name is required"


def test_an_anomaly_shows_as_the_early_warning_of_its_limit_alarm(qtbot, views, manager, clock):
    summary = views.summary
    spike = Message("robust.spike_above", {"sigma": 5.1, "baseline": "1-hour"})
    explanation = Message("anomaly.tag", {"subject": "Spray pressure", "detail": spike})
    manager.raise_anomaly(clock.now, "washer", "pressure", "robust", 5.1, explanation)
    qtbot.waitUntil(lambda: summary.proxy.rowCount() == 1, timeout=3000)  # alone: its own row
    manager.on_batch(batch("washer", [PRESSURE], [5.5], clock.advance(42)))
    qtbot.waitUntil(
        lambda: views.bridge.model.row_of("washer.pressure.h").state == AlarmState.UNACK,
        timeout=3000,
    )
    sources = [
        summary.proxy.index(r, Column.SOURCE).data() for r in range(summary.proxy.rowCount())
    ]
    assert sources == ["Conveyor washer · Spray pressure"]  # one row, not two
    message = summary.proxy.index(0, Column.MESSAGE).data()
    assert message.startswith("Spray pressure high: above 5 bar")
    assert "early warning: anomaly 42 s before" in message
    tooltip = summary.proxy.index(0, Column.MESSAGE).data(Qt.ItemDataRole.ToolTipRole)
    assert "Spray pressure 5.1σ above its 1-hour baseline (spike)" in tooltip
    # Still its own alarm: journaled, counted, and acknowledged with its limit alarm.
    assert manager.view("washer.pressure.@anomaly.robust").state == AlarmState.UNACK
    assert views.bridge.model.counts()[Priority.MEDIUM] == (1, 1)
    summary.table.selectRow(0)
    asked: list[list[str]] = []

    def accept(dialog: AcknowledgeDialog) -> int:
        asked.append(dialog.alarm_ids)
        dialog.user.setCurrentText("anna")
        dialog.accept()
        return dialog.result()

    summary.exec_dialog = accept
    summary.acknowledge_selected()
    assert asked == [["washer.pressure.h", "washer.pressure.@anomaly.robust"]]
    # The limit alarm returns to normal: the anomaly, still active, shows on its own again.
    manager.on_batch(batch("washer", [PRESSURE], [1.0], clock.advance(1)))
    qtbot.waitUntil(
        lambda: (
            [summary.proxy.index(r, Column.MESSAGE).data() for r in range(summary.proxy.rowCount())]
            == ["Spray pressure 5.1σ above its 1-hour baseline (spike)"]
        ),
        timeout=3000,
    )


def test_performance_screen_fills_every_figure_and_draws_charts(qtbot, views, manager, clock):
    base = time.time() - 3000
    for k in range(14):  # a flood: 14 raises of 7 alarms within ten minutes
        values = [2.0 if k % 2 == 0 else 0.0] * 7
        manager.on_batch(batch("washer", list(range(1, 8)), values, base + k * 10))
    manager.on_batch(batch("washer", [PRESSURE], [5.5], base + 400))
    clock.now = base + 460
    manager.acknowledge(["washer.pressure.h"], Actor.named("anna"))
    performance = views.performance
    with qtbot.waitSignal(performance.calculated, timeout=10_000):
        performance.refresh()
    report = performance.report
    assert report is not None and report.alarms == 50 and report.median_ack_s == pytest.approx(60)
    texts = {key: label.text() for key, label in performance.figures.items()}
    assert all(text and text != "—" for text in texts.values()), texts
    assert texts["median_ack"] == "60 s" and texts["floods"] == "1"
    heights = performance.rate_bars.opts["height"]
    assert int(np.sum(heights)) == 50 and int(np.max(heights)) > 10  # the flood is a red bar
    assert len(performance.actor_bars.opts["width"]) == 8
    ticks = performance.actors_plot.getAxis("left")._tickLevels[0]
    assert any(label == "Conveyor washer · Spray pressure h" for _, label in ticks)
    kinds = {performance.lists.item(r, 0).text() for r in range(performance.lists.rowCount())}
    assert {"Flood", "Bad actor", "Chattering"} <= kinds


def test_history_folds_what_one_cause_did_to_many_alarms_at_once() -> None:
    from widgets.alarms.history import fold_comm

    def row(seq: int, alarm_id: str, kind: TransitionKind, t: float) -> Transition:
        return Transition(
            seq=seq,
            timestamp=t,
            alarm_id=alarm_id,
            event=kind,
            state=AlarmState.SUPPRESSED,
            previous=AlarmState.NORMAL,
            priority=Priority.LOW,
            device=alarm_id.split(".")[0],
            tag=None,
            condition="h",
            message=Message("alarm.custom", {"text": alarm_id}),
        )

    # Newest first, as the journal answers: the machine stopped (suppressed by design) at
    # t=10, one alarm was raised alone at t=20, another machine's alarm was suppressed alone.
    rows = [
        row(9, "m.c.h", TransitionKind.RAISE, 20.0),
        row(8, "other.x.h", TransitionKind.SUPPRESS, 10.0),
        row(7, "m.c.h", TransitionKind.SUPPRESS, 10.0),
        row(6, "m.b.h", TransitionKind.SUPPRESS, 10.0),
        row(5, "m.a.h", TransitionKind.SUPPRESS, 10.0),
    ]
    kept, folded = fold_comm(rows)
    assert [t.seq for t in kept] == [9, 8, 7]
    assert [t.seq for t in folded[7]] == [6, 5]


def test_only_the_priority_cell_is_coloured_when_painted(qtbot, views, manager, clock) -> None:
    """Painting asks for every role of a cell at once (multiData): a colour or an alignment
    meant for one cell must not leak into the others."""
    from PySide6.QtGui import QColor

    from widgets.alarms.model import PRIORITY_COLOURS

    summary = views.summary
    summary.resize(1400, 500)
    summary.show()
    qtbot.waitExposed(summary)
    manager.on_batch(batch("washer", [PRESSURE], [5.5], clock.now))
    qtbot.waitUntil(lambda: summary.proxy.rowCount() == 1, timeout=3000)
    image = summary.table.viewport().grab().toImage()
    high = QColor(PRIORITY_COLOURS[Priority.HIGH][0])

    def colour_at(column: int) -> QColor:
        rect = summary.table.visualRect(summary.proxy.index(0, column))
        return image.pixelColor(rect.left() + 3, rect.top() + 3)

    assert colour_at(Column.PRIORITY) == high
    for column in (Column.TIME, Column.STATE, Column.SOURCE, Column.MESSAGE, Column.VALUE):
        assert colour_at(column) != high, column
