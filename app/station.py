"""A running station: the engine plus everything that subscribes to it.

Both ``shopfloor run --headless`` and the GUI build exactly this object, so the headless run
exercises the same code as the window does.
"""

from __future__ import annotations

import logging

from app.alarms.journal import AlarmJournal
from app.alarms.manager import AlarmManager
from app.config import StationConfig
from app.engine import Engine
from app.storage import StorageWriter, open_database
from app.worker import DriverFactory, default_driver_factory

log = logging.getLogger(__name__)


class Station:
    """Engine, storage and (as they arrive) alarms, detectors and sync, wired together."""

    def __init__(
        self,
        config: StationConfig,
        *,
        db_url: str | None = None,
        driver_factory: DriverFactory = default_driver_factory,
        history_s: float = 900.0,
    ) -> None:
        self.config = config
        self.engine = Engine(config, history_s=history_s, driver_factory=driver_factory)
        self.database = open_database(db_url or config.storage.url)
        self.storage = StorageWriter(
            self.database, self.engine.tags, config.storage.flush_interval_s
        )
        self.engine.subscribe(self.storage.on_batch)
        self.engine.subscribe_events(self.storage.on_event)
        # Alarms after storage: a transition is journaled before any view hears of it.
        self.alarms = AlarmManager(config, self.engine.tags.ids(), AlarmJournal(self.database))
        self.alarms.connect_engine(self.engine)
        self._running = False

    @property
    def database_url(self) -> str:
        """Where this station stores its data (password hidden)."""
        return self.database.url.render_as_string(hide_password=True)

    def start(self) -> None:
        """Start writing, then start polling."""
        self.storage.start()
        self.engine.start()
        self._running = True
        log.info(
            "station %s started: %d devices, %d tags, database %s",
            self.config.station.station,
            len(self.config.devices),
            len(self.engine.tags),
            self.database_url,
        )

    def stop(self, timeout: float = 2.0) -> None:
        """Stop polling, then write everything that was accepted; idempotent."""
        if not self._running:
            return
        self._running = False
        self.engine.stop(timeout)
        self.storage.stop()
        self.database.dispose()
        log.info("station stopped; %d rows written", self.storage.rows_written)
