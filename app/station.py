"""A running station: the engine plus everything that subscribes to it.

Both ``shopfloor run --headless`` and the GUI build exactly this object, so the headless run
exercises the same code as the window does.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from pathlib import Path

from app.alarms.journal import AlarmJournal
from app.alarms.manager import AlarmManager, AlarmSettings
from app.audit import AuditTrail
from app.audit.alarm_actions import AlarmAuditor
from app.audit.config_changes import record_config_change, remember_config
from app.config import StationConfig
from app.config.layout import LayoutConfig
from app.detectors.monitor import AnomalyMonitor
from app.engine import Engine
from app.line_layout import effective_layout, layout_table, write_layout
from app.machine_states import MachineStateWatcher
from app.model import Event, EventKind, SampleBatch
from app.oee.downtime import DowntimeLog
from app.oee.shifts import ShiftStore
from app.oee.stops import StopWatcher
from app.oee.tracker import OeeTracker
from app.orders import OrderBook
from app.orders.feed import OrderFeed
from app.orders.stock import StockBook
from app.orders.subscriber import OrderSubscriber
from app.orders.tracker import OrderTracker
from app.quality.service import QualityService
from app.quality.watcher import RejectWatcher
from app.security import (
    BASELINE_RELEARN,
    CONFIG_EDIT,
    KIOSK_LEAVE,
    SYNC_RETRY,
    Actor,
    require,
)
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage import history as history_query
from app.storage.history import HistorySeries
from app.storage.retention import Retention
from app.storage.state import StateStore
from app.sync.service import SyncService
from app.trends.marks import Marks, timeline_marks
from app.trends.sets import TrendSets
from app.users import (
    AuditingPolicy,
    Authenticator,
    Session,
    SignedInPolicy,
    SignInError,
    UserAdmin,
    UserPolicy,
    UserStore,
)
from app.users.passwords import badge_digest
from app.worker import DriverFactory, default_driver_factory

log = logging.getLogger(__name__)

BASELINES_KEY = "detector_baselines"
#: The actor of a station action taken without a signed-in user.
STATION_USER = "station"
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
        self.storage = StorageWriter(
            self.gateway,
            self.engine.tags,
            fold_interval_s=config.storage.fold_interval_s,
            max_buffered_samples=config.storage.max_buffered_samples,
            post_event=self.engine.post_event,  # a full disk is an event like any other
        )
        self.engine.subscribe(self.storage.on_batch)
        self.engine.subscribe_events(self.storage.on_event)
        # A stop, a start, a fault: each becomes an event, stored and shown like any other.
        states = MachineStateWatcher(config, self.engine.tags, self.engine.post_event)
        self.engine.subscribe(states.on_batch)
        # A transition is journaled before any view hears of it (or after a short grace,
        # marked not yet journaled, when the database is locked or failing).
        # Who may do what: the station's users and their roles (app.users); every permissioned
        # action and every refusal is an entry of the hash-chained audit trail (app.audit).
        self.audit = AuditTrail(self.gateway, config.station.station)
        self._state = StateStore(self.gateway)
        self.trend_sets = TrendSets(self.gateway, config.station.station)  # saved by the trend
        # The config file is edited outside the program: what changed since the last run.
        record_config_change(self._state, self.audit, config)
        self.users = UserStore(self.gateway)
        self.policy = UserPolicy(self.users, open_until_first_user=True)
        if not self.policy.enforcing:
            log.warning("no users yet: any name may act until the first admin is created")
        self.user_admin = UserAdmin(self.users, self.policy, self.audit)  # audits refusals
        # Who is signed in at this workstation (nobody: view-only); signs out when idle. The
        # services act only for the signed-in user, and every refusal is audited.
        rules = config.security
        authenticator = Authenticator(
            self.users, self.audit, max_failures=rules.max_failures, lockout_s=rules.lockout_s
        )
        self.session = Session(authenticator, rules.idle_sign_out_s)
        if rules.badge_reader is not None:
            self.engine.subscribe_events(self._badge_scanned)
        self._guard = AuditingPolicy(SignedInPolicy(self.policy, self.session), self.audit)
        settings = AlarmSettings()
        self.alarms = AlarmManager(
            config,
            self.engine.tags.ids(),
            AlarmJournal(self.gateway, grace_s=settings.journal_grace_s),
            policy=self._guard,
            settings=settings,
        )
        self.alarms.add_listener(AlarmAuditor(self.audit))
        self.alarms.connect_engine(self.engine)
        # Work orders: counted from the machines' part counters, with ETA and delivery risk.
        self.orders = OrderBook(self.gateway, self._guard, self.audit)
        self.order_tracker = OrderTracker(config, self.engine.tags, self.orders)
        self.engine.subscribe(self.order_tracker.on_batch)
        self.engine.subscribe_ticks(self.order_tracker.on_tick)
        self.stock = StockBook(config.stock, self.gateway, self.orders, self._guard, self.audit)
        # Quality: finished parts, their measurements and reject signals become records.
        self.quality = QualityService(config, self.gateway, self.alarms.policy, audit=self.audit)
        self.rejects = RejectWatcher(config, self.engine.tags, self.quality)
        self.engine.subscribe(self.rejects.on_batch)
        self.engine.subscribe_events(self.rejects.on_event)
        # Anomaly detectors: each onset becomes an alarm with the same lifecycle as any other.
        self.anomalies = AnomalyMonitor(config, self.engine.tags.ids())
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
            self.engine.subscribe_events(self.sync.recorder.on_event)
            self.alarms.add_listener(self.sync.recorder.pull_journal)
            # Defects as they are entered or changed, open orders' progress every interval.
            self.quality.listeners.append(self.sync.recorder.defect)
            self.audit.add_listener(self.sync.recorder.audit)
            self.sync.recorder.orders = self.order_tracker
        # Work orders the cluster's lead publishes to this station ([cluster] receive_orders).
        self.order_feed: OrderFeed | None = None
        self.order_subscriber: OrderSubscriber | None = None
        sync = config.sync
        if sync is not None and sync.broker is not None and config.cluster.receive_orders:
            self.order_feed = OrderFeed(self.orders, self.gateway)
            self.order_subscriber = OrderSubscriber(sync, config.station, self.order_feed)
        # OEE per machine over the shift calendar, with or without sync (then the figures
        # only feed the OEE screen).
        self.oee: OeeTracker | None = self.sync.recorder.oee if self.sync is not None else None
        # Stops: micro-stops counted, long ones queued for an operator's reason.
        self.downtime = DowntimeLog(config, self.gateway, self._guard, self.audit)
        self.stops = StopWatcher(config, self.engine.tags, self.downtime)
        self.engine.subscribe(self.stops.on_batch)
        self.engine.subscribe_ticks(self.stops.tick)
        if self.sync is not None:
            self.downtime.listeners.append(self.sync.recorder.downtime)
        if self.sync is None:
            tracker = OeeTracker(
                config,
                self.engine.tags,
                config.oee.interval_s,
                None,
                time.time(),
                ShiftStore(self.gateway),  # OEE per shift kept across restarts
            )
            if tracker.machines:
                self.oee = tracker
                self.engine.subscribe(tracker.on_batch)
                self.engine.subscribe_ticks(tracker.tick)
        self._running = False

    def history(
        self, tag: str, t0: float, t1: float, max_points: int = 2000
    ) -> Future[HistorySeries]:
        """A tag's history between two times, decimated to about ``max_points`` points (min and
        max kept), read on the gateway's db-reader thread; never waits."""
        store = self.storage.samples
        return self.gateway.read(lambda _db: history_query.query(store, tag, t0, t1, max_points))

    def marks(self, t0: float, t1: float, buckets: int = 200) -> Future[Marks]:
        """Alarm raises and clears and defects between two times for a trend's time axis
        (clustered into ``buckets`` when there are many), read on the db-reader thread."""
        return self.gateway.read(lambda db: timeline_marks(db, t0, t1, buckets))

    @property
    def database_url(self) -> str:
        """Where this station stores its data (password hidden)."""
        return self.db.url.render_as_string(hide_password=True)

    def _detect(self, batch: SampleBatch) -> None:
        started = self.anomalies.process(batch)
        if started or self.anomalies.cleared:
            self.alarms.on_anomalies(started, self.anomalies.cleared)

    def _badge_scanned(self, event: Event) -> None:
        """A scan by the badge reader of a known badge signs its user in (dispatcher thread).
        Other scans are parts, not sign-in attempts: they are neither refused nor audited."""
        if (
            event.kind != EventKind.PART_SCANNED
            or event.source != self.config.security.badge_reader
        ):
            return
        code = str(event.data.get("serial", ""))
        if code.strip() and self.users.by_badge(badge_digest(code)) is not None:
            try:
                self.session.sign_in_badge(code)
            except SignInError as exc:  # disabled or locked: audited by the authenticator
                log.warning("badge sign-in refused: %s", exc)

    def save_layout(self, layout: LayoutConfig, path: Path, actor: Actor | None) -> None:
        """Write an edited line layout into the station config file at ``path`` as ``actor``
        (``config.edit``: engineers and admins); audited with before and after.

        Raises AccessDenied, ConfigError (the file untouched) or OSError. File I/O: call it
        off the GUI thread.
        """
        who = actor or Actor.named(STATION_USER)
        require(self._guard, who, CONFIG_EDIT)
        before = layout_table(effective_layout(self.config))
        write_layout(path, layout)
        self.config = self.config.model_copy(update={"layout": layout})
        remember_config(self._state, self.config)
        details = {"file": str(path), "before": before, "after": layout_table(layout)}
        self.audit.record(who, CONFIG_EDIT, "layout", details)

    def leave_kiosk(self, actor: Actor | None) -> None:
        """Allow the kiosk window to be left by ``actor`` (``kiosk.leave``: an engineer or an
        admin signed in here); AccessDenied otherwise (audited either way)."""
        who = actor or Actor.named(STATION_USER)
        require(self._guard, who, KIOSK_LEAVE)
        self.audit.record(who, KIOSK_LEAVE, self.config.station.station)

    def retry_sync(self, sink: str, actor: Actor | None = None) -> None:
        """Send again what the sync sink ``sink`` gave up on (its failed messages).

        ``actor`` needs the ``sync.retry`` permission; AccessDenied otherwise. Audited. Returns
        at once: the sink's own thread sends.
        """
        who = actor or Actor.named(STATION_USER)
        require(self._guard, who, SYNC_RETRY)
        if self.sync is None:
            return
        self.audit.record(who, SYNC_RETRY, sink)
        for found in self.sync.sinks:
            if found.name == sink:
                found.retry_failed()

    def relearn(self, device: str, tag: str | None = None, actor: Actor | None = None) -> None:
        """Forget the learned baselines of a machine or one tag (after maintenance).

        ``actor`` needs the ``baseline.relearn`` permission (None: an unnamed station user,
        allowed only while the station has no users); AccessDenied otherwise. Audited.
        Safe from any thread: the detectors are reset on the dispatcher, between batches.
        """
        who = actor or Actor.named(STATION_USER)
        target = f"{device}.{tag}" if tag else device
        require(self._guard, who, BASELINE_RELEARN)
        self.audit.record(who, BASELINE_RELEARN, target)

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
        if self.order_subscriber is not None:
            self.order_subscriber.start()
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
        if self.order_subscriber is not None:
            self.order_subscriber.stop()
        self.engine.stop(timeout)
        self.orders.save_accrued()
        self.save_baselines()
        if self.sync is not None:
            # The interval so far becomes a (shorter) summary: a clean stop leaves no hole.
            self.sync.recorder.close_partial(time.time())
            self.sync.stop()
        elif self.oee is not None:  # the running shift's figures so far, stored
            self.oee.close_partial(time.time())
        if not self.gateway.stop(timeout=5.0):
            log.error("station stopped with %d rows not written", self.gateway.pending())
        self.db.dispose()
        log.info("station stopped; %d rows written", self.storage.rows_written)
