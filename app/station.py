"""A running station: the engine plus everything that subscribes to it.

Both ``shopfloor run --headless`` and the GUI build exactly this object, so the headless run
exercises the same code as the window does.
"""

from __future__ import annotations

import logging
import time

from app.alarms.journal import AlarmJournal
from app.alarms.manager import AlarmManager, AlarmSettings
from app.config import StationConfig
from app.detectors.monitor import AnomalyMonitor
from app.engine import Engine
from app.machine_states import MachineStateWatcher
from app.model import SampleBatch
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.retention import Retention
from app.storage.state import StateStore
from app.sync.service import SyncService
from app.worker import DriverFactory, default_driver_factory

log = logging.getLogger(__name__)

BASELINES_KEY = "detector_baselines"
BASELINE_SAVE_INTERVAL_S = 300.0


class Station:
    """Engine, storage, alarms and anomaly detectors wired together and cluster sync."""

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
        self.db = open_database(db_url or config.storage.url)
        # Every write of the station goes through the gateway's one writer thread; nothing
        # else (dispatcher, GUI thread) ever waits for the database.
        self.gateway = DatabaseGateway(self.db, flush_interval_s=config.storage.flush_interval_s)
        self.retention = Retention(config.storage.retention_days)
        self.gateway.add_maintenance(self.retention)
        self.storage = StorageWriter(self.gateway, self.engine.tags)
        self.engine.subscribe(self.storage.on_batch)
        self.engine.subscribe_events(self.storage.on_event)
        # A stop, a start, a fault: each becomes an event, stored and shown like any other.
        states = MachineStateWatcher(config, self.engine.tags, self.engine.post_event)
        self.engine.subscribe(states.on_batch)
        # A transition is journaled before any view hears of it (or after a short grace,
        # marked not yet journaled, when the database is locked or failing).
        settings = AlarmSettings()
        self.alarms = AlarmManager(
            config,
            self.engine.tags.ids(),
            AlarmJournal(self.gateway, grace_s=settings.journal_grace_s),
            settings=settings,
        )
        self.alarms.connect_engine(self.engine)
        # Anomaly detectors: each onset becomes an alarm with the same lifecycle as any other.
        self.anomalies = AnomalyMonitor(config, self.engine.tags.ids())
        self._state = StateStore(self.gateway)
        self._restore_baselines()
        self._baselines_saved = time.time()
        self.engine.subscribe(self._detect)
        self.engine.subscribe_ticks(self._save_baselines_now_and_then)
        # Cluster sync: summaries into the outbox on the dispatcher, published by its thread.
        self.sync: SyncService | None = None
        if config.sync is not None:
            self.sync = SyncService(
                config, config.sync, self.gateway, self.engine.tags, self.engine.diagnostics
            )
            self.engine.subscribe(self.sync.recorder.on_batch)
            self.engine.subscribe_ticks(self.sync.recorder.tick)
            self.alarms.add_listener(self.sync.recorder.pull_journal)
        self._running = False

    @property
    def database_url(self) -> str:
        """Where this station stores its data (password hidden)."""
        return self.db.url.render_as_string(hide_password=True)

    def _detect(self, batch: SampleBatch) -> None:
        started = self.anomalies.process(batch)
        if started or self.anomalies.cleared:
            self.alarms.on_anomalies(started, self.anomalies.cleared)

    def relearn(self, device: str, tag: str | None = None) -> None:
        """Forget the learned baselines of a machine or one tag (after maintenance).

        Safe from any thread: the detectors are reset on the dispatcher, between batches.
        """

        def reset() -> None:
            self.anomalies.relearn(device, tag)
            log.info("baselines of %s relearned", f"{device}.{tag}" if tag else device)

        if self.engine.running:
            self.engine.call_on_dispatcher(reset)
        else:
            reset()

    def _restore_baselines(self) -> None:
        try:
            saved = self._state.load(BASELINES_KEY)
        except Exception:  # a damaged document must not stop the station
            log.exception("saved detector baselines unreadable; learning afresh")
            return
        if saved:
            self.anomalies.restore(saved)

    def save_baselines(self) -> None:
        """Hand the detectors' baselines to the gateway so that a restart needs no new
        warm-up (returns at once; the writer thread commits them)."""
        try:
            self._state.save(BASELINES_KEY, self.anomalies.state())
        except Exception:
            log.exception("detector baselines could not be saved")

    def _save_baselines_now_and_then(self, now: float) -> None:
        # Periodically as well as on stop: a kill -9 loses at most a few minutes of learning.
        if now - self._baselines_saved >= BASELINE_SAVE_INTERVAL_S:
            self._baselines_saved = now
            self.save_baselines()

    def start(self) -> None:
        """Start writing, then start polling."""
        self.gateway.start()
        self.engine.start()
        if self.sync is not None:
            self.sync.start()
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
        self.save_baselines()
        if self.sync is not None:
            # The interval so far becomes a (shorter) summary: a clean stop leaves no hole.
            self.sync.recorder.close_partial(time.time())
            self.sync.stop()
        if not self.gateway.stop(timeout=5.0):
            log.error("station stopped with %d rows not written", self.gateway.pending())
        self.db.dispose()
        log.info("station stopped; %d rows written", self.storage.rows_written)
