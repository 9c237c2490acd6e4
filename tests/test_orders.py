"""Work orders: imported from real CSV and XLSX files (bad rows named by line and column), kept
in a real SQLite file through the gateway, run under the permission matrix and audited, counted
from a simulated machine's part counters in a running station, and still right after a restart;
ETA and delivery risk on hand-made timelines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from app.audit import AuditFilter, AuditTrail, query
from app.config import ConfigError
from app.config_loader import parse_config
from app.model import Quality, SampleBatch
from app.orders import OrderBook, OrderError, OrderStatus, Risk, WorkOrder, order_risk
from app.orders.importer import OrderFileError, read_orders
from app.orders.model import eta
from app.orders.tracker import OrderTracker
from app.security import AccessDenied, Actor
from app.station import Station
from app.tags import TagTable
from app.users import Role, UserPolicy, UserStore
from tests.alarm_support import open_gateway
from tests.waiting import wait_until

HOUR = 3600.0
NOW = 1_800_000_000.0
ADA = Actor.named("ada")
OLGA = Actor.named("olga")
EMIL = Actor.named("emil")


def press_config():  # type: ignore[no-untyped-def]
    return parse_config(
        {
            "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
            "devices": [
                {
                    "name": "press",
                    "driver": "simulated",
                    "poll_period_s": 0.1,
                    "production": {"good": "parts_good", "reject": "parts_reject"},
                    "tags": [
                        {"name": "parts_good", "type": "uint32", "signal": "counter:step=2"},
                        {"name": "parts_reject", "type": "uint32", "signal": "constant:mean=3"},
                    ],
                }
            ],
        }
    )


def order(order_id: str = "WO-1", quantity: int = 100, due: float = NOW + 10 * HOUR) -> WorkOrder:
    return WorkOrder(order_id=order_id, part_number="EVH-220", quantity=quantity, due=due)


# -- ETA and risk ------------------------------------------------------------------------------


def test_eta_and_risk_follow_the_rate_and_the_due_time() -> None:
    running = WorkOrder("WO", "P", 100, due=NOW + 2 * HOUR, status=OrderStatus.RUNNING, good=40)
    assert eta(running, 60.0, NOW) == NOW + HOUR  # 60 left at 60/h
    assert order_risk(running, 60.0, NOW) is Risk.ON_TIME
    assert order_risk(running, 20.0, NOW) is Risk.AT_RISK  # 3 h left, 2 h to go
    assert order_risk(running, None, NOW) is Risk.UNKNOWN
    assert order_risk(running, 60.0, NOW + 3 * HOUR) is Risk.LATE
    done_late = WorkOrder("WO", "P", 10, due=NOW, status=OrderStatus.DONE, finished_at=NOW + 1)
    assert order_risk(done_late, None, NOW + 5) is Risk.LATE
    assert running.progress == pytest.approx(0.4) and running.remaining == 60


# -- files -------------------------------------------------------------------------------------


def test_orders_from_csv_and_xlsx(tmp_path: Path) -> None:
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "Order;Part Number;Qty;Due;Customer\n"
        "WO-1;EVH-220;500;2026-12-10;Hanbit Motors\n"
        "WO-2;EVH-221;1,200;2026-12-11T14:00:00;\n",
        encoding="utf-8",
    )
    first, second = read_orders(csv_file)
    assert (first.order_id, first.part_number, first.quantity) == ("WO-1", "EVH-220", 500)
    assert first.due == datetime(2026, 12, 10, 23, 59, 59).timestamp()  # end of that day
    assert first.customer == "Hanbit Motors" and first.source == "import"
    assert second.quantity == 1200 and second.due == datetime(2026, 12, 11, 14).timestamp()

    book = Workbook()
    sheet = book.active
    sheet.append(["order", "part_number", "quantity", "due", "machine"])
    sheet.append([4711, "EVH-220", 50, datetime(2026, 12, 9, 8, 30), "press"])
    xlsx = tmp_path / "orders.xlsx"
    book.save(xlsx)
    (only,) = read_orders(xlsx)
    assert (only.order_id, only.quantity, only.machine) == ("4711", 50, "press")
    assert only.due == datetime(2026, 12, 9, 8, 30).timestamp()


def test_every_bad_row_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "order,part_number,quantity,due\n"
        "WO-1,EVH-220,ten,2026-12-10\n"
        "WO-2,,5,someday\n"
        "WO-3,EVH-220,0,2026-12-10\n"
        "WO-4,EVH-220,5,2026-12-10\n"
        "WO-4,EVH-220,6,2026-12-10\n",
        encoding="utf-8",
    )
    with pytest.raises(OrderFileError) as caught:
        read_orders(bad)
    assert caught.value.problems == [
        "line 2, column quantity: 'ten' is not a whole number above 0",
        "line 3, column part_number: empty",
        "line 3, column due: 'someday' is not a date (YYYY-MM-DD) or date and time",
        "line 4, column quantity: '0' is not a whole number above 0",
        "line 6, column order: 'WO-4' is also on line 5",
    ]
    header_only = tmp_path / "short.csv"
    header_only.write_text("order,quantity\n", encoding="utf-8")
    with pytest.raises(OrderFileError, match="missing column"):
        read_orders(header_only)
    with pytest.raises(OrderFileError):
        read_orders(tmp_path / "missing.csv")


# -- the book ----------------------------------------------------------------------------------


def users_book(db: Path) -> OrderBook:
    from app.users.admin import UserAdmin

    gateway = open_gateway(db)
    audit = AuditTrail(gateway, "S1")
    store = UserStore(gateway)
    policy = UserPolicy(store)
    admin = UserAdmin(store, policy, audit)
    if store.count() == 0:
        admin.add(None, "ada", Role.ADMIN, "correct horse")
        admin.add(ADA, "olga", Role.OPERATOR, "correct horse")
        admin.add(ADA, "emil", Role.ENGINEER, "correct horse")
    return OrderBook(gateway, policy, audit)


def test_the_book_under_the_permission_matrix_and_audited(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    book = users_book(db)
    with pytest.raises(AccessDenied):
        book.add(OLGA, order())  # an operator runs orders, does not add them
    book.add(EMIL, order())
    with pytest.raises(OrderError, match="exists already"):
        book.add(EMIL, order())
    result = book.import_orders(EMIL, [order("WO-1", quantity=120), order("WO-2")])
    assert (result.added, result.updated) == (["WO-2"], ["WO-1"])
    started = book.start(OLGA, "WO-1", "press")
    assert started.status is OrderStatus.RUNNING and started.machine == "press"
    with pytest.raises(OrderError, match="press is running order 'WO-1'"):
        book.start(OLGA, "WO-2", "press")
    again = book.import_orders(EMIL, [order("WO-1", quantity=999)])
    assert again.skipped == ["WO-1"]  # running here: what the station counts stays
    with pytest.raises(OrderError, match="needs a reason"):
        book.cancel(EMIL, "WO-2", " ")
    book.cancel(EMIL, "WO-2", "customer withdrew")
    book.complete(OLGA, "WO-1")
    assert book.gateway.flush()

    reopened = users_book(db)  # a restart reads what was written
    assert {o.order_id: o.status for o in reopened.all()} == {
        "WO-1": OrderStatus.DONE,
        "WO-2": OrderStatus.CANCELLED,
    }
    assert reopened.get("WO-1").quantity == 120
    actions = [
        (e.actor, e.action, e.outcome)
        for e in reversed(query(reopened.gateway.db, AuditFilter(since=0.0, action="order.")))
    ]
    assert actions == [
        ("emil", "order.add", "ok"),
        ("emil", "order.import", "ok"),
        ("olga", "order.start", "ok"),
        ("emil", "order.import", "ok"),
        ("emil", "order.cancel", "ok"),
        ("olga", "order.complete", "ok"),
    ]


def counters(tags: TagTable, good: float, reject: float, t: float) -> SampleBatch:
    ids = [tags.by_name("press.parts_good").id, tags.by_name("press.parts_reject").id]
    return SampleBatch(
        device="press",
        tag_ids=np.asarray(ids, dtype=np.int32),
        timestamps=np.full(2, t),
        values=np.asarray([good, reject]),
        quality=np.full(2, Quality.GOOD, dtype=np.uint8),
    )


def test_counting_from_counters_survives_a_restart_and_a_counter_reset(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    config = press_config()
    tags = TagTable(config)
    book = users_book(db)
    book.add(EMIL, order(quantity=100, due=NOW + HOUR))
    book.start(OLGA, "WO-1", "press")
    tracker = OrderTracker(config, tags, book)
    tracker.on_batch(counters(tags, 1000, 7, NOW))  # the baseline
    for minute in range(1, 11):  # 3 good parts a minute: 180/h
        tracker.on_batch(counters(tags, 1000 + 3 * minute, 7 + minute // 5, NOW + 60 * minute))
    progress = {p.order.order_id: p for p in tracker.progress(NOW + 600)}["WO-1"]
    assert (progress.order.good, progress.order.reject) == (30, 2)
    assert progress.rate_per_hour == pytest.approx(180.0)
    assert progress.eta == pytest.approx(NOW + 600 + 70 / 180 * HOUR)
    assert progress.risk is Risk.ON_TIME
    tracker.on_tick(NOW + 600)  # written about once a second
    assert book.gateway.flush()

    # Restarted: the machine made 12 more parts meanwhile, then its counter was reset to 0.
    book = users_book(db)
    tracker = OrderTracker(config, tags, book)
    tracker.on_batch(counters(tags, 1042, 9, NOW + 900))
    tracker.on_batch(counters(tags, 5, 0, NOW + 960))
    assert (book.get("WO-1").good, book.get("WO-1").reject) == (47, 2)


def test_a_running_station_counts_its_machines_parts(tmp_path: Path, sqlite_url: str) -> None:
    station = Station(press_config(), db_url=sqlite_url)
    station.start()
    try:
        station.orders.add(ADA, order())  # no users yet: any name may act, as before users
        station.orders.start(ADA, "WO-1", "press")
        wait_until(lambda: station.orders.get("WO-1").good >= 10, timeout=10)
        assert station.orders.get("WO-1").reject == 0  # a constant reject counter
    finally:
        station.stop()
    stored = Station(press_config(), db_url=sqlite_url)
    try:
        assert stored.orders.get("WO-1").good >= 10
        assert stored.orders.get("WO-1").counter_good is not None
    finally:
        stored.gateway.stop()


# -- stock -------------------------------------------------------------------------------------

STOCK = [
    {"item": "EVH-220", "kind": "finished", "low": 50},
    {
        "item": "AlSi9Cu3",
        "kind": "material",
        "unit": "kg",
        "low": 500,
        "per_part": {"EVH-220": 2.5},
    },
]


def stock_config():  # type: ignore[no-untyped-def]
    data = press_config().model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["stock"] = STOCK
    return parse_config(data)


def test_stock_follows_production_receipts_shipments_and_counts(tmp_path: Path) -> None:
    from app.orders.stock import StockBook

    db = tmp_path / "station.db"
    config = stock_config()
    tags = TagTable(config)
    book = users_book(db)
    stock = StockBook(config.stock, book.gateway, book, book.policy, book.audit)
    assert [(s.item, s.quantity, s.is_low) for s in stock.levels()] == [
        ("EVH-220", 0.0, True),
        ("AlSi9Cu3", 0.0, True),
    ]
    stock.receive(OLGA, "AlSi9Cu3", 1000, "delivery 4711")
    book.add(EMIL, order(quantity=500))
    book.start(OLGA, "WO-1", "press")
    tracker = OrderTracker(config, tags, book)
    tracker.on_batch(counters(tags, 10, 0, NOW))
    tracker.on_batch(counters(tags, 90, 0, NOW + 60))  # 80 good parts
    assert stock.level("EVH-220").quantity == 80
    assert stock.level("AlSi9Cu3").quantity == 1000 - 80 * 2.5
    assert not stock.level("EVH-220").is_low and not stock.level("AlSi9Cu3").is_low
    stock.ship(OLGA, "EVH-220", 40, "truck to Hanbit")
    assert stock.level("EVH-220").is_low  # 40 < 50
    with pytest.raises(AccessDenied):
        stock.count(OLGA, "EVH-220", 38)  # an operator moves stock, only engineers correct it
    stock.count(EMIL, "EVH-220", 38, "inventory")
    with pytest.raises(OrderError, match="no stock item 'EVH-999'"):
        stock.receive(OLGA, "EVH-999", 1)
    with pytest.raises(OrderError, match="above 0"):
        stock.ship(OLGA, "EVH-220", -3)
    tracker.on_tick(NOW + 61)
    assert book.gateway.flush()

    book = users_book(db)  # restarted: the moves and the orders give the same levels
    stock = StockBook(config.stock, book.gateway, book, book.policy, book.audit)
    assert stock.level("EVH-220").quantity == pytest.approx(38)
    assert stock.level("AlSi9Cu3").quantity == pytest.approx(800)
    moves = query(book.gateway.db, AuditFilter(since=0.0, action="stock."))
    assert [(e.actor, e.action, e.outcome) for e in reversed(moves)] == [
        ("olga", "stock.receipt", "ok"),
        ("olga", "stock.shipment", "ok"),
        ("emil", "stock.correction", "ok"),
    ]


def test_only_materials_are_used_per_part() -> None:
    data = press_config().model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["stock"] = [{"item": "EVH-220", "per_part": {"EVH-220": 1}}]
    with pytest.raises(ConfigError, match=r"stock\[0\].per_part: only a material"):
        parse_config(data)
