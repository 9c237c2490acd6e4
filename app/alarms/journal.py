"""The alarm journal: every transition goes to the database through the gateway, and is read
back on restart.

Writing never blocks the caller. :meth:`AlarmJournal.submit` (called by the alarm manager under
its lock, on the dispatcher or the GUI thread) hands a group of transitions to the gateway's
``alarm_journal`` write kind, committed at once on the writer thread (a flood of thousands of
transitions is one ``executemany``). The thread ``alarm-notify`` then delivers each group to the
manager's listeners, in sequence order, one call per group:

* normally right after its commit, so a view never shows what is not on disk;
* if the commit has not landed within ``grace_s`` (database locked, failing or full), anyway,
  with every transition marked ``journaled=False``: the operator still sees the alarm. The rows
  stay in memory and are retried until they land, never dropped; :attr:`AlarmJournal.status`
  says how many wait and why, and changes back when they land.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from app.alarms.model import AlarmState, Priority, Transition, TransitionKind, custom_message
from app.messages import Message
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind

log = logging.getLogger(__name__)

metadata = MetaData()

journal_table = Table(
    "alarm_journal",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", Float, nullable=False),
    Column("alarm_id", String(256), nullable=False),
    Column("event", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("previous", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("device", String(64), nullable=False),
    Column("tag", String(64), nullable=True),
    Column("condition", String(128), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("value", Float, nullable=True),
    Column("actor", String(64), nullable=True),
    Column("comment", Text, nullable=False, default=""),
    Column("flags", JSON, nullable=False),
    # Added later (see ensure_schema): the message as data; ``message`` keeps its English text
    # for text search and for older readers. A row without an id is an old one: its text is
    # read back as the user's own words ("alarm.custom").
    Column("message_id", String(64), nullable=True),
    Column("message_params", JSON, nullable=True),
)
Index("ix_alarm_journal_ts", journal_table.c.ts)
Index("ix_alarm_journal_alarm", journal_table.c.alarm_id, journal_table.c.seq)


#: Columns added after the first release, with their SQL type, for :func:`ensure_schema`.
_ADDED_COLUMNS = {"message_id": "VARCHAR(64)", "message_params": "JSON"}


def ensure_schema(database: Database) -> None:
    """Create the journal table, or add the columns an older journal lacks (its rows stay
    readable: see :func:`transition_from_row`)."""
    metadata.create_all(database)
    with database.connect() as conn:
        present = {c["name"] for c in inspect(conn).get_columns(journal_table.name)}
    missing = [name for name in _ADDED_COLUMNS if name not in present]
    if not missing:
        return
    with database.begin() as conn:
        for name in missing:
            conn.exec_driver_sql(
                f"ALTER TABLE {journal_table.name} ADD COLUMN {name} {_ADDED_COLUMNS[name]}"
            )
    log.info("alarm journal: added columns %s", ", ".join(missing))


def _json_default(value: Any) -> Any:
    # numpy scalars in a detector's explanation: their Python value
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def _params_json(message: Message) -> str:
    return json.dumps(message.to_dict()["params"], default=_json_default, ensure_ascii=False)


def _row(t: Transition) -> dict[str, Any]:
    return {
        "seq": t.seq,
        "ts": t.timestamp,
        "alarm_id": t.alarm_id,
        "event": t.event.value,
        "state": t.state.value,
        "previous": t.previous.value,
        "priority": int(t.priority),
        "device": t.device,
        "tag": t.tag,
        "condition": t.condition,
        "message": t.message.render(),
        "value": t.value,
        "actor": t.actor,
        "comment": t.comment,
        "flags": t.flags,
        "message_id": t.message.id,
        "message_params": json.loads(_params_json(t.message)),
    }


_COLUMNS = tuple(c.name for c in journal_table.columns)


#: Rendered text and parameter JSON per message object: (message, text, JSON) by ``id``.
Said = dict[int, tuple[Message, str, str]]


def _said(message: Message, said: Said) -> tuple[Message, str, str]:
    hit = said.get(id(message))
    if hit is None or hit[0] is not message:
        if len(said) > 20_000:
            said.clear()
        hit = said[id(message)] = (message, message.render(), _params_json(message))
    return hit


def _tuple(t: Transition, said: Said) -> tuple[Any, ...]:
    """The row of ``t`` in column order (JSON as the text SQLAlchemy would write); ``said``
    caches the rendered message per message object (each alarm keeps its message object, so
    a flood over the same alarms renders each once)."""
    message = _said(t.message, said)
    return (
        t.seq,
        t.timestamp,
        t.alarm_id,
        t.event.value,
        t.state.value,
        t.previous.value,
        int(t.priority),
        t.device,
        t.tag,
        t.condition,
        message[1],
        t.value,
        t.actor,
        t.comment,
        json.dumps(t.flags),
        t.message.id,
        message[2],
    )


def transition_from_row(row: Any) -> Transition:
    """Rebuild a :class:`Transition` from a journal row."""
    m = row._mapping
    return Transition(
        seq=m["seq"],
        timestamp=m["ts"],
        alarm_id=m["alarm_id"],
        event=TransitionKind(m["event"]),
        state=AlarmState(m["state"]),
        previous=AlarmState(m["previous"]),
        priority=Priority(m["priority"]),
        device=m["device"],
        tag=m["tag"],
        condition=m["condition"],
        message=message_from_row(m),
        value=m["value"],
        actor=m["actor"],
        comment=m["comment"] or "",
        flags=dict(m["flags"] or {}),
    )


def message_from_row(m: Any) -> Message:
    """The message of a journal row; an old row (no id) says its English text as it was."""
    message_id = m.get("message_id")
    if not message_id:
        return custom_message(m.get("message") or "")
    params = m.get("message_params")
    if isinstance(params, str):  # a driver that hands JSON back as text
        params = json.loads(params)
    return Message.from_dict({"id": message_id, "params": params or {}})


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """Health of the journal, for the GUI's banner; reading it never touches the database."""

    ok: bool
    pending: int
    """Transitions handed over and not yet on disk."""
    error: str = ""
    since: float | None = None
    """When the current database error started (epoch seconds)."""
    written: int = 0
    dropped: int = 0
    """Always 0: the journal keeps retrying, it never drops (kept for the views)."""


