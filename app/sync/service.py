"""Cluster sync of one station: what goes into the outbox, and the publisher that empties it.

Built by :class:`app.station.Station` when the config has a ``[sync]`` table. On the
dispatcher it only does numpy sums and hands finished messages to the gateway (never waits);
the ``sync-mqtt`` thread publishes.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from app.config import StationConfig, SyncConfig
from app.model import DeviceDiagnostics, Event, EventKind, SampleBatch
from app.oee.shifts import ShiftStore
from app.oee.tracker import OeeTracker
from app.orders.tracker import OrderTracker
from app.sharing import SharingPolicy
from app.storage.gateway import DatabaseGateway
from app.sync.alarms import journal_newest, journal_rows
from app.sync.https import HttpsSink
from app.sync.outbox import (
    JournalPull,
    OutboxMessage,
    OutboxPurge,
    OutboxState,
    OutboxWriteKind,
)
from app.sync.publisher import MqttPublisher, SyncStatus
from app.sync.sinks import Floor, Sink
from app.sync.sparkplug.publisher import SparkplugPublisher
from app.sync.summaries import TagSummarizer, window_end
from app.sync.topics import station_root, subtopic
from app.tags import TagTable

log = logging.getLogger(__name__)

Diagnostics = Callable[[], list[DeviceDiagnostics]]


class SyncRecorder:
    """The dispatcher side: summaries, station status and alarm pulls into the outbox."""

    def __init__(
        self,
        gateway: DatabaseGateway,
        tags: TagTable,
        interval_s: float,
        diagnostics: Diagnostics | None = None,
        *,
        with_journal: bool = True,
        now: float | None = None,
        config: StationConfig | None = None,
        sharing: SharingPolicy | None = None,
        publish_own: bool = True,
    ) -> None:
        self.gateway = gateway
        self.state = OutboxState()
        # The partners' copies are made here, before anything is stored: the outbox holds
        # only what the policy grants (and the station's own messages, unless it shares only).
        self.sharing = sharing
        self.publish_own = publish_own
        self.kind = gateway.register(
            OutboxWriteKind(
                self.state,
                journal_rows if with_journal else None,
                journal_newest if with_journal else None,
                copies=self.copies if sharing is not None or not publish_own else None,
            )
        )
        start = time.time() if now is None else now
        self.summaries = TagSummarizer(tags, interval_s, self.submit, start)
        self.oee: OeeTracker | None = None
        if config is not None:
            store = ShiftStore(gateway)  # OEE per shift kept across restarts
            tracker = OeeTracker(config, tags, interval_s, self.submit, start, store)
            self.oee = tracker if tracker.machines else None
        self.diagnostics = diagnostics
        self.orders: OrderTracker | None = None
        """Set by the station: open orders' progress goes out with each status."""
        self.interval_s = interval_s
        self._status_due = window_end(start, interval_s)
        self.backlog: Callable[[], int] = lambda: self.state.undelivered
        self.alarm_pull_needed = with_journal
        # Device health changes wait here for the summaries of the interval they happened in
        # (see :meth:`on_event`).
        self._devices: deque[OutboxMessage] = deque()
        if with_journal:
            self.pull_journal()  # what was journaled before a kill -9 and never copied

    def submit(self, messages: Sequence[OutboxMessage]) -> None:
        """Hand messages to the outbox (any thread; returns at once), with the copies the
        sharing policy grants each partner."""
        if self.sharing is None and self.publish_own:
            self.gateway.submit(self.kind, list(messages))
            return
        stored = []
        for message in messages:
            for kind, topic, body in self.copies(message.kind, message.topic, message.body):
                if (kind, topic, body) == (message.kind, message.topic, message.body):
                    stored.append(message)
                else:
                    stored.append(OutboxMessage(kind, topic, body, created=message.created))
        if stored:
            self.gateway.submit(self.kind, stored)

    def copies(
        self, kind: str, topic: str, body: dict[str, Any]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """The rows one message becomes: itself (unless the station shares only) and one
        filtered copy per partner granted it."""
        rows = [(kind, topic, body)] if self.publish_own else []
        if self.sharing is not None:
            for record in self.sharing.share(kind, topic, body, self.interval_s):
                rows.append((record.kind, record.topic, record.body))
        return rows

    def defect(self, defect: Any, action: str, changes: dict[str, Any]) -> None:
        """A defect entered or changed (a quality listener; any thread)."""
        body = {
            name: getattr(defect, name)
            for name in (
                "uid",
                "ts",
                "machine",
                "part_number",
                "serial",
                "code",
                "severity",
                "disposition",
                "inspector",
                "shift",
                "source",
                "measured",
            )
        }
        body.update(action=action, changes=changes)
        self.submit([OutboxMessage("defect", subtopic("defect", defect.machine), body)])

    def downtime(self, stop: Any) -> None:
        """A stop explained by an operator (a downtime listener; any thread)."""
        body = {
            name: getattr(stop, name)
            for name in ("uid", "machine", "start", "end", "category", "shift", "reason")
        }
        body.update(operator=stop.operator, noted_at=stop.noted_at, comment=stop.comment)
        self.submit([OutboxMessage("downtime", subtopic("downtime", stop.machine), body)])

    def audit(self, entries: Sequence[Any]) -> None:
        """Audit entries as chained (an audit listener on the writer thread): the server keeps
        the chain's heads, so a station cannot rewrite its trail unnoticed."""
        messages = []
        for entry in entries:
            body = {**entry.body(), "prev_hash": entry.prev_hash, "hash": entry.hash}
            messages.append(OutboxMessage("audit", subtopic("audit"), body, created=entry.ts))
        if messages:
            self.submit(messages)

    def pull_journal(self, *_: Any) -> None:
        """Copy new alarm journal rows into the outbox (an alarm listener; any thread)."""
        self.gateway.submit(self.kind, [JournalPull()])

    # -- engine subscribers (dispatcher thread) --------------------------------------------

    def on_batch(self, batch: SampleBatch) -> None:
        self.summaries.on_batch(batch)
        if self.oee is not None:
            self.oee.on_batch(batch)

    def on_event(self, event: Event) -> None:
        """A device lost or regained communication (dispatcher): a ``device`` message.

        A loss goes into the outbox after the summaries of the interval it happened in (at most
        one interval late), so what was measured before it comes first: a Sparkplug host sees
        no DDATA after a DDEATH. A recovery goes at once, behind any loss still waiting.
        """
        if event.kind not in (EventKind.COMM_LOSS, EventKind.COMM_RESTORED):
            return
        connected = event.kind == EventKind.COMM_RESTORED
        body = {
            "ts": event.timestamp,
            "device": event.source,
            "connected": connected,
            "fault": "" if connected else str(event.data.get("fault", "")),
            "detail": "" if connected else str(event.data.get("detail", "")),
        }
        topic = subtopic("device", event.source)
        self._devices.append(OutboxMessage("device", topic, body, created=event.timestamp))
        self._submit_devices()

    def _submit_devices(self, closing: bool = False) -> None:
        ready = []
        while self._devices:
            head = self._devices[0]
            if not (closing or head.body["connected"] or head.created < self.summaries.start):
                break
            ready.append(self._devices.popleft())
        if ready:
            self.submit(ready)

    def tick(self, now: float) -> None:
        self.summaries.tick(now)
        self._submit_devices()
        if self.oee is not None:
            self.oee.tick(now)
        if now >= self._status_due:
            self._status_due = window_end(now, self.interval_s)
            self.submit([self.status_message(now), *self.order_messages(now)])

    def close_partial(self, now: float) -> None:
        """Summarise the interval so far (on stop, after the dispatcher ended)."""
        messages = self.summaries.close(now)
        self.summaries.start = now
        if self.oee is not None:
            self.oee.resume(wait=5.0)  # so the shift so far is stored on top of the last run's
            messages += self.oee.close(now)
            self.oee.start = now
        if messages:
            self.submit(messages)
        self._submit_devices(closing=True)
        if self.alarm_pull_needed:
            self.pull_journal()

    def order_messages(self, now: float) -> list[OutboxMessage]:
        """Each open order's progress, ETA and delivery risk (``order_progress``)."""
        if self.orders is None:
            return []
        messages = []
        for progress in self.orders.progress(now):
            order = progress.order
            if not order.open:
                continue
            body = {
                "ts": now,
                "order_id": order.order_id,
                "part_number": order.part_number,
                "customer": order.customer,
                "quantity": order.quantity,
                "good": order.good,
                "reject": order.reject,
                "status": str(order.status),
                "machine": order.machine,
                "due": order.due,
                "rate_per_hour": progress.rate_per_hour,
                "eta": progress.eta,
                "risk": str(progress.risk),
            }
            topic = subtopic("order", order.order_id)
            messages.append(OutboxMessage("order_progress", topic, body, created=now))
        return messages

    def status_message(self, now: float) -> OutboxMessage:
        devices = []
        for d in self.diagnostics() if self.diagnostics else []:
            devices.append(
                {
                    "device": d.device,
                    "connected": d.connected,
                    "last_good": d.last_good,
                    "last_error": d.last_error,
                }
            )
        gateway = self.gateway.status
        body = {
            "ts": now,
            "devices": devices,
            "database_ok": gateway.ok,
            "database_pending": gateway.pending_total,
            "backlog": self.backlog(),
        }
        return OutboxMessage(kind="status", topic=subtopic("status"), body=body, created=now)


class SyncService:
    """The whole of sync for a station: recorder plus its sinks (MQTT, Sparkplug B, HTTPS; an
    HTTPS-only station has no broker and only that sink)."""

    def __init__(
        self,
        config: StationConfig,
        sync: SyncConfig,
        gateway: DatabaseGateway,
        tags: TagTable,
        diagnostics: Diagnostics | None = None,
    ) -> None:
        self.config = sync
        sharing = (
            SharingPolicy(config.sharing, station_root(sync.topic_prefix, config.station))
            if config.sharing.partners
            else None
        )
        self.recorder = SyncRecorder(
            gateway,
            tags,
            sync.interval_s,
            diagnostics,
            config=config,
            sharing=sharing,
            publish_own=sync.publish_own,
        )
        self.floor = Floor()
        # Without a broker (an HTTPS-only station) no row gets a delivery mark: the purge goes
        # by the HTTPS sink's cursor alone.
        self.purge = OutboxPurge(
            sync.keep_delivered_days, floor=self.floor, marks=sync.broker is not None
        )
        gateway.add_maintenance(self.purge)
        self.publisher: MqttPublisher | None = None
        if sync.broker is not None:
            self.publisher = MqttPublisher(sync, config.station, gateway, self.recorder.state)
        self.sparkplug: SparkplugPublisher | None = None
        if sync.sparkplug is not None and sync.sparkplug.enabled and sync.broker is not None:
            self.sparkplug = SparkplugPublisher(
                sync,
                sync.sparkplug,
                config.station,
                gateway,
                self.recorder.state,
                self.floor,
                devices=[device.name for device in config.devices if device.enabled],
            )
        self.https: HttpsSink | None = None
        if sync.https is not None and sync.https.enabled:
            self.https = HttpsSink(
                sync.https, config.station, gateway, self.recorder.state, self.floor
            )
        if self.publisher is None and self.https is not None:
            https = self.https
            self.recorder.backlog = lambda: https.status.backlog

    @property
    def main(self) -> Sink:
        """The sink the status bar speaks for: the MQTT publisher, or the HTTPS sink alone."""
        if self.publisher is not None:
            return self.publisher
        assert self.https is not None  # the config asks for a broker or [sync.https]
        return self.https

    @property
    def status(self) -> SyncStatus:
        return self.main.status

    @property
    def sinks(self) -> list[Sink]:
        """Every sink the outbox goes to (the sync screen shows each)."""
        found: list[Sink] = []
        if self.publisher is not None:
            found.append(self.publisher)
        if self.sparkplug is not None:
            found.append(self.sparkplug)
        if self.https is not None:
            found.append(self.https)
        return found

    def start(self) -> None:
        if self.config.enabled:
            if self.publisher is not None:
                self.publisher.start()
            if self.https is not None:
                self.https.start()
            if self.sparkplug is not None:
                self.sparkplug.start()

    def stop(self) -> None:
        """After the last summaries were submitted: commit them and let the publisher send
        them for a moment before it says goodbye."""
        self.recorder.gateway.flush(2.0)
        if self.https is not None:
            self.https.stop()
        if self.sparkplug is not None:
            self.sparkplug.stop()
        if self.publisher is not None:
            self.publisher.stop()
