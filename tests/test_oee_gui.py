"""The OEE screen and the downtime reason list on a real station whose simulated press stops
every few seconds: the list opens by itself without blocking anything, an answer leaves it,
and the screen shows the line row, the six big losses and the Pareto by reason."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.config_loader import load_config
from tests.test_downtime import MACHINES, REASONS


def test_a_stop_asks_for_a_reason_without_blocking_and_feeds_the_pareto(
    tmp_path: Path, qtbot, open_window
) -> None:  # type: ignore[no-untyped-def]
    text = (
        (MACHINES + REASONS.replace("[oee]\n", "[oee]\ninterval_s = 1\n"))
        .replace(
            'states = { "1" = "Running", "3" = "Fault" }',
            'states = { "1" = "Running", "3" = "Fault" }\nproduction = { good = "count", '
            "ideal_cycle_s = 0.5 }",
        )
        .replace(
            'signal = "square:mean=2,amplitude=1,period=4"',
            'signal = "square:mean=2,amplitude=1,period=4"\n  [[devices.tags]]\n  name = "count"\n'
            '  signal = "counter:step=1"',
            1,
        )
    )
    path = tmp_path / "cell.toml"
    path.write_text(text, encoding="utf-8")
    window = open_window(load_config(path))
    prompt = window.downtime
    dialog = prompt.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=15_000)  # the press stood still for 1.5 s
    assert not dialog.isModal() and QApplication.activeModalWidget() is None
    assert dialog.stops.count() >= 1 and dialog.stops.item(0).text().startswith("press")
    # Monitoring goes on while it is open: OEE intervals keep closing.
    tracker = window.station.oee
    qtbot.waitUntil(lambda: "press" in tracker.last, timeout=15_000)
    seen = tracker.last["press"].end
    qtbot.waitUntil(lambda: tracker.last["press"].end > seen, timeout=15_000)

    # Pick the oldest stop and Mechanical > Jam, save.
    dialog.stops.setCurrentRow(0)
    uid = dialog.chosen_stop()
    assert not dialog.save.isEnabled()  # no reason chosen yet
    mech = dialog.tree.topLevelItem(0)
    assert mech.text(0) == "Mechanical" and not mech.flags() & Qt.ItemFlag.ItemIsSelectable
    dialog.tree.setCurrentItem(mech.child(1))
    assert dialog.chosen_reason() == "MECH/JAM" and dialog.save.isEnabled()
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert uid not in {s.uid for s in window.station.downtime.unexplained()}
    assert "Mechanical > Jam" in dialog.status.text()

    # The screen: the current shift (three shifts cover every hour), the line's row last.
    view = window.oee
    window.tabs.setCurrentWidget(view)
    view.period.setCurrentIndex(view.period.findData("shift"))
    rows = view.table.rowCount()
    assert rows == 2 and view.cell(rows - 1, 0) == "Whole line"

    def shift_so_far() -> float:
        live = [r for (m, _, _), r in tracker.shift_live.items() if m == "press"]
        return live[0].planned_s if live else 0.0

    qtbot.waitUntil(lambda: shift_so_far() >= 8, timeout=20_000)  # two fault-run cycles
    view.refresh()
    availability = float(view.cell(0, 1).split()[0])
    assert 20 <= availability <= 80, view.cell(0, 1)  # half of the time in fault
    qtbot.waitUntil(lambda: any(k == "MECH/JAM" for k, _, _ in view.pareto_items), timeout=5_000)
    shares = [share for *_, share in view.pareto_items]
    assert shares == sorted(shares) and shares[-1] == 1.0  # cumulative
    assert view.loss_values[0] > 0  # breakdowns (fault) in the six big losses
    view.unexplained.click()
    assert dialog.isVisible()
