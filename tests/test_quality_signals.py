"""An inspector picks a defect and sees its machine's signals around it, from the historian of
a real station database (the query on the gateway's reader thread), the defect marked."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from app.config_loader import load_config
from app.model import SampleBatch
from app.security import Actor
from app.station import Station
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.tags import TagTable
from resources import DEMO_CONFIG
from tests.test_quality_store import draft
from widgets.quality.screen import QualityScreen
from widgets.quality.signals import BEFORE_S, signal_tags

PAST = 42.0


def fill(url: str, tags: list[str], seconds: int) -> float:
    """``seconds`` of each tag at 1 Hz ending now, all at PAST; returns now."""
    table = TagTable(load_config(DEMO_CONFIG))
    writer = StorageWriter(DatabaseGateway(open_database(url)), table)
    now = time.time()
    ts = now - seconds + np.arange(seconds, dtype=float)
    for name in tags:
        info = table.by_name(name)
        writer.on_batch(
            SampleBatch(
                info.device,
                np.full(seconds, info.id, np.int32),
                ts,
                np.full(seconds, PAST),
                np.zeros(seconds, np.uint8),
            )
        )
    assert writer.flush()
    writer.fold_now()
    writer.gateway.close()
    return now


def test_the_signals_around_a_defect(qtbot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'station.db'}"
    config = load_config(DEMO_CONFIG)
    tags = signal_tags(config, "leaktest")
    assert tags and all(t.startswith("leaktest.") for t in tags)
    now = fill(url, tags, 900)
    station = Station(config, db_url=url)  # not started: its machines are not there
    station.gateway.start()
    try:
        screen = QualityScreen(station.quality, station.gateway, history=station.history)
        qtbot.addWidget(screen)
        screen.resize(1400, 900)
        screen.show()
        defect = station.quality.add_defect(Actor.named("anna"), draft(ts=now - 60))
        assert station.gateway.flush()
        screen.history.refresh()
        qtbot.waitUntil(lambda: screen.history.model.rowCount() == 1, timeout=10_000)
        assert "Pick a defect" in screen.signals.title.text()
        with qtbot.waitSignal(screen.signals.loaded, timeout=10_000):
            screen.history.table.selectRow(0)
        shown = screen.signals.series
        assert sorted(shown) == sorted(tags)
        for series in shown.values():
            assert len(series) > 0
            assert series.t.min() >= defect.ts - BEFORE_S - 1
            assert np.nanmax(series.values) == PAST
        assert "leaktest" in screen.signals.title.text() and defect.serial in (
            screen.signals.title.text()
        )
        qtbot.waitUntil(
            lambda: screen.changes.text() == "No changes since it was entered.", timeout=10_000
        )
        # Who changed it, before and after, beside the signals.
        (stored,) = [screen.history.model.defect(0)]
        station.quality.edit(Actor.named("ben"), stored, {"notes": "seal replaced"})
        assert station.gateway.flush()
        screen.show_selected()
        qtbot.waitUntil(lambda: "ben  edit" in screen.changes.text(), timeout=10_000)
        assert "notes: bubbles at the flange → seal replaced" in screen.changes.text()
    finally:
        station.gateway.close()
