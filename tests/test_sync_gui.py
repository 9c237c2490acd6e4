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
