"""The orders screen in a real window on a running station: a CSV imported (read on a worker
thread), an order started on the machine counts its simulated parts live, then completed; a
bad file imports nothing and says why."""

from __future__ import annotations

from pathlib import Path

from app.orders import OrderStatus
from tests.test_orders import press_config


def test_import_start_count_and_complete(open_window, qtbot, tmp_path: Path) -> None:
    window = open_window(press_config())
    view = window.orders
    window.tabs.setCurrentWidget(view)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order,part_number,quantity,due\nWO-1,EVH-220,100000,2099-12-31\n", encoding="utf-8"
    )
    with qtbot.waitSignal(view.imported, timeout=10_000) as done:
        view.import_file(orders)
    assert done.args == ["1 added, 0 updated, 0 kept as they run here"]
    assert view.model.rowCount() == 1
    view.select("WO-1")
    assert view.machine.currentText() == "press"
    view.start_button.click()
    book = window.station.orders
    assert book.get("WO-1").status is OrderStatus.RUNNING
    qtbot.waitUntil(lambda: book.get("WO-1").good >= 6, timeout=10_000)
    view.refresh()
    shown = view.model.index(0, 5).data()
    assert shown.startswith(f"{book.get('WO-1').good} / 100000")
    assert view.model.index(0, 4).data() == "Running"
    view.select("WO-1")
    view.complete_button.click()
    assert book.get("WO-1").status is OrderStatus.DONE
    assert view.message.text() == ""


def test_a_bad_file_is_refused_with_its_rows(open_window, qtbot, tmp_path: Path) -> None:
    window = open_window(press_config())
    bad = tmp_path / "bad.csv"
    bad.write_text("order,part_number,quantity,due\nWO-1,EVH-220,-3,2099-12-31\n", "utf-8")
    with qtbot.waitSignal(window.orders.imported, timeout=10_000) as done:
        window.orders.import_file(bad)
    assert done.args[0].startswith("Nothing imported: line 2, column quantity")
    assert window.orders.model.rowCount() == 0


def test_stock_levels_and_a_receipt(open_window, qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    from tests.test_orders import stock_config

    window = open_window(stock_config())
    view = window.orders
    assert view.stock.rowCount() == 2
    assert view.stock.item(1, 0).text() == "AlSi9Cu3"
    assert view.stock.item(1, 3).text() == "Low"  # 0 kg, warn below 500
    view.stock.selectRow(1)
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args: (750.0, True))
    view.receive_button.click()
    assert view.message.text() == ""
    view.refresh()
    assert view.stock.item(1, 1).text() == "750.0 kg"
    assert view.stock.item(1, 3).text() == "OK"


def test_the_sharing_screen_shows_the_policy(open_window) -> None:
    from app.config_loader import parse_config
    from tests.test_sharing import LEAD, config_with

    hourly = dict(LEAD, resolution_s=3600)
    window = open_window(parse_config(config_with({"version": 3, "partners": [hourly]})))
    view = window.sharing
    assert view.summary.text().startswith("Policy version 3")
    cells = [view.table.item(0, c).text() for c in range(view.table.columnCount())]
    assert cells == ["lead", "summary, status", "cnc.spindle_*", "1 h", "summary: mean, count"]


def test_orders_from_the_lead_show_their_counts_and_last_problem(
    open_window, qtbot, tmp_path: Path
) -> None:
    import time

    from app.config import SyncConfig
    from app.config.cluster import ClusterConfig
    from app.orders import WorkOrder
    from app.orders.feed import order_message, order_topic
    from tests.cluster_support import Sender
    from tests.mqtt_support import Broker
    from widgets.i18n import set_language

    broker = Broker(tmp_path / "broker").start()
    sender = None
    try:
        sync = SyncConfig(broker=broker.url, interval_s=60.0, retry_max_s=1.0)
        config = press_config().model_copy(
            update={"sync": sync, "cluster": ClusterConfig(receive_orders=True)}
        )
        window = open_window(config)
        view = window.orders
        window.tabs.setCurrentWidget(view)
        station = window.station
        assert view.feed_status.isVisible()
        assert station.order_subscriber is not None and station.order_feed is not None
        qtbot.waitUntil(station.order_subscriber.subscribed.is_set, timeout=15_000)
        info = station.config.station
        topic = order_topic("shopfloor", info.company, info.site, info.line, info.station)
        good = order_message(WorkOrder("WO-9", "EVH-220", 10, time.time() + 86400), 1, "lead")
        sender = Sender(broker)
        sender.send([(topic, good), (topic, {**good, "order_id": "WO-X", "quantity": "many"})])
        qtbot.waitUntil(lambda: station.order_feed.counts.received == 2, timeout=15_000)
        view.refresh()
        text = view.feed_status.text()
        assert text.startswith("Orders from the lead: 2 received, 1 applied, 0 repeated, 1 invalid")
        assert "Last problem: order 'WO-X': quantity: must be a whole number" in text
        assert [view.model.index(r, 0).data() for r in range(view.model.rowCount())] == [
            "WO-9 (rev. 1)"
        ]
        window.set_language("ko")
        qtbot.waitUntil(lambda: "주관사" in view.feed_status.text(), timeout=5000)
        text = view.feed_status.text()
        assert "주관사 작업지시: 수신 2, 적용 1, 중복 0, 무효 1" in text
        assert "작업지시 'WO-X': quantity: 1부터 1000000000까지의 정수여야 합니다" in text
        assert view.model.index(0, 0).data() == "WO-9 (개정 1)"
    finally:
        set_language("en")  # the translator is the application's: later tests read English
        if sender is not None:
            sender.close()
        broker.stop()
