"""The cluster screen of a lead station: one row per partner from the receiver's database (a
real SQLite file written by the receiver's own write kind), stale partners greyed with their
last-seen time, drill-down to one station's messages, queries only on the reader thread,
Korean throughout; and the tab appears only on a lead."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtGui import QColor
from sqlalchemy import event

from app.config.cluster import ClusterConfig
from app.storage.database import open_database
from tests.cluster_support import Partner, store
from tests.test_gui_window import sim_line
from tests.test_translations import _english_sources, _visible_texts
from widgets import palette
from widgets.cluster_view import ClusterView
from widgets.i18n import set_language


def cluster_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cluster.db'}"
    a, b = Partner("WS-A"), Partner("WS-B")
    now = time.time()
    store(url, [b.status([True], at=now - 1000), b.oee("press", 0.4, 40, 10, at=now - 1000)],
          at=now - 1000)  # fmt: skip
    store(
        url,
        [
            a.status([True, True], at=now),
            a.oee("cnc", 0.75, 98, 2, at=now),
            a.alarm("cnc.temp.hi", "unack", 1),
            a.order("WO-2", 200, 50, "at_risk", at=now, due=now + 3600),
        ],
    )
    return url


def test_partners_stale_and_drill_down(qtbot, tmp_path: Path) -> None:
    url = cluster_db(tmp_path)
    database = open_database(url)
    threads: set[str] = set()
    event.listen(
        database, "before_cursor_execute", lambda *a: threads.add(threading.current_thread().name)
    )
    view = ClusterView(ClusterConfig(lead_db=url, stale_after_s=300, refresh_s=0.5), None, database)
    qtbot.addWidget(view)
    view.resize(1300, 700)
    view.show()
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=5000)
    cells = [[view.table.item(r, c).text() for c in range(9)] for r in range(2)]
    a, b = cells
    assert a[0].endswith("WS-A") and a[1] == "Reporting" and a[3] == "2 of 2 connected"
    assert a[4] == "75 %" and a[5] == "2.0 %" and a[6] == "Critical 1"
    assert a[7] == "1 open, 25 % done" and a[8] == "At risk"
    assert b[1] == "Stale" and "min ago" in b[2] and b[4] == "40 %"
    muted = QColor(palette.current().text_muted)
    assert view.table.item(1, 0).foreground().color() == muted
    assert view.table.item(0, 0).foreground().color() != muted
    assert "2 partners, 1 stale, 1 with orders at risk or late" in view.summary.text()

    view.select_station(view.partners[0].station)
    qtbot.waitUntil(lambda: view.detail.rowCount() == 4, timeout=5000)
    kinds = [view.detail.item(r, 2).text() for r in range(4)]
    assert kinds == ["Order progress", "Alarm", "OEE", "Status"]
    assert "order_id=WO-2" in view.detail.item(0, 3).text()
    assert "WS-A" in view.detail_title.text()
    assert threads and all(name.startswith("db-reader") for name in threads), threads

    # A new message shows at the next refresh, without touching the screen.
    store(url, [Partner("WS-C").status([False])])
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=5000)
    view.close()


def test_cluster_screen_in_korean(qtbot, tmp_path: Path) -> None:
    url = cluster_db(tmp_path)
    view = ClusterView(ClusterConfig(lead_db=url, refresh_s=0.5))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=5000)
    view.select_station(view.partners[0].station)
    qtbot.waitUntil(lambda: view.detail.rowCount() == 4, timeout=5000)
    try:
        set_language("ko")
        qtbot.waitUntil(lambda: view.table.horizontalHeaderItem(0).text() == "협력사", timeout=3000)
        english = _english_sources()
        left = [t for t in _visible_texts(view) if t.replace("&", "") in english]
        assert left == []
        assert view.table.item(0, 8).text() == "지연 위험"
    finally:
        set_language("en")
        view.close()


def test_the_tab_shows_only_on_a_lead(open_window, tmp_path: Path) -> None:
    url = cluster_db(tmp_path)
    plain = open_window(sim_line())
    titles = [plain.tabs.tabText(i) for i in range(plain.tabs.count())]
    assert "Cluster" not in titles and "Trend" in titles
    config = sim_line().model_copy(update={"cluster": ClusterConfig(lead_db=url)})
    lead = open_window(config)
    titles = [lead.tabs.tabText(i) for i in range(lead.tabs.count())]
    assert "Cluster" in titles
    lead.tabs.setCurrentIndex(titles.index("Cluster"))  # built when first shown
    view = lead.findChild(ClusterView)
    assert view is not None and lead.tabs.currentWidget() is view
