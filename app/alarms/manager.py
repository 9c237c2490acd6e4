"""The alarm manager: evaluates batches, runs the ISA-18.2 state model, journals, annunciates.

Threads: ``on_batch``, ``on_event`` and ``tick`` come from the engine's dispatcher thread;
``acknowledge``, ``shelve`` and friends from the GUI thread. One re-entrant lock serialises
them, and nothing done under it waits for the database: every public call updates the alarms in
memory, collects its transitions and hands them to the journal in one group
(:meth:`AlarmJournal.submit`). The journal's ``alarm-notify`` thread hands each group to the
listeners after its commit (or, with the database locked or failing, after a short grace with
the transitions marked ``journaled=False``), in journal order, one call per group; listeners
must return quickly (the GUI bridge just emits a queued signal).

Wiring into the engine::

    gateway = DatabaseGateway(open_database(url))
    manager = AlarmManager(config, engine.tags.ids(), AlarmJournal(gateway))
    engine.subscribe(manager.on_batch)
    engine.subscribe_events(manager.on_event)
    engine.subscribe_ticks(manager.tick)
    gateway.start()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app import security
from app.alarms.definitions import (
    anomaly_alarm_id,
    build_definitions,
    comm_alarm_id,
)
from app.alarms.evaluator import ConditionEvaluator
from app.alarms.journal import AlarmJournal, JournalStatus
from app.alarms.model import (
    AlarmDefinition,
    AlarmState,
    AlarmView,
    Kind,
    Priority,
    ShelveInfo,
    Transition,
    TransitionKind,
    custom_message,
)
from app.alarms.record import AlarmRecord
from app.config import StationConfig
from app.messages import Message
from app.model import Event as EngineEvent
from app.model import EventKind, SampleBatch
from app.security import AccessPolicy, Actor, StationUserPolicy
from app.storage.gateway import DatabaseGateway

log = logging.getLogger(__name__)

Listener = Callable[[Sequence[Transition]], None]


class EngineLike(Protocol):
    """The subscription side of :class:`app.engine.Engine`."""

    def subscribe(self, callback: Callable[[SampleBatch], None]) -> None: ...
    def subscribe_events(self, callback: Callable[[EngineEvent], None]) -> None: ...
    def subscribe_ticks(self, callback: Callable[[float], None]) -> None: ...


class AnomalyLike(Protocol):
    """What :meth:`AlarmManager.on_anomalies` reads of an anomaly (``app.detectors.Anomaly``,
    a frozen dataclass: read-only members)."""

    @property
    def timestamp(self) -> float: ...
    @property
    def device(self) -> str: ...
    @property
    def tag(self) -> str | None: ...
    @property
    def detector(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def explanation(self) -> Message: ...


MAX_COMMENT = 2000


class UnknownAlarmError(KeyError):
    """An alarm id that the manager does not know."""

    def __init__(self, alarm_ids: Iterable[str]) -> None:
        self.alarm_ids = list(alarm_ids)
        super().__init__(f"unknown alarm(s): {', '.join(self.alarm_ids)}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class AlarmSettings:
    """Station-wide alarm behaviour that is not per tag."""

    max_shelve_s: float = 8 * 3600.0
    """Longest time an alarm may stay shelved (timed or one-shot)."""
    default_shelve_s: float = 3600.0
    comm_priority: Priority = Priority.HIGH
    comm_on_delay_s: float = 0.0
    anomaly_priority: Priority = Priority.MEDIUM
    anomaly_clear_after_s: float | None = None
    """Clear an anomaly alarm that was not raised again for this long (None: only by
    :meth:`AlarmManager.clear_anomaly`)."""
    journal_grace_s: float = 0.75
    """Listeners hear of transitions whose commit has not landed after this long anyway,
    marked ``journaled=False``: alarm annunciation never waits for the database."""


class AlarmManager:
    """Every alarm of one station."""

    def __init__(
        self,
        config: StationConfig,
        tag_ids: Mapping[str, int],
        journal: AlarmJournal | DatabaseGateway,
        clock: Callable[[], float] = time.time,
        policy: AccessPolicy | None = None,
        settings: AlarmSettings | None = None,
    ) -> None:
        # The config was checked once by the loader (app.config.checks); trust it here.
        self.config = config
        self.clock = clock
        self.policy: AccessPolicy = policy or StationUserPolicy()
        self.settings = settings or AlarmSettings()
        if isinstance(journal, DatabaseGateway):
            journal = AlarmJournal(journal, grace_s=self.settings.journal_grace_s)
        self.journal = journal
        journal.deliver = self._deliver
        self._lock = threading.RLock()
        # (listener, seq after which it hears): a listener hears only what follows its attach.
        self._listeners: list[tuple[Listener, int]] = []
        self._listeners_lock = threading.Lock()
        self._out: list[Transition] = []
        self._hold = False
        self._seq = 0

        definitions = build_definitions(config, tag_ids)
        tag_count = max(tag_ids.values(), default=-1) + 1
        self._evaluator = ConditionEvaluator(definitions, tag_count)
        self._records: dict[str, AlarmRecord] = {}
        self._anomalies: list[AlarmRecord] = []
        self._by_device: dict[str, list[AlarmRecord]] = {}
        self._by_eval: list[AlarmRecord] = []
        for index, definition in enumerate(self._evaluator.definitions):
            record = AlarmRecord(definition, index)
            self._by_eval.append(record)
            self._add(record)
        for device in config.devices:
            if device.enabled:
                self._add(AlarmRecord(self._comm_definition(device.name)))
        self._devices = {d.name: d for d in config.devices if d.enabled}
        # Suppress-by-design rules: (tag id, values) -> alarms, plus the last decision.
        self._rules: dict[tuple[int, tuple[float, ...]], list[AlarmRecord]] = {}
        for record in self._by_eval:
            key = record.definition.suppress_key
            if key is not None:
                self._rules.setdefault(key, []).append(record)
        self._rule_state: dict[tuple[int, tuple[float, ...]], bool | None] = dict.fromkeys(
            self._rules
        )
        self._rule_seen: dict[tuple[int, tuple[float, ...]], float] = {}
        self._pending: set[AlarmRecord] = set()
        self._shelved: set[AlarmRecord] = set()
        self._comm_down: set[str] = set()
        self._restore()

    # -- construction helpers -----------------------------------------------------------------

    def _add(self, record: AlarmRecord) -> None:
        self._records[record.definition.alarm_id] = record
        self._by_device.setdefault(record.definition.device, []).append(record)
        if record.definition.kind == Kind.ANOMALY:
            self._anomalies.append(record)

    def _comm_definition(self, device: str) -> AlarmDefinition:
        title = self.config.device(device).display_name
        return AlarmDefinition(
            alarm_id=comm_alarm_id(device),
            device=device,
            tag=None,
            condition="comm",
            kind=Kind.COMM,
            priority=self.settings.comm_priority,
            message=Message("alarm.comm", {"device": title}),
            response="Check the device's power, cable and network; its other alarms are "
            "suppressed until it answers again.",
            on_delay_s=self.settings.comm_on_delay_s,
        )

    def _anomaly_definition(
        self,
        device: str,
        tag: str | None,
        detector: str,
        priority: Priority,
        message: Message,
        response: str,
    ) -> AlarmDefinition:
        return AlarmDefinition(
            alarm_id=anomaly_alarm_id(device, tag, detector),
            device=device,
            tag=tag,
            condition=f"anomaly.{detector}",
            kind=Kind.ANOMALY,
            priority=priority,
            message=message,
            response=response
            or "Look at the trend around the event; the detector found behaviour unlike the "
            "machine's normal pattern.",
        )

    def _restore(self) -> None:
        try:
            latest, top = self.journal.latest_per_alarm()
        except Exception as exc:  # an unreadable journal must not stop the station
            log.error("alarm state not restored, journal unreadable: %s", exc)
            return
        self._seq = top
        for alarm_id, last in latest.items():
            record = self._records.get(alarm_id)
            if record is None and last.flags.get("kind") == Kind.ANOMALY.value:
                if last.device not in self._devices or last.state == AlarmState.NORMAL:
                    continue
                detector = last.condition.removeprefix("anomaly.")
                record = AlarmRecord(
                    self._anomaly_definition(
                        last.device,
                        last.tag,
                        detector,
                        last.priority,
                        last.message,
                        str(last.flags.get("response") or ""),
                    )
                )
                self._add(record)
            if record is None:
                log.info("journal mentions %s, which is no longer configured", alarm_id)
                continue
            record.restore(last.flags, last.timestamp, last.value)
            record.text = last.message or record.definition.message
            if record.eval_index is not None:
                self._evaluator.set_raw_state(record.eval_index, record.condition)
            if record.shelve is not None:
                self._shelved.add(record)
            if record.definition.kind == Kind.COMM and record.condition:
                self._comm_down.add(record.definition.device)
            if record.definition.kind == Kind.ANOMALY:
                record.last_seen = last.timestamp
        log.info("alarm state restored: %d alarms from the journal", len(latest))

    def connect_engine(self, engine: EngineLike) -> None:
        """Subscribe to an :class:`app.engine.Engine`: sample batches, events and ticks."""
        engine.subscribe(self.on_batch)
        engine.subscribe_events(self.on_event)
        engine.subscribe_ticks(self.tick)

    # -- listeners ----------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(transitions)`` after each journaled group of transitions (or, with
        the database failing, after the grace, marked ``journaled=False``).

        It runs on the journal's ``alarm-notify`` thread, one group at a time, in order.
        """
        with self._lock, self._listeners_lock:
            self._listeners.append((listener, self._seq))

    def attach(self, listener: Listener) -> list[AlarmView]:
        """Add ``listener`` and return a snapshot of every alarm, atomically: the listener
        receives exactly the transitions that happen after the snapshot."""
        with self._lock:
            with self._listeners_lock:
                self._listeners.append((listener, self._seq))
            return self.views()

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        with self._listeners_lock:
            self._listeners = [(f, seq) for f, seq in self._listeners if f != listener]

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Wait until listeners heard of every transition so far (tests and shutdown only)."""
        return self.journal.wait_delivered(timeout)

    def wait_journaled(self, timeout: float = 10.0) -> bool:
        """Wait until every transition so far is on disk and delivered (tests, shutdown)."""
        return self.journal.wait_journaled(timeout)

    # -- engine side --------------------------------------------------------------------------

    def on_batch(self, batch: SampleBatch) -> None:
        """Evaluate a batch of samples."""
        if len(batch) == 0:
            return
        with self._lock:
            if batch.device in self._comm_down and bool(np.any(batch.quality == 0)):
                # Data flows again (e.g. the engine never announced the restart).
                self._comm(batch.device, False, "", "", float(batch.timestamps.min()))
            changes = self._evaluator.evaluate(batch)
            if self._rules:
                self._update_design()
            if len(changes):
                records = self._by_eval
                for index, t, state, value in zip(
                    changes.conditions.tolist(),
                    changes.timestamps.tolist(),
                    changes.states.tolist(),
                    changes.values.tolist(),
                    strict=True,
                ):
                    if self._pending:
                        self._fire_due(t)
                    self._raw_change(records[index], state, t, value)
            if self._pending:
                self._fire_due(float(batch.timestamps.max()))
            self._commit()

    def on_device_status(
        self,
        device: str,
        connected: bool,
        fault: str = "",
        timestamp: float | None = None,
        detail: str = "",
    ) -> None:
        """A device lost or regained communication; ``fault`` is the driver's fault kind
        (``timeout``, ``refused``... see :data:`app.messages.FAULTS`), ``detail`` its own error
        text, kept for the detail dialog only."""
        with self._lock:
            when = self.clock() if timestamp is None else timestamp
            self._comm(device, not connected, fault, detail, when)
            self._commit()

    def on_event(self, event: EngineEvent) -> None:
        """Engine events: comm loss and restoration drive the comm-loss alarms."""
        if event.kind == EventKind.COMM_LOSS:
            fault = str(event.data.get("fault") or "io")
            detail = str(event.data.get("detail") or "")
            self.on_device_status(event.source, False, fault, event.timestamp, detail)
        elif event.kind == EventKind.COMM_RESTORED:
            self.on_device_status(event.source, True, "", event.timestamp)

    def tick(self, now: float | None = None) -> None:
        """Timers: on/off delays, shelve expiry, anomaly auto-clear (the gateway retries
        journal writes by itself)."""
        with self._lock:
            now = self.clock() if now is None else now
            if self._pending:
                self._fire_due(now)
            for record in [r for r in self._shelved if r.shelve and r.shelve.until <= now]:
                self._unshelve(record, now, None, "shelve time expired")
            hold = self.settings.anomaly_clear_after_s
            if hold is not None:
                for record in self._anomalies:
                    if (
                        record.condition
                        and record.last_seen is not None
                        and now - record.last_seen >= hold
                    ):
                        self._set_condition(record, False, now, record.value)
            self._commit()

    # -- anomaly alarms -----------------------------------------------------------------------

    def raise_anomaly(
        self,
        timestamp: float,
        device: str,
        tag: str | None,
        detector: str,
        score: float,
        message: Message | str,
        priority: Priority | str | None = None,
        response: str = "",
    ) -> str:
        """Raise (or refresh) the anomaly alarm of ``detector`` on a tag or device; its id.

        ``message`` is the anomaly's explanation (``Anomaly.explanation``); plain text is taken
        as the user's own words."""
        said: Message | None = custom_message(message) if isinstance(message, str) else message
        if isinstance(message, str) and not message:
            said = None
        self._check_source(device, tag)
        if not detector or not detector.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"detector name {detector!r} must be letters, digits, '_' or '-'")
        if isinstance(priority, str):
            priority = Priority.parse(priority)
        alarm_id = anomaly_alarm_id(device, tag, detector)
        with self._lock:
            record = self._records.get(alarm_id)
            if record is None:
                definition = self._anomaly_definition(
                    device,
                    tag,
                    detector,
                    priority or self.settings.anomaly_priority,
                    said or Message("alarm.anomaly", {"detector": detector}),
                    response,
                )
                record = AlarmRecord(definition)
                record.comm = device in self._comm_down
                self._add(record)
            record.last_seen = timestamp
            if said is not None:
                record.text = said
            if record.condition:
                record.value = score
            else:
                self._set_condition(record, True, timestamp, score)
            self._commit()
        return alarm_id

    def clear_anomaly(self, timestamp: float, device: str, tag: str | None, detector: str) -> None:
        """The anomaly is over: the alarm returns to normal (still to be acknowledged)."""
        alarm_id = anomaly_alarm_id(device, tag, detector)
        with self._lock:
            record = self._records.get(alarm_id)
            if record is None:
                return
            if record.condition:
                self._set_condition(record, False, timestamp, record.value)
            self._commit()

    def on_anomalies(
        self,
        started: Iterable[AnomalyLike],
        cleared: Iterable[AnomalyLike] = (),
        timestamp: float | None = None,
    ) -> list[str]:
        """Feed the anomaly monitor's output: onsets raise, clearances (at ``timestamp``,
        default now) return to normal; one journal transaction for all. Anomalies of unknown
        devices or tags are logged and skipped. Returns the ids raised."""
        raised: list[str] = []
        with self._lock:
            when = self.clock() if timestamp is None else timestamp
            self._hold = True  # one journal write and one delivery for the whole call
            try:
                self._feed_anomalies(started, cleared, when, raised)
            finally:
                self._hold = False
            self._commit()
        return raised

    def _feed_anomalies(
        self,
        started: Iterable[AnomalyLike],
        cleared: Iterable[AnomalyLike],
        when: float,
        raised: list[str],
    ) -> None:
        for anomaly in started:
            try:
                raised.append(
                    self.raise_anomaly(
                        anomaly.timestamp,
                        anomaly.device,
                        anomaly.tag,
                        anomaly.detector,
                        anomaly.score,
                        anomaly.explanation,
                    )
                )
            except ValueError as exc:
                log.warning("anomaly not raised as an alarm: %s", exc)
        for anomaly in cleared:
            self.clear_anomaly(when, anomaly.device, anomaly.tag, anomaly.detector)

    def _check_source(self, device: str, tag: str | None) -> None:
        config = self._devices.get(device)
        if config is None:
            raise ValueError(f"unknown device '{device}'")
        if tag is not None and all(t.name != tag for t in config.tags):
            raise ValueError(f"device '{device}' has no tag '{tag}'")

    # -- operator actions (GUI thread) --------------------------------------------------------

    @contextmanager
    def _operator_action(
        self, alarm_ids: Iterable[str]
    ) -> Iterator[tuple[list[AlarmRecord], float]]:
        """Under the lock: the alarms acted on (UnknownAlarmError if one is missing) and the
        time; what the action emitted is journaled and delivered in one commit at the end."""
        with self._lock:
            yield self._lookup(alarm_ids), self.clock()
            self._commit()

    def acknowledge(self, alarm_ids: Iterable[str], actor: Actor, comment: str = "") -> list[str]:
        """Acknowledge alarms that wait for it; returns the ids actually acknowledged."""
        security.require(self.policy, actor, security.ALARM_ACKNOWLEDGE)
        comment = _clean_comment(comment)
        with self._operator_action(alarm_ids) as (records, now):
            done: list[str] = []
            for record in records:
                old = record.state
                if not old.needs_ack:
                    continue
                record.acked = True
                record.latched_hold = False
                record.acked_by = actor.name
                record.ack_comment = comment
                self._emit(record, TransitionKind.ACK, old, now, actor.name, comment, force=True)
                done.append(record.definition.alarm_id)
            return done

    def shelve(
        self,
        alarm_ids: Iterable[str],
        actor: Actor,
        reason: str,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> list[str]:
        """Shelve alarms for ``duration_s`` (at most the maximum shelve time).

        ``one_shot`` also unshelves each alarm when its condition next returns to normal.
        """
        security.require(self.policy, actor, security.ALARM_SHELVE)
        reason = _clean_comment(reason)
        if not reason:
            raise ValueError("a reason is required to shelve an alarm")
        duration = self.settings.default_shelve_s if duration_s is None else float(duration_s)
        limit = self.settings.max_shelve_s
        if not duration > 0:
            raise ValueError("the shelve time must be above zero")
        if duration > limit:
            raise ValueError(f"the shelve time {duration:g} s exceeds the maximum of {limit:g} s")
        with self._operator_action(alarm_ids) as (records, now):
            for record in records:
                old = record.state
                record.shelve = ShelveInfo(actor.name, reason, now, now + duration, one_shot)
                self._shelved.add(record)
                self._emit(record, TransitionKind.SHELVE, old, now, actor.name, reason, force=True)
            return [r.definition.alarm_id for r in records]

    def unshelve(self, alarm_ids: Iterable[str], actor: Actor, comment: str = "") -> list[str]:
        """Return shelved alarms to annunciation now."""
        security.require(self.policy, actor, security.ALARM_UNSHELVE)
        comment = _clean_comment(comment)
        with self._operator_action(alarm_ids) as (records, now):
            done = []
            for record in records:
                if record.shelve is not None:
                    self._unshelve(record, now, actor.name, comment)
                    done.append(record.definition.alarm_id)
            return done

    def set_out_of_service(self, alarm_ids: Iterable[str], actor: Actor, reason: str) -> list[str]:
        """Take alarms out of service (e.g. a broken sensor awaiting repair)."""
        security.require(self.policy, actor, security.ALARM_OUT_OF_SERVICE)
        reason = _clean_comment(reason)
        if not reason:
            raise ValueError("a reason is required to take an alarm out of service")
        with self._operator_action(alarm_ids) as (records, now):
            for record in records:
                old = record.state
                record.oos = actor.name
                self._emit(
                    record, TransitionKind.OUT_OF_SERVICE, old, now, actor.name, reason, force=True
                )
            return [r.definition.alarm_id for r in records]

    def return_to_service(
        self, alarm_ids: Iterable[str], actor: Actor, comment: str = ""
    ) -> list[str]:
        """Put out-of-service alarms back in service."""
        security.require(self.policy, actor, security.ALARM_OUT_OF_SERVICE)
        comment = _clean_comment(comment)
        with self._operator_action(alarm_ids) as (records, now):
            done = []
            for record in records:
                if record.oos is None:
                    continue
                old = record.state
                record.oos = None
                record.settle_after_unhide()
                self._emit(
                    record, TransitionKind.IN_SERVICE, old, now, actor.name, comment, force=True
                )
                done.append(record.definition.alarm_id)
            return done

    # -- queries ------------------------------------------------------------------------------

    def views(self, annunciated_only: bool = False) -> list[AlarmView]:
        """Every alarm (or only those shown to operators), most urgent first."""
        with self._lock:
            records = list(self._records.values())
            views = [r.view() for r in records if not annunciated_only or r.state.annunciated]
        views.sort(key=lambda v: (v.priority, -(v.last_change or 0.0)))
        return views

    def view(self, alarm_id: str) -> AlarmView:
        """One alarm."""
        with self._lock:
            return self._lookup([alarm_id])[0].view()

    def alarm_ids(self) -> list[str]:
        """Ids of every alarm."""
        with self._lock:
            return list(self._records)

    def counts(self) -> dict[Priority, tuple[int, int]]:
        """Per priority: (annunciated alarms, of which waiting for acknowledgement)."""
        result = {p: (0, 0) for p in Priority}
        with self._lock:
            for record in self._records.values():
                state = record.state
                if state.annunciated:
                    total, unacked = result[record.definition.priority]
                    result[record.definition.priority] = (total + 1, unacked + state.needs_ack)
        return result

    @property
    def journal_status(self) -> JournalStatus:
        """Whether the journal writes (the GUI shows an error and the backlog); memory only,
        it never waits for the database or for the manager's lock."""
        return self.journal.status

    def history(
        self,
        start: float | None = None,
        end: float | None = None,
        text: str = "",
        limit: int = 10_000,
    ) -> list[Transition]:
        """Journaled transitions, newest first (see :meth:`AlarmJournal.history`). Reads the
        database on the calling thread: views use :meth:`query_history`."""
        return self.journal.history(start, end, text, limit=limit)

    def query_history(
        self,
        start: float | None = None,
        end: float | None = None,
        text: str = "",
        limit: int = 10_000,
    ) -> Future[list[Transition]]:
        """:meth:`history` on the database gateway's reader thread."""
        return self.journal.query_history(start, end, text, limit=limit)

    # -- state machine ------------------------------------------------------------------------

    def _lookup(self, alarm_ids: Iterable[str]) -> list[AlarmRecord]:
        ids = [alarm_ids] if isinstance(alarm_ids, str) else list(alarm_ids)
        missing = [i for i in ids if i not in self._records]
        if missing:
            raise UnknownAlarmError(missing)
        return [self._records[i] for i in dict.fromkeys(ids)]

    def _raw_change(self, record: AlarmRecord, raw: bool, t: float, value: float | None) -> None:
        if raw == record.condition:
            if record.pending is not None:
                record.pending = None
                self._pending.discard(record)
            return
        d = record.definition
        delay = d.on_delay_s if raw else d.off_delay_s
        if delay <= 0:
            if record.pending is not None:
                record.pending = None
                self._pending.discard(record)
            self._set_condition(record, raw, t, value)
        else:
            record.pending = (raw, t + delay, value)
            self._pending.add(record)

    def _fire_due(self, now: float) -> None:
        due = [r for r in self._pending if r.pending is not None and r.pending[1] <= now]
        due.sort(key=lambda r: r.pending[1] if r.pending else 0.0)
        for record in due:
            assert record.pending is not None
            raw, when, value = record.pending
            record.pending = None
            self._pending.discard(record)
            self._set_condition(record, raw, when, value)

    def _set_condition(
        self, record: AlarmRecord, active: bool, t: float, value: float | None
    ) -> None:
        old = record.state
        record.value = value
        if active:
            record.condition = True
            record.acked = False
            record.latched_hold = False
            record.active_since = t
            record.acked_by = None
            record.ack_comment = ""
            # Journaled even while hidden, so that a restart restores the true condition.
            self._emit(record, TransitionKind.RAISE, old, t, force=True)
        else:
            record.condition = False
            if record.definition.latched and not record.hidden:
                record.latched_hold = True
            self._emit(record, TransitionKind.CLEAR, old, t, force=True)
            if record.shelve is not None and record.shelve.one_shot:
                self._unshelve(record, t, None, "one-shot shelve: returned to normal")
        if record.definition.kind == Kind.COMM:
            self._suppress_device(record.definition.device, active, t)

    def _unshelve(self, record: AlarmRecord, t: float, actor: str | None, comment: str) -> None:
        old = record.state
        record.shelve = None
        self._shelved.discard(record)
        record.settle_after_unhide()
        self._emit(record, TransitionKind.UNSHELVE, old, t, actor, comment, force=True)

    def _comm(self, device: str, lost: bool, fault: str, detail: str, t: float) -> None:
        record = self._records.get(comm_alarm_id(device))
        if record is None:
            log.warning("communication status of unknown device %s ignored", device)
            return
        if lost:
            self._comm_down.add(device)
            if fault:
                params = {**record.definition.message.params, "fault": fault}
                record.text = Message("alarm.comm_fault", params)
                record.detail = detail
        else:
            self._comm_down.discard(device)
        self._raw_change(record, lost, t, None)

    def _suppress_device(self, device: str, suppressed: bool, t: float) -> None:
        for record in self._by_device.get(device, ()):
            if record.definition.kind == Kind.COMM or record.comm == suppressed:
                continue
            old = record.state
            record.comm = suppressed
            record.settle_after_unhide()
            event = TransitionKind.SUPPRESS if suppressed else TransitionKind.UNSUPPRESS
            self._emit(record, event, old, t, None, "communication lost" if suppressed else "")

    def _update_design(self) -> None:
        evaluator = self._evaluator
        for key, records in self._rules.items():
            tag_id, values = key
            seen = evaluator.last_time(tag_id)
            if seen != seen or seen == self._rule_seen.get(key):  # NaN: never seen
                continue
            self._rule_seen[key] = seen
            value = evaluator.last_value(tag_id)
            if value != value:
                continue
            active = value in values
            if active == self._rule_state[key]:
                continue
            self._rule_state[key] = active
            for record in records:
                if record.design == active:
                    continue
                old = record.state
                record.design = active
                record.settle_after_unhide()
                event = TransitionKind.SUPPRESS if active else TransitionKind.UNSUPPRESS
                self._emit(record, event, old, seen, None, "by design" if active else "")

    def _emit(
        self,
        record: AlarmRecord,
        event: TransitionKind,
        old: AlarmState,
        t: float,
        actor: str | None = None,
        comment: str = "",
        force: bool = False,
    ) -> None:
        new = record.state
        if new == old and not force:
            return
        record.last_change = t
        self._seq += 1
        d = record.definition
        self._out.append(
            Transition(
                seq=self._seq,
                timestamp=t,
                alarm_id=d.alarm_id,
                event=event,
                state=new,
                previous=old,
                priority=d.priority,
                device=d.device,
                tag=d.tag,
                condition=d.condition,
                message=record.text,
                value=record.value,
                actor=actor,
                comment=comment,
                flags=record.flags(),
            )
        )

    def _commit(self) -> None:
        # Under the lock, so groups reach the journal in sequence order; returns at once.
        if not self._out or self._hold:
            return
        out, self._out = self._out, []
        self.journal.submit(out)

    def _deliver(self, transitions: Sequence[Transition]) -> None:
        # The journal's notify thread, one group at a time, after its commit (or grace).
        with self._listeners_lock:
            listeners = list(self._listeners)
        last = transitions[-1].seq
        for listener, after in listeners:
            if last <= after:
                continue  # attached after this group was made: its snapshot has it
            try:
                listener(transitions)
            except Exception:
                log.exception("alarm listener %r failed", listener)


def _clean_comment(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValueError(f"the comment is longer than {MAX_COMMENT} characters")
    return text