Deliver = Callable[[Sequence[Transition]], None]


@dataclass(slots=True)
class _Group:
    """The transitions of one manager commit, waiting for delivery."""

    transitions: list[Transition]
    due: float
    """Monotonic time after which it is delivered even if not yet on disk."""


class JournalKind(WriteKind[Transition]):
    """The gateway's write kind for journal rows: committed at once, in sequence order."""

    name = "alarm_journal"
    urgent = True

    def __init__(self, journal: AlarmJournal) -> None:
        self.journal = journal
        self._sql = ""  # the DBAPI's own INSERT, when its parameters are positional
        self._said: Said = {}  # writer thread only

    def create(self, database: Database) -> None:
        ensure_schema(database)
        compiled = insert(journal_table).compile(dialect=database.dialect)
        if database.dialect.positional and tuple(compiled.positiontup or ()) == _COLUMNS:
            self._sql = str(compiled)

    def write(self, conn: Connection, items: Sequence[Transition], retry: bool) -> None:
        if retry:  # a commit can succeed yet report an error: never write a seq twice
            top = conn.execute(select(func.max(journal_table.c.seq))).scalar()
            if top is not None:
                items = [t for t in items if t.seq > top]
        if not items:
            return
        if self._sql:
            # Plain tuples through the DBAPI's executemany: a flood of 10,000 transitions is
            # written without 10,000 SQLAlchemy parameter dicts (the writer shares the GIL).
            said = self._said
            conn.exec_driver_sql(self._sql, [_tuple(t, said) for t in items])
        else:
            conn.execute(insert(journal_table), [_row(t) for t in items])

    def committed(self, items: Sequence[Transition]) -> None:
        self.journal._committed(items[-1].seq)

    def stopped(self) -> None:
        self.journal.close()


