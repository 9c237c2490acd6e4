"""Machine stops: the log of stops that need a reason, micro-stops, and the reasons operators
give (a table in the station database and an in-memory copy).

The dispatcher's :class:`app.oee.stops.StopWatcher` opens a stop once a machine has stood
still for ``oee.reason_after_s``, closes it when the machine runs again and records a stop
shorter than ``oee.micro_stop_s`` as a micro-stop. An operator explains a stop later, from the
list of unexplained ones (the screen never waits for it): the reason is a leaf of the
configured tree, needs the ``order.run`` permission (who runs production explains its stops),
is audited and handed to the listeners (the sync outbox). Every change goes through the gateway
(the urgent ``oee_stops`` kind) and updates the copy at once, so no view reads the database.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    MetaData,
    String,
    Table,
    delete,
    insert,
    or_,
    select,
)

from app.audit import AuditTrail
from app.config import StationConfig
from app.security import ORDER_RUN, AccessPolicy, Actor, require
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind

#: Stops loaded at start-up: every unexplained one and the explained ones of this long.
KEEP_S = 8 * 86400.0

metadata = MetaData()

stops_table = Table(
    "oee_stops",
    metadata,
    Column("uid", String(36), primary_key=True),
    Column("machine", String(64), nullable=False),
    Column("start", Float, nullable=False),
    Column("end", Float, nullable=True),
    Column("category", String(32), nullable=False),
    Column("shift", String(16), nullable=False),
    Column("micro", Boolean, nullable=False),
    Column("reason", String(120), nullable=True),
    Column("operator", String(64), nullable=True),
    Column("noted_at", Float, nullable=True),
    Column("comment", String(400), nullable=False),
    Index("ix_oee_stops_start", "start"),
)


@dataclass(frozen=True, slots=True)
class Stop:
    """A machine stop: open while ``end`` is None; explained once ``reason`` is set."""

    uid: str
    machine: str
    start: float
    end: float | None
    category: str
    shift: str
    micro: bool = False
    reason: str | None = None
    """The path of codes of a leaf of the reason tree (``MECH/BEARING``)."""
    operator: str | None = None
    noted_at: float | None = None
    comment: str = ""

    def duration(self, now: float) -> float:
        return (self.end if self.end is not None else now) - self.start

    @property
    def needs_reason(self) -> bool:
        return not self.micro and self.reason is None


_FIELDS = [c.name for c in stops_table.columns]


class StopsKind(WriteKind[Stop]):
    """Replaces a stop's row; only the newest of a stop in one round is written."""

    name = "oee_stops"
    urgent = True

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[Stop], retry: bool) -> None:
        newest = {item.uid: item for item in items}
        for uid, stop in newest.items():
            conn.execute(delete(stops_table).where(stops_table.c.uid == uid))
            conn.execute(insert(stops_table).values(**asdict(stop)))


def load_stops(database: Database, since: float) -> list[Stop]:
    """Unexplained stops and those since ``since`` (a direct read: start-up and tests)."""
    metadata.create_all(database)
    c = stops_table.c
    query = select(stops_table).where(
        or_(c.start >= since, (c.reason.is_(None)) & (c.micro.is_(False)))
    )
    with database.connect() as conn:
        rows = conn.execute(query.order_by(c.start)).mappings().all()
    return [Stop(**{name: row[name] for name in _FIELDS}) for row in rows]


class DowntimeError(ValueError):
    """A reason that cannot be given (the sentence says why)."""


Listener = Callable[[Stop], None]


class DowntimeLog:
    """The station's stops (thread-safe): the watcher writes, operators explain."""

    def __init__(
        self,
        config: StationConfig,
        gateway: DatabaseGateway,
        policy: AccessPolicy,
        audit: AuditTrail,
        now: float | None = None,
    ) -> None:
        self.config = config.oee
        self.gateway = gateway
        self.policy = policy
        self.audit = audit
        self.kind = gateway.register(StopsKind())
        self.listeners: list[Listener] = []
        """Called with each explained stop (any thread; must not block)."""
        self._lock = threading.Lock()
        since = (time.time() if now is None else now) - KEEP_S
        self._stops = {s.uid: s for s in load_stops(gateway.db, since)}

    # -- the watcher (dispatcher thread) --------------------------------------------------------

    def open(self, machine: str, start: float, category: str, shift: str) -> Stop:
        stop = Stop(str(uuid.uuid4()), machine, start, None, category, shift)
        return self._put(stop)

    def close(self, uid: str, end: float) -> Stop | None:
        with self._lock:
            stop = self._stops.get(uid)
        if stop is None or stop.end is not None:
            return stop
        return self._put(replace(stop, end=end))

    def micro(self, machine: str, start: float, end: float, category: str, shift: str) -> Stop:
        return self._put(Stop(str(uuid.uuid4()), machine, start, end, category, shift, True))

    def ongoing(self, machine: str) -> Stop | None:
        """The machine's open stop (one left open by the last run too)."""
        with self._lock:
            found = [s for s in self._stops.values() if s.machine == machine and s.end is None]
        return max(found, key=lambda s: s.start) if found else None

    # -- people ---------------------------------------------------------------------------------

    def explain(self, actor: Actor, uid: str, reason: str, comment: str = "") -> Stop:
        """Give a stop its reason (a leaf of the tree); an explained stop may be corrected."""
        require(self.policy, actor, ORDER_RUN)
        chain = self.config.reason(reason)
        if chain is None:
            raise DowntimeError(f"'{reason}' is not a reason of the tree")
        with self._lock:
            stop = self._stops.get(uid)
        if stop is None or stop.micro:
            raise DowntimeError("no such stop")
        before = stop.reason
        stop = self._put(
            replace(
                stop,
                reason=reason,
                operator=actor.name,
                noted_at=time.time(),
                comment=comment.strip()[:400],
            )
        )
        details: dict[str, Any] = {
            "machine": stop.machine,
            "start": stop.start,
            "end": stop.end,
            "reason": reason,
            "reason_en": " > ".join(n.en for n in chain),
        }
        if before is not None:
            details["before"] = before
        if stop.comment:
            details["comment"] = stop.comment
        self.audit.record(actor, "downtime.explain", f"{stop.machine} stop {stop.uid}", details)
        for listener in self.listeners:
            listener(stop)
        return stop

    # -- reading --------------------------------------------------------------------------------

    def unexplained(self) -> list[Stop]:
        """Stops waiting for a reason, oldest first."""
        with self._lock:
            stops = [s for s in self._stops.values() if s.needs_reason]
        return sorted(stops, key=lambda s: s.start)

    def between(self, start: float, end: float) -> list[Stop]:
        """Stops (micro ones too) overlapping ``[start, end)``, oldest first."""
        with self._lock:
            stops = [
                s
                for s in self._stops.values()
                if s.start < end and (s.end is None or s.end > start)
            ]
        return sorted(stops, key=lambda s: s.start)

    def _put(self, stop: Stop) -> Stop:
        with self._lock:
            self._stops[stop.uid] = stop
        self.gateway.submit(self.kind, [stop])
        return stop
