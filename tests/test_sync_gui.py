"""The sync indicator in the status bar, on a real station and a real mosquitto."""

from __future__ import annotations

from pathlib import Path

from app.config_loader import load_config
from tests.conftest import CONFIGS, free_tcp_port
from tests.mqtt_support import Broker


def config_with(tmp_path: Path, url: str):  # type: ignore[no-untyped-def]
    text = (CONFIGS / "sim_line.toml").read_text(encoding="utf-8")
    text += f'\n[sync]\nbroker = "{url}"\ninterval_s = 1.0\nretry_max_s = 1.0\n'
    path = tmp_path / "line.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_status_bar_shows_connected_and_deliveries(tmp_path: Path, qtbot, open_window) -> None:  # type: ignore[no-untyped-def]
    broker = Broker(tmp_path / "broker").start()
    try:
        window = open_window(config_with(tmp_path, broker.url))
        label = window.sync_status
        qtbot.waitUntil(lambda: "connected" in label.text(), timeout=15_000)
        qtbot.waitUntil(lambda: "last delivered never" not in label.text(), timeout=15_000)
        assert label.objectName() == ""
        assert "0 waiting" in label.text() or "waiting" in label.text()
    finally:
        broker.stop()


def test_status_bar_says_why_it_is_not_connected(tmp_path: Path, qtbot, open_window) -> None:  # type: ignore[no-untyped-def]
    window = open_window(config_with(tmp_path, f"mqtt://127.0.0.1:{free_tcp_port()}"))
    label = window.sync_status
    qtbot.waitUntil(lambda: "unreachable" in label.text(), timeout=15_000)
    assert label.objectName() == "statusBad"
    qtbot.waitUntil(
        lambda: "1 waiting" not in label.text() and "0 waiting" not in label.text(), timeout=15_000
    )  # summaries pile up while the broker is away
    assert "Last problem:" in label.toolTip()


def test_oee_screen_shows_each_machines_figures(tmp_path: Path, qtbot, open_window) -> None:  # type: ignore[no-untyped-def]
    text = (CONFIGS / "sim_line.toml").read_text(encoding="utf-8")
    # The press runs all the time (state 1) and counts one part per 0.5 s poll of "cycles";
    # with an ideal cycle of 0.4 s its performance is about 80 %.
    text = text.replace(
        'states = { "0" = "Stopped", "1" = "Running" }',
        'states = { "0" = "Stopped", "1" = "Running" }\n'
        'production = { good = "cycles", ideal_cycle_s = 0.4 }',
    )
    text += f'\n[sync]\nbroker = "mqtt://127.0.0.1:{free_tcp_port()}"\ninterval_s = 2.0\n'
    path = tmp_path / "line.toml"
    path.write_text(text, encoding="utf-8")
    window = open_window(load_config(path))
    view = window.oee
    assert window.tabs.indexOf(view) >= 0 and view.cell(0, 0) == "Press"
    # The second closed interval is a whole one (the first began at start-up).
    tracker = window.station.sync.recorder.oee
    qtbot.waitUntil(lambda: "press" in tracker.last, timeout=15_000)
    seen = tracker.last["press"].end
    qtbot.waitUntil(lambda: tracker.last["press"].end > seen, timeout=15_000)
    qtbot.waitUntil(lambda: view.cell(0, 1) == "100.0 %", timeout=5_000)
    performance = float(view.cell(0, 2).split()[0])
    assert 60 <= performance <= 100, view.cell(0, 2)
    assert view.cell(0, 3) == "100.0 %"  # no reject counter: every part good
    assert view.caption.text().startswith("Last interval, ending")


def test_sync_screen_per_sink_with_a_retry_that_needs_the_permission(
    tmp_path: Path, qtbot, open_window
) -> None:  # type: ignore[no-untyped-def]
    from app.audit import AuditFilter, query
    from app.security import Actor
    from app.sync.outbox import OutboxMessage
    from app.users import Role
    from tests.https_support import HttpsEndpoint
    from tests.security_support import PASSWORD
    from tests.test_sync_https import summary
    from widgets.sync_view import SyncView

    broker = Broker(tmp_path / "broker").start()
    endpoint = HttpsEndpoint(tmp_path / "pki").start()
    endpoint.ingest.refuse = ("poison", 422)
    try:
        text = (CONFIGS / "sim_line.toml").read_text(encoding="utf-8")
        text += (
            f'\n[sync]\nbroker = "{broker.url}"\ninterval_s = 1.0\nretry_max_s = 1.0\n'
            f'[sync.https]\nurl = "{endpoint.url}"\nca_file = "{endpoint.ca_file}"\n'
            "retry_min_s = 0.1\nretry_max_s = 0.5\n"
        )
        path = tmp_path / "line.toml"
        path.write_text(text, encoding="utf-8")
        window = open_window(load_config(path))
        station = window.station
        view = window.sync_view  # a hidden screen, built now
        assert isinstance(view, SyncView) and window.tabs.indexOf(view) >= 0
        window.tabs.setCurrentWidget(view)
        assert [view.table.horizontalHeaderItem(c).text() for c in range(2)] == [
            "MQTT (JSON)",
            "HTTPS",
        ]
        bad = OutboxMessage("summary", "summary/press/force", {**summary(1), "poison": True})
        station.sync.recorder.submit([bad])
        qtbot.waitUntil(lambda: view.table.item(6, 1).text() == "1", timeout=15_000)
        problem = view.table.item(7, 1).text()
        assert bad.id in problem and "422" in problem
        qtbot.waitUntil(lambda: view.table.item(1, 0).text() == "connected", timeout=15_000)
        qtbot.waitUntil(lambda: view.table.item(1, 1).text() == "connected", timeout=15_000)
        assert int(view.table.item(5, 1).text().replace(",", "")) > 0  # delivered
        assert view.table.item(4, 1).text() != "never"

        # With users, only a role with sync.retry may send the failed ones again.
        station.user_admin.add(None, "ada", Role.ADMIN, PASSWORD)
        station.user_admin.add(Actor.named("ada"), "olga", Role.OPERATOR, PASSWORD)
        station.session.sign_in("olga", PASSWORD)
        window.session.check()
        button = view.retry_buttons[1]
        assert not button.isEnabled()
        view.retry("https")  # as if the button were pressed anyway: the core refuses
        assert "olga" in view.message.text() and "sync.retry" in view.message.text()
        station.session.sign_in("ada", PASSWORD)
        window.session.check()
        assert button.isEnabled()
        endpoint.ingest.refuse = None
        button.click()
        qtbot.waitUntil(lambda: view.table.item(6, 1).text() == "0", timeout=15_000)
        assert bad.id in {m["id"] for m in endpoint.ingest.deduped()}
        assert station.gateway.flush()
        retried = query(station.db, AuditFilter(action="sync.retry"))
        outcomes = {(e.actor, e.outcome) for e in retried}
        assert ("olga", "denied") in outcomes and ("ada", "denied") not in outcomes
        assert "ada" in {e.actor for e in retried}
        window.grab().save(str(tmp_path / "sync.png"))
    finally:
        endpoint.stop()
        broker.stop()
