"""The audit trail in the station database: an urgent gateway write kind and its reader.

Entries are chained on the gateway's writer thread, inside the transaction that inserts them:
the writer reads the last entry, numbers and hashes the new ones after it, and stores the new
head (last sequence number and hash) in ``station_state`` under :data:`ANCHOR_KEY` in the same
transaction. Every process that writes the trail (the station, the ``shopfloor users`` command)
does so this way, holding the database's write lock from before it reads the head: two
processes appending at once wait for each other (busy timeout) and chain one after the other.

What truncation detection relies on: the anchor row. Deleting entries from the end is caught
because the anchor names a later sequence number; someone who can write the database file can
also rewrite the anchor. A copy of the head kept elsewhere (``shopfloor audit verify`` prints
it and checks it again with ``--head SEQ:HASH``; the sync work sends it with the summaries)
closes that gap.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    select,
)

from app.audit.chain import (
    GENESIS,
    Anchor,
    AuditEntry,
    VerifyResult,
    entry_hash,
    plain_details,
    plain_text,
)
from app.audit.chain import verify as verify_chain
from app.security import Actor
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind
from app.storage.state import metadata as state_metadata
from app.storage.state import station_state

ANCHOR_KEY = "audit_anchor"
#: The actor of actions nobody in particular took (expiry, start-up).
log = logging.getLogger(__name__)

SYSTEM = "system"

metadata = MetaData()

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("entry_id", String(32), nullable=False, unique=True),
    Column("ts", Float, nullable=False, index=True),
    Column("station", String(120), nullable=False),
    Column("actor", String(120), nullable=False, index=True),
    Column("action", String(80), nullable=False, index=True),
    Column("target", Text, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        entry_id=row.entry_id,
        ts=row.ts,
        station=row.station,
        actor=row.actor,
        action=row.action,
        target=row.target,
        outcome=row.outcome,
        details=json.loads(row.details),
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class AuditKind(WriteKind[AuditEntry]):
    """Appends entries to the chain (urgent: committed as soon as submitted)."""

    name = "audit"
    urgent = True

    def __init__(self) -> None:
        self.listeners: list[Callable[[Sequence[AuditEntry]], None]] = []
        self._chained: list[AuditEntry] = []

    def create(self, database: Database) -> None:
        create_tables(database)

    def committed(self, items: Sequence[AuditEntry]) -> None:
        # The entries as chained (sequence number and hash), on the writer thread after the
        # commit: the cluster sync sends them, so the server holds heads the station cannot
        # rewrite.
        chained, self._chained = self._chained, []
        for listener in self.listeners:
            try:
                listener(chained)
            except Exception:
                log.exception("an audit listener failed")

    def write(self, conn: Connection, items: Sequence[AuditEntry], retry: bool) -> None:
        # A write first: it takes the database's write lock (waiting out the busy timeout), so
        # the head read below cannot change before this transaction commits, even with another
        # process appending (the Python sqlite3 driver starts a transaction at the first write;
        # a read before it would see a head that may be stale by the time we insert).
        conn.execute(delete(station_state).where(station_state.c.key == ANCHOR_KEY))
        if retry:  # a commit may have landed yet reported an error: skip what is there
            ids = [e.entry_id for e in items]
            there = set(
                conn.execute(
                    select(audit_log.c.entry_id).where(audit_log.c.entry_id.in_(ids))
                ).scalars()
            )
            items = [e for e in items if e.entry_id not in there]
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq, last.hash) if last is not None else (0, GENESIS)
        rows = []
        self._chained = []
        for item in items:
            seq += 1
            entry = replace(item, seq=seq, prev_hash=prev)
            entry = replace(entry, hash=entry_hash(prev, entry))
            self._chained.append(entry)
            prev = entry.hash
            rows.append(
                {
                    "seq": entry.seq,
                    "entry_id": entry.entry_id,
                    "ts": entry.ts,
                    "station": entry.station,
                    "actor": entry.actor,
                    "action": entry.action,
                    "target": entry.target,
                    "outcome": entry.outcome,
                    "details": json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                }
            )
        if rows:
            conn.execute(insert(audit_log), rows)
        anchor = json.dumps({"seq": seq, "hash": prev})
        conn.execute(
            insert(station_state).values(key=ANCHOR_KEY, saved_at=time.time(), document=anchor)
        )


def create_tables(database: Database) -> None:
    metadata.create_all(database)
    state_metadata.create_all(database)


class AuditTrail:
    """Records permissioned actions; :meth:`record` returns at once (the gateway commits)."""

    def __init__(
        self,
        gateway: DatabaseGateway,
        station: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway = gateway
        self.station = station
        self.clock = clock
        self._audit_kind = AuditKind()
        self.kind = gateway.register(self._audit_kind)

    def add_listener(self, listener: Callable[[Sequence[AuditEntry]], None]) -> None:
        """Hear of entries once committed, chained (on the writer thread; return at once)."""
        self._audit_kind.listeners.append(listener)

    def record(
        self,
        actor: Actor | str | None,
        action: str,
        target: str = "",
        details: Mapping[str, Any] | None = None,
        outcome: str = "ok",
    ) -> None:
        """Append one entry: who (None: the system), what, on what, with which details."""
        self.gateway.submit(self.kind, [self.entry(actor, action, target, details, outcome)])

    def entry(
        self,
        actor: Actor | str | None,
        action: str,
        target: str = "",
        details: Mapping[str, Any] | None = None,
        outcome: str = "ok",
    ) -> AuditEntry:
        """The entry :meth:`record` would append, for a write kind that commits it in its own
        transaction (with :attr:`audit_kind`), together with the change it records."""
        name = actor.name if isinstance(actor, Actor) else (actor or SYSTEM)
        return AuditEntry(
            entry_id=uuid.uuid4().hex,
            ts=float(self.clock()),
            station=plain_text(self.station),
            actor=plain_text(name),
            action=plain_text(action),
            target=plain_text(target),
            outcome=plain_text(outcome),
            details=plain_details(details),
        )

    @property
    def audit_kind(self) -> AuditKind:
        """The chain's write kind (its ``write`` and ``committed`` for another kind's
        transaction)."""
        return self._audit_kind


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the audit view asks for (every field optional)."""

    since: float | None = None
    until: float | None = None
    actor: str | None = None
    action: str | None = None
    """An action name, or a prefix ending in ``.`` (``alarm.``) or ``*`` (``sign*``)."""
    limit: int = 1000