class AlarmJournal:
    """The alarm manager's way to the ``alarm_journal`` table; thread safe, never blocking."""

    def __init__(self, gateway: DatabaseGateway, grace_s: float = 0.75) -> None:
        self.gateway = gateway
        self.grace_s = grace_s
        self.deliver: Deliver | None = None
        """Set by the manager: called with each group on the thread ``alarm-notify``."""
        self._cond = threading.Condition()
        self._groups: deque[_Group] = deque()
        self._backlog: deque[Transition] = deque()  # handed over, not yet committed
        self._journaled_seq = 0
        self._generation = 0  # a notify thread runs while its generation is current
        self._thread: threading.Thread | None = None
        self._kind = gateway.register(JournalKind(self))

    @property
    def db(self) -> Database:
        return self.gateway.db

    # -- writing (any thread; returns at once) ------------------------------------------------

    def submit(self, transitions: Sequence[Transition]) -> None:
        """Hand a group of transitions (increasing ``seq``) over for writing and delivery."""
        if not transitions:
            return
        group = list(transitions)
        with self._cond:
            self._backlog.extend(group)
            self._groups.append(_Group(group, time.monotonic() + self.grace_s))
            if self._thread is None:  # first use, or used again after close
                self._thread = threading.Thread(
                    target=self._run, args=(self._generation,), name="alarm-notify", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        self.gateway.submit(self._kind, group)

    def _committed(self, seq: int) -> None:
        # Writer thread, after a commit: the rows are in sequence order.
        with self._cond:
            self._journaled_seq = max(self._journaled_seq, seq)
            backlog = self._backlog
            while backlog and backlog[0].seq <= seq:
                backlog.popleft()
            self._cond.notify_all()

    def _run(self, generation: int) -> None:
        while True:
            with self._cond:
                while True:
                    if generation != self._generation:  # closed
                        return
                    if self._groups:
                        head = self._groups[0]
                        wait = head.due - time.monotonic()
                        if head.transitions[-1].seq <= self._journaled_seq or wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                group = self._groups[0]
                journaled = self._journaled_seq
            out = group.transitions
            if out[-1].seq > journaled:
                out = [t if t.seq <= journaled else replace(t, journaled=False) for t in out]
            if self.deliver is not None:
                try:
                    self.deliver(out)
                except Exception:
                    log.exception("alarm delivery failed")
            with self._cond:
                self._groups.popleft()
                self._cond.notify_all()

    def _wait_while(self, busy: Callable[[], object], deadline: float) -> bool:
        """Wait on the journal's condition until ``busy()`` is false or ``deadline`` passes."""
        with self._cond:
            while busy():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Wait until every group handed over so far was delivered (tests, shutdown)."""
        return self._wait_while(lambda: self._groups, time.monotonic() + timeout)

    def wait_journaled(self, timeout: float = 10.0) -> bool:
        """Wait until everything handed over so far is committed and delivered."""
        deadline = time.monotonic() + timeout
        return self._wait_while(lambda: self._backlog, deadline) and self._wait_while(
            lambda: self._groups, deadline
        )

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued, then stop the notify thread (the gateway calls it when it
        stops)."""
        self.wait_delivered(timeout)
        with self._cond:
            self._generation += 1
            self._thread = None
            self._cond.notify_all()

    @property
    def status(self) -> JournalStatus:
        """Current health (memory only: safe on the GUI thread, never waits for the database)."""
        gateway = self.gateway.status
        with self._cond:
            pending = len(self._backlog)
        failing = bool(pending and gateway.error)
        return JournalStatus(
            ok=not failing,
            pending=pending,
            error=gateway.error if failing else "",
            since=gateway.since if failing else None,
            written=gateway.written.get(JournalKind.name, 0),
        )

    def prune(self, before: float) -> int:
        """Delete transitions older than ``before`` except each alarm's latest (which restores
        it); returns the rows deleted. Reads and writes the database: not on the GUI thread."""
        return prune(self.db, before)

    # -- reading ----------------------------------------------------------------------------

    def latest_per_alarm(self) -> tuple[dict[str, Transition], int]:
        """The last transition of every alarm and the highest sequence number (start-up)."""
        return latest_per_alarm(self.db)

    def unwritten(self) -> list[Transition]:
        """Transitions handed over and not yet on disk, oldest first."""
        with self._cond:
            return list(self._backlog)

    def history(
        self,
        start: float | None = None,
        end: float | None = None,
        text: str = "",
        events: Iterable[TransitionKind] | None = None,
        limit: int = 10_000,
    ) -> list[Transition]:
        """Journaled transitions (see :func:`history`) plus those still waiting in memory.
        Reads the database on the calling thread: the GUI uses :meth:`query_history`."""
        wanted = None if events is None else list(events)
        pending = self.unwritten()  # before the query: a row committed meanwhile is in one
        try:
            found = history(self.db, start, end, text, wanted, limit)
        except SQLAlchemyError as exc:  # show what memory holds rather than nothing
            log.warning("alarm history unreadable: %s", exc)
            found = []
        return _with_unwritten(found, pending, start, end, text, wanted, limit)

    def query_history(
        self,
        start: float | None = None,
        end: float | None = None,
        text: str = "",
        events: Iterable[TransitionKind] | None = None,
        limit: int = 10_000,
    ) -> Future[list[Transition]]:
        """:meth:`history` on the gateway's reader thread."""
        wanted = None if events is None else list(events)
        return self.gateway.read(lambda _db: self.history(start, end, text, wanted, limit))


def latest_per_alarm(database: Database) -> tuple[dict[str, Transition], int]:
    """The last transition of every alarm and the highest sequence number (0 if empty)."""
    ensure_schema(database)
    j = journal_table
    last = select(func.max(j.c.seq)).group_by(j.c.alarm_id).scalar_subquery()
    with database.connect() as conn:
        rows = conn.execute(select(j).where(j.c.seq.in_(last))).all()
        top = conn.execute(select(func.max(j.c.seq))).scalar() or 0
    latest = {row.alarm_id: transition_from_row(row) for row in rows}
    return latest, int(top)


def prune(database: Database, before: float) -> int:
    """Delete transitions older than ``before`` except each alarm's latest; the rows deleted."""
    j = journal_table
    latest = select(func.max(j.c.seq)).group_by(j.c.alarm_id).scalar_subquery()
    with database.begin() as conn:
        result = conn.execute(delete(j).where(j.c.ts < before, j.c.seq.not_in(latest)))
    return int(result.rowcount or 0)


def history(
    database: Database,
    start: float | None = None,
    end: float | None = None,
    text: str = "",
    events: Iterable[TransitionKind] | None = None,
    limit: int = 10_000,
) -> list[Transition]:
    """Transitions between ``start`` and ``end``, newest first, optionally matching ``text``
    (in the alarm id, message, actor or comment) and of the given events."""
    j = journal_table
    query = select(j).order_by(j.c.seq.desc()).limit(limit)
    if start is not None:
        query = query.where(j.c.ts >= start)
    if end is not None:
        query = query.where(j.c.ts <= end)
    if events is not None:
        query = query.where(j.c.event.in_(sorted({e.value for e in events})))
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                j.c.alarm_id.ilike(pattern),
                j.c.message.ilike(pattern),
                j.c.actor.ilike(pattern),
                j.c.comment.ilike(pattern),
            )
        )
    ensure_schema(database)
    with database.connect() as conn:
        return [transition_from_row(r) for r in conn.execute(query)]


def _with_unwritten(
    found: list[Transition],
    pending: list[Transition],
    start: float | None,
    end: float | None,
    text: str,
    events: Iterable[TransitionKind] | None,
    limit: int,
) -> list[Transition]:
    needle = text.casefold()
    wanted = None if events is None else {e.value for e in events}
    extra = [
        t
        for t in pending
        if (start is None or t.timestamp >= start)
        and (end is None or t.timestamp <= end)
        and (wanted is None or t.event.value in wanted)
        and (
            not needle
            or any(
                needle in (s or "").casefold()
                for s in (t.alarm_id, t.message.render(), t.actor, t.comment)
            )
        )
    ]
    merged = {t.seq: t for t in [*found, *extra]}
    return sorted(merged.values(), key=lambda t: t.seq, reverse=True)[:limit]
