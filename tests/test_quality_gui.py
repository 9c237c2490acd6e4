"""The Quality screen: history filters on a generated 1,000,000-defect database (every query on
the reader thread, rows loaded page by page), the entry dialog's refusals, Pareto and SPC."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QDateTime
from sqlalchemy import event

from app.config_loader import load_config
from app.quality.queries import (
    DefectFilter,
    count_defects,
    defect_history_of,
    defect_page,
    pareto,
)
from app.quality.service import DefectDraft, QualityService
from app.security import Actor, StationUserPolicy
from app.storage import DatabaseGateway, open_database
from resources import DEMO_CONFIG
from tests.quality_data import DAY, generate
from tests.test_quality_store import png_bytes
from widgets.quality import QualityScreen
from widgets.quality.history import PAGE

END = 1_796_338_941.8
MILLION = 1_000_000


@pytest.fixture(scope="session")
def million(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("quality") / "defects.db"
    generate(path, MILLION, end=END)
    return path


@pytest.fixture
def screen(qtbot, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    """A Quality screen on a copy of the million-defect database (or an empty one)."""
    path = tmp_path / "station.db"
    if "million" in request.fixturenames:
        shutil.copy(request.getfixturevalue("million"), path)
    gateway = DatabaseGateway(open_database(path))
    gateway.start()
    service = QualityService(load_config(DEMO_CONFIG), gateway, StationUserPolicy())
    threads: set[str] = set()  # where SQL runs from here on (start-up made the tables)

    def record(*_args: object) -> None:
        threads.add(threading.current_thread().name)

    event.listen(gateway.db, "before_cursor_execute", record)
    widget = QualityScreen(service, gateway)
    widget.sql_threads = threads  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    yield widget
    gateway.close()


def set_window(screen: QualityScreen, start: float, end: float) -> None:
    history = screen.history
    history.start.setDateTime(QDateTime.fromSecsSinceEpoch(int(start)))
    history.end.setDateTime(QDateTime.fromSecsSinceEpoch(int(end)))


def choose(combo, value: str) -> None:  # type: ignore[no-untyped-def]
    combo.blockSignals(True)
    combo.setCurrentIndex(combo.findData(value))
    combo.blockSignals(False)


def test_history_filters_a_million_defects_on_the_reader_thread(
    qtbot, screen: QualityScreen, million: Path
) -> None:
    history = screen.history
    set_window(screen, END - 7 * DAY, END)
    choose(history.machine, "diecast")
    choose(history.code, "SCRATCH")
    screen.show()  # the first look runs the search
    with qtbot.waitSignal(history.searched, timeout=20_000):
        pass
    threads = screen.sql_threads  # type: ignore[attr-defined]
    assert threads == {"db-reader_0"}  # no SQL on the GUI thread
    model = history.model
    where = history.current_filter()
    db = screen.service.gateway.db
    assert len(model.rows) == PAGE
    assert all(d.machine == "diecast" and d.code == "SCRATCH" for d in model.rows)
    assert [d.id for d in model.rows] == [d.id for d in defect_page(db, where, 0, PAGE)]
    assert history.count == count_defects(db, where) > PAGE
    assert f"{history.count:,} defects match" in history.status.text()
    # Scrolling to the end asks for the next page, again on the reader thread.
    threads.clear()
    with qtbot.waitSignal(model.loaded, timeout=20_000):
        history.table.scrollToBottom()
        model.fetchMore()
    assert len(model.rows) == 2 * PAGE
    times = [d.ts for d in model.rows]
    assert times == sorted(times, reverse=True)
    # Sorting by serial is a new query, not a sort of what is loaded.
    with qtbot.waitSignal(model.loaded, timeout=20_000):
        model.sort(4, order=history.table.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    assert [d.serial for d in model.rows] == sorted(d.serial for d in model.rows)
    assert threads == {"db-reader_0"}


def test_pareto_view_shows_the_query(qtbot, screen: QualityScreen, million: Path) -> None:
    screen.setCurrentWidget(screen.pareto)
    screen.show()
    pareto_view = screen.pareto
    pareto_view.window.setCurrentIndex(4)  # 90 days
    qtbot.waitUntil(lambda: bool(pareto_view.items) and screen.reader.pending == 0, timeout=20_000)
    assert pareto_view.items[0][0] == "LEAK"
    counts = [n for _, n in pareto_view.items]
    assert counts == sorted(counts, reverse=True)
    assert sum(counts) > 900_000
    qtbot.waitUntil(lambda: bool(pareto_view.buckets), timeout=20_000)
    assert sum(n for _, n in pareto_view.buckets) == sum(counts)  # per day, same defects


def test_dialog_refuses_bad_input_and_enters_a_good_defect(
    qtbot, screen: QualityScreen, tmp_path: Path
) -> None:
    screen.show()
    dialog = screen.new_defect()
    dialog.user.setCurrentText("anna")
    dialog.machine.setCurrentIndex(dialog.machine.findData("leaktest"))
    dialog.code.setCurrentIndex(dialog.code.findData("LEAK"))
    dialog.serial.setText("EVH220-26-12")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=5000)
    assert "does not match the pattern" in dialog.error.text()
    fake = tmp_path / "photo.jpg"
    fake.write_text("not a photo", encoding="utf-8")
    dialog.serial.setText("EVH220-2611-000321")
    dialog.add_photo(fake)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=5000)
    assert "is not an image" in dialog.error.text()
    assert dialog.isVisible()
    dialog.photos.clear()
    good = tmp_path / "photo.png"
    good.write_bytes(png_bytes())
    dialog.add_photo(good)
    dialog.measured.setText("leak_decay=88.5")
    with qtbot.waitSignal(dialog.entered, timeout=5000):
        dialog.submit()
    assert not dialog.isVisible()
    gateway = screen.service.gateway
    assert gateway.flush()
    (stored,) = defect_page(gateway.db, DefectFilter(), 0, 10)
    assert (stored.serial, stored.inspector, stored.measured) == (
        "EVH220-2611-000321",
        "anna",
        {"leak_decay": 88.5},
    )
    assert screen.recent_users == ["anna"]
    assert pareto(gateway.db, DefectFilter()) == [("LEAK", 1)]


def test_spc_view_marks_rule_violations(qtbot, screen: QualityScreen) -> None:
    service = screen.service
    rng = np.random.default_rng(1)
    values = list(4.852 + 0.004 * rng.standard_normal(60))
    values[50] = 4.80  # a short casting: beyond 3 sigma
    for i, kg in enumerate(values):
        rejects = [("UNDERWEIGHT", {"weight": kg})] if kg < 4.835 or (i >= 40 and i % 2) else []
        service.record_part(
            1_790_000_000.0 + 45 * i, "leaktest", f"EVH220-2611-{i:06d}", [("weight", kg)], rejects
        )
    assert service.gateway.flush()
    spc_view = screen.spc
    spc_view.characteristic.setCurrentIndex(spc_view.characteristic.findData("weight"))
    screen.setCurrentWidget(spc_view)
    screen.show()
    qtbot.waitUntil(
        lambda: spc_view.i_chart.violations > 0 and spc_view.p_chart.violations > 0,
        timeout=10_000,
    )
    assert "Cpk" in spc_view.capability.text()
    assert 50.0 in spc_view.i_chart.bad.data["x"].tolist()  # the short casting is marked

    # X̄-R of 5 consecutive castings: the subgroup with the short one (index 10) is marked.
    spc_view.variables_kind.setCurrentIndex(spc_view.variables_kind.findData("xbar_r"))
    qtbot.waitUntil(
        lambda: (
            spc_view.i_chart.points.xData is not None and len(spc_view.i_chart.points.xData) == 12
        ),
        timeout=10_000,
    )
    assert spc_view.i_chart.plot.plotItem.titleLabel.text == "Subgroup means (X̄)"
    assert 10.0 in spc_view.i_chart.bad.data["x"].tolist()
    # The reject bursts as a c chart (rejects per subgroup of 10 parts), flagged too.
    spc_view.attributes_kind.setCurrentIndex(spc_view.attributes_kind.findData("c"))
    qtbot.waitUntil(
        lambda: "c chart" in spc_view.p_chart.plot.plotItem.titleLabel.text, timeout=10_000
    )
    qtbot.waitUntil(lambda: spc_view.p_chart.violations > 0, timeout=10_000)
    assert "on the c chart" in spc_view.status.text()


def test_disposition_and_void_from_the_history(qtbot, screen: QualityScreen) -> None:
    service = screen.service
    service.add_defect(
        Actor.named("anna"),
        DefectDraft(machine="cnc", code="BURR", serial="EVH220-2611-000555", ts=END - 3600),
    )
    assert service.gateway.flush()
    history = screen.history
    set_window(screen, END - DAY, END)
    with qtbot.waitSignal(history.searched, timeout=10_000):
        screen.show()
    assert len(history.model.rows) == 1
    assert not history.void_button.isEnabled()
    history.table.selectRow(0)
    assert history.disposition_button.isEnabled()
    dialog = screen.change_selected(void=False)
    assert dialog is not None
    dialog.user.setCurrentText("ben")
    dialog.disposition.setCurrentIndex(dialog.disposition.findData("rework"))
    with qtbot.waitSignal(history.searched, timeout=10_000):
        dialog.submit()
    assert history.model.rows[0].disposition == "rework"
    history.table.selectRow(0)
    void = screen.change_selected(void=True)
    assert void is not None
    void.user.setCurrentText("ben")  # no quality or supervisor role
    void.reason.setText("wrong part")
    void.submit()
    assert "may not perform 'defect.void'" in void.error.text() and void.isVisible()
    void.reject()
    (change,) = defect_history_of(service.gateway.db, history.model.rows[0].uid)
    assert (change.actor, change.before, change.after) == (
        "ben",
        {"disposition": "pending"},
        {"disposition": "rework"},
    )