def query(database: Database, wanted: AuditFilter = AuditFilter()) -> list[AuditEntry]:
    """Entries matching ``wanted``, newest first (bound parameters only)."""
    create_tables(database)
    conditions = []
    if wanted.since is not None:
        conditions.append(audit_log.c.ts >= wanted.since)
    if wanted.until is not None:
        conditions.append(audit_log.c.ts < wanted.until)
    if wanted.actor:
        conditions.append(audit_log.c.actor == wanted.actor)
    if wanted.action:
        if wanted.action.endswith((".", "*")):
            prefix = wanted.action.rstrip("*")
            conditions.append(audit_log.c.action.startswith(prefix, autoescape=True))
        else:
            conditions.append(audit_log.c.action == wanted.action)
    statement = select(audit_log).order_by(audit_log.c.seq.desc()).limit(wanted.limit)
    if conditions:
        statement = statement.where(and_(*conditions))
    with database.connect() as conn:
        return [_entry(row) for row in conn.execute(statement)]


def entries(database: Database, chunk: int = 5000, after: int = 0) -> Iterator[AuditEntry]:
    """Every entry after sequence number ``after``, in order, read in chunks (a long trail never
    fills memory; the sync work sends what follows the last entry it sent)."""
    while True:
        with database.connect() as conn:
            rows = conn.execute(
                select(audit_log)
                .where(audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(chunk)
            ).all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        after = rows[-1].seq


def load_anchor(database: Database) -> Anchor | None:
    """The stored head of the chain, or None."""
    with database.connect() as conn:
        text = conn.execute(
            select(station_state.c.document).where(station_state.c.key == ANCHOR_KEY)
        ).scalar()
    if text is None:
        return None
    try:
        document = json.loads(text)
        return Anchor(int(document["seq"]), str(document["hash"]))
    except (ValueError, KeyError, TypeError):
        return Anchor(-1, "")  # unreadable: verify reports it as not covering the chain


def verify(database: Database, known: Anchor | None = None) -> VerifyResult:
    """Check the whole chain in ``database``, its anchor and a head ``known`` from elsewhere."""
    create_tables(database)
    return verify_chain(entries(database), load_anchor(database), known)
