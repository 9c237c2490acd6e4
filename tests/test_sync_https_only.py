"""A station that only posts to an HTTPS endpoint: ``[sync]`` without a broker, with
``[sync.https]``. Its config is checked with key paths; the station runs the HTTPS sink alone
(a real HTTPS server, no broker anywhere); the status bar and the sync screen show that sink;
the outbox purge goes by the sink's cursor, as no row gets an MQTT delivery mark."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app.config_loader import load_config
from app.station import Station
from app.sync.outbox import OutboxMessage, OutboxPurge, OutboxState, OutboxWriteKind
from tests.alarm_support import open_gateway
from tests.https_support import HttpsEndpoint
from tests.test_sync_config import check, write
from tests.waiting import wait_until


def https_only(tmp_path: Path, endpoint: HttpsEndpoint, extra: str = "") -> Path:
    return write(
        tmp_path,
        f'\n[sync]\ninterval_s = 1.0\n{extra}[sync.https]\nurl = "{endpoint.url}"\n'
        f'ca_file = "{endpoint.ca_file}"\nretry_min_s = 0.1\nretry_max_s = 0.5\n',
    )


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("interval_s = 60", "sync.broker: required key is missing (or give an enabled"),
        (
            'interval_s = 60\n[sync.https]\nurl = "https://c"\nenabled = false',
            "sync.broker: required key is missing (or give an enabled [sync.https]",
        ),
        (
            '[sync.https]\nurl = "https://c"\n[sync.sparkplug]\ngroup_id = "g"',
            "sync.broker: [sync.sparkplug] publishes on the broker: give one",
        ),
        (
            '[sync.https]\nurl = "https://c"\n[cluster]\nreceive_orders = true',
            "cluster.receive_orders: orders come through the broker of [sync]; sync.broker is",
        ),
    ],
)
def test_check_config_names_what_an_https_only_station_lacks(
    tmp_path: Path, table: str, expected: str
) -> None:
    done = check(write(tmp_path, f"\n[sync]\n{table}\n"))
    assert done.returncode != 0
    assert expected in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_an_https_only_station_posts_without_a_broker(tmp_path: Path) -> None:
    endpoint = HttpsEndpoint(tmp_path / "pki").start()
    db = tmp_path / "station.db"
    path = https_only(tmp_path, endpoint)
    assert check(path).returncode == 0
    station = Station(load_config(path), db_url=f"sqlite:///{db}")
    sync = station.sync
    assert sync is not None and sync.publisher is None and sync.sparkplug is None
    assert [s.name for s in sync.sinks] == ["https"]
    assert station.order_subscriber is None
    station.start()
    try:
        wait_until(lambda: len(endpoint.ingest.deduped()) >= 5, 20, "messages over HTTPS")
        kinds = {m["kind"] for m in endpoint.ingest.deduped()}
        assert {"summary", "status"} <= kinds, kinds
        wait_until(lambda: sync.status.connected, 10, "the HTTPS sink's status")
        assert sync.status.message.id == "sync.https.ok"
        names = {t.name for t in threading.enumerate()}
        assert "sync-mqtt" not in names and "sync-sparkplug" not in names
        # The station status says the HTTPS sink's backlog, not a count that only grows.
        statuses = [m for m in endpoint.ingest.deduped() if m["kind"] == "status"]
        assert statuses and statuses[-1]["data"]["backlog"] < 50
        # The endpoint away: the backlog grows and the status says why; back: it drains.
        endpoint.stop()
        wait_until(lambda: not sync.status.connected, 15, "the sink noticing")
        wait_until(lambda: sync.status.backlog >= 3, 20, "a backlog")
        assert sync.status.last_error is not None
        endpoint.start()
        wait_until(lambda: sync.status.backlog == 0, 20, "the backlog drained")
    finally:
        station.stop()
        endpoint.stop()
    ids = [m["id"] for m in endpoint.ingest.deduped()]
    conn = sqlite3.connect(db, timeout=5)
    try:
        stored = [r[0] for r in conn.execute("SELECT id FROM sync_outbox ORDER BY seq")]
    finally:
        conn.close()
    assert set(stored) <= set(ids)  # everything the station made arrived


def test_the_purge_without_mqtt_marks_goes_by_the_cursor(tmp_path: Path) -> None:
    gateway = open_gateway(tmp_path / "station.db")
    state = OutboxState()
    kind = gateway.register(OutboxWriteKind(state))
    old = time.time() - 30 * 86_400
    gateway.submit(kind, [OutboxMessage("summary", "s", {"n": n}, created=old) for n in range(6)])
    gateway.submit(kind, [OutboxMessage("summary", "s", {"n": 9}, created=time.time())])
    assert gateway.flush()
    floor: list[int | None] = [None]
    purge = OutboxPurge(7.0, floor=lambda: floor[0], marks=False)
    database = gateway.db
    assert not purge.step(database) and purge.deleted == 0  # no cursor known: all kept
    floor[0] = 4  # the HTTPS sink is done with 1..4
    purge.step(database)
    assert purge.deleted == 4
    floor[0] = 7
    purge.step(database)
    assert purge.deleted == 6  # the new one (7) is younger than keep_delivered_days
    marked = OutboxPurge(7.0, floor=lambda: 7)  # with an MQTT publisher: needs its marks
    marked.step(database)
    assert marked.deleted == 0
    gateway.close()


def test_status_bar_and_sync_screen_show_the_https_sink_alone(
    tmp_path: Path, qtbot, open_window
) -> None:  # type: ignore[no-untyped-def]
    from widgets.sync_view import SyncView

    endpoint = HttpsEndpoint(tmp_path / "pki").start()
    try:
        window = open_window(load_config(https_only(tmp_path, endpoint)))
        label = window.sync_status
        qtbot.waitUntil(lambda: "connected" in label.text(), timeout=15_000)
        qtbot.waitUntil(lambda: "last delivered never" not in label.text(), timeout=15_000)
        view = window.sync_view
        assert isinstance(view, SyncView)
        window.tabs.setCurrentWidget(view)
        assert view.table.columnCount() == 1
        assert view.table.horizontalHeaderItem(0).text() == "HTTPS"
        assert view.table.item(0, 0).text() == endpoint.url
        qtbot.waitUntil(lambda: view.table.item(1, 0).text() == "connected", timeout=15_000)
    finally:
        endpoint.stop()
