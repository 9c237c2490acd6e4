"""Work orders the cluster's lead publishes to a station (docs/SYNC.md, "Orders from the lead";
schema ``docs/order-feed.schema.json``).

One MQTT message is one order at one revision on the station's order topic
``<prefix>/orders/v1/<company>/<site>/<line>/<station>`` (outside ``<prefix>/v1/#``, so the
cluster receiver never takes it for a station's message). The station checks every field (a bad
order gets a sentence naming the field, is counted and dropped, never raised), drops a revision
it has applied already (or an older one), and applies the rest through the
:class:`~app.orders.store.OrderBook`: a new order is added, a planned one updated, one running
or finished here keeps what the station counted; ``"action": "cancel"`` cancels a planned one.
Each applied revision is remembered in ``order_feed`` in the same transaction that writes the
order row, and the message is acknowledged to the broker only after that commit: an order is
never lost to a crash, and a redelivered one is dropped as a duplicate.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Float, Integer, MetaData, String, Table, delete, insert
from sqlalchemy import select as sql_select

from app.audit import AuditEntry
from app.audit.trail import AuditKind
from app.messages import Message
from app.orders.model import WorkOrder
from app.orders.store import OrderBook, OrdersKind
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind

PAYLOAD_VERSION = 1
#: Longest order id, part number, customer, machine (the ``work_orders`` columns).
LIMITS = {"order_id": 64, "part_number": 64, "customer": 120, "machine": 64}
MAX_PAYLOAD = 64 * 1024
MAX_QUANTITY = 10**9
MAX_SENDER = 120
ACTIONS = ("put", "cancel")

log = logging.getLogger(__name__)
metadata = MetaData()
#: As a topic level (docs/SYNC.md): MQTT's special characters and control characters become _.
_UNSAFE = re.compile(r"[/+#\x00-\x1f\x7f]")

feed_table = Table(
    "order_feed",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("applied_at", Float, nullable=False),
    Column("outcome", String(16), nullable=False),
)


def order_topic(prefix: str, company: str, site: str, line: str, station: str) -> str:
    """The topic a station takes its orders from."""
    parts = (company, site, line, station)
    levels = [_UNSAFE.sub("_", p.strip()) or "_" for p in parts]
    return "/".join([prefix.strip("/"), "orders", "v1", *levels])


def order_message(
    order: WorkOrder, revision: int, sender: str, action: str = "put"
) -> dict[str, Any]:
    """The payload the lead publishes for ``order`` (see the schema)."""
    body: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "order_id": order.order_id,
        "revision": revision,
        "action": action,
        "part_number": order.part_number,
        "quantity": order.quantity,
        "due": order.due,
        "customer": order.customer,
        "issued": time.time(),
        "sender": sender,
    }
    if order.machine is not None:
        body["machine"] = order.machine
    return body


class OrderMessageError(ValueError):
    """A message that is not a valid order; :attr:`message` names the field (``str()``: in
    English)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.render())
        self.message = message


def _problem(problem: str, **params: Any) -> Message:
    return Message(f"orders.feed.{problem}", params)


@dataclass(frozen=True, slots=True)
class IncomingOrder:
    order: WorkOrder
    revision: int
    action: str
    sender: str


def parse_order(payload: bytes) -> IncomingOrder:
    """The order in ``payload``, or OrderMessageError saying what is wrong with it."""
    if len(payload) > MAX_PAYLOAD:
        raise OrderMessageError(_problem("too_large", limit=MAX_PAYLOAD))
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OrderMessageError(_problem("not_json", detail=str(exc))) from None
    if not isinstance(body, dict):
        raise OrderMessageError(_problem("not_object"))
    order_id = body.get("order_id") if isinstance(body.get("order_id"), str) else None

    def fail(key: str, problem: str, **params: Any) -> OrderMessageError:
        said = Message("orders.feed.field", {"field": key, "problem": _problem(problem, **params)})
        if order_id is not None:
            said = Message("orders.feed.in_order", {"order": order_id, "problem": said})
        return OrderMessageError(said)

    if body.get("v") != PAYLOAD_VERSION:
        raise fail("v", "version", got=repr(body.get("v")), want=PAYLOAD_VERSION)
    known = {
        "v", "order_id", "revision", "action", "part_number", "quantity", "due", "customer",
        "machine", "issued", "sender",
    }  # fmt: skip
    unknown = sorted(set(body) - known)
    if unknown:
        raise fail(unknown[0], "unknown_field")
    texts: dict[str, str] = {}
    for key, limit in LIMITS.items():
        value = body.get(key)
        if key in ("customer", "machine") and (value is None or value == ""):
            continue
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "text_required")
        if len(value) > limit or any(not ch.isprintable() for ch in value):
            raise fail(key, "text_too_long", limit=limit)
        texts[key] = value.strip()
    revision = body.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise fail("revision", "revision", got=repr(revision))
    action = body.get("action", "put")
    if action not in ACTIONS:
        raise fail("action", "action", choices=", ".join(ACTIONS), got=repr(action))
    quantity = body.get("quantity")
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise fail("quantity", "quantity", limit=MAX_QUANTITY, got=repr(quantity))
    due = _due(body.get("due"))
    if due is None:
        raise fail("due", "due", got=repr(body.get("due")))
    sender = body.get("sender", "")
    if not isinstance(sender, str) or len(sender) > MAX_SENDER:
        raise fail("sender", "sender", limit=MAX_SENDER)
    order = WorkOrder(
        order_id=texts["order_id"],
        part_number=texts["part_number"],
        quantity=quantity,
        due=due,
        customer=texts.get("customer", ""),
        machine=texts.get("machine"),
        source="cluster",
    )
    return IncomingOrder(order, revision, action, sender.strip() or "lead")


def _due(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) and value > 0 else None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment.timestamp() if moment.tzinfo is not None else None
    return None


@dataclass(frozen=True, slots=True)
class Applied:
    """One applied revision: the order row as stored (None: unchanged), its audit entry (None:
    a duplicate) and the message to acknowledge once all are committed."""

    order_id: str
    revision: int
    outcome: str
    order: WorkOrder | None
    audit: AuditEntry | None
    ack: Callable[[], None] | None


class FeedKind(WriteKind[Applied]):
    """The order row, its audit entry and the applied revision, in one transaction; then the
    acknowledgement. A crash leaves all three or none: the message comes again and is applied
    then, or is known and dropped."""

    name = "order_feed"
    urgent = True

    def __init__(self, audit: AuditKind) -> None:
        self._orders = OrdersKind()
        self._audit = audit

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[Applied], retry: bool) -> None:
        orders = [item.order for item in items if item.order is not None]
        if orders:
            self._orders.write(conn, orders, retry)  # the same row the book writes: idempotent
        entries = [item.audit for item in items if item.audit is not None]
        if entries:
            self._audit.write(conn, entries, retry)  # chained here, in this transaction
        newest = {i.order_id: i for i in items if i.outcome != "duplicate"}
        if not newest:
            return
        conn.execute(delete(feed_table).where(feed_table.c.order_id.in_(list(newest))))
        conn.execute(
            insert(feed_table),
            [
                {
                    "order_id": i.order_id,
                    "revision": i.revision,
                    "applied_at": time.time(),
                    "outcome": i.outcome,
                }
                for i in newest.values()
            ],
        )

    def committed(self, items: Sequence[Applied]) -> None:
        if any(item.audit is not None for item in items):
            entries = [item.audit for item in items if item.audit is not None]
            self._audit.committed(entries)  # the audit listeners hear of the chained entries
        for item in items:
            if item.ack is not None:
                item.ack()


@dataclass(frozen=True, slots=True)
class FeedCounts:
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    invalid: int = 0
    last_problem: Message | None = None


class OrderFeed:
    """Applies incoming order messages (any thread; :meth:`handle` never raises)."""

    def __init__(self, book: OrderBook, gateway: DatabaseGateway) -> None:
        self.book = book
        self.gateway = gateway
        self.kind = gateway.register(FeedKind(book.audit.audit_kind))
        with gateway.db.connect() as conn:
            rows = conn.execute(sql_select(feed_table.c.order_id, feed_table.c.revision)).all()
        self._revisions = {order_id: revision for order_id, revision in rows}
        self.counts = FeedCounts()
        self._lock = threading.Lock()
        self.problems: list[Message] = []
        """The newest problems (at most 50)."""

    def revision(self, order_id: str) -> int | None:
        """The lead's revision of an order applied here (None: not from the lead)."""
        return self._revisions.get(order_id)

    def handle(self, payload: bytes, ack: Callable[[], None] | None = None) -> str:
        """Validate, de-duplicate and apply one message; the outcome in a word."""
        with self._lock:
            return self._handle(payload, ack)

    def _handle(self, payload: bytes, ack: Callable[[], None] | None) -> str:
        counts = self.counts
        try:
            incoming = parse_order(payload)
        except OrderMessageError as exc:
            self._problem(exc.message)
            self.counts = _bump(counts, received=1, invalid=1, last_problem=exc.message)
            if ack is not None:
                ack()  # it will never become valid: do not have it sent again
            return "invalid"
        order_id = incoming.order.order_id
        known = self._revisions.get(order_id)
        if known is not None and incoming.revision <= known:
            self.counts = _bump(counts, received=1, duplicates=1)
            # Acknowledged after the next commit: the copy it repeats may still be pending.
            duplicate = Applied(order_id, known, "duplicate", None, None, ack)
            self.gateway.submit(self.kind, [duplicate])
            return "duplicate"
        self._revisions[order_id] = incoming.revision
        outcome, stored, entry = self.book.receive(
            incoming.order, incoming.revision, incoming.action, incoming.sender
        )
        if outcome in ("refused",):
            params = {"order": order_id, "revision": incoming.revision, "action": incoming.action}
            self._problem(Message("orders.feed.refused", params))
        applied = Applied(order_id, incoming.revision, outcome, stored, entry, ack)
        self.gateway.submit(self.kind, [applied])
        self.counts = _bump(counts, received=1, applied=1)
        return outcome

    def _problem(self, problem: Message) -> None:
        log.warning("order feed: %s", problem.render())
        self.problems = [*self.problems[-49:], problem]


def _bump(counts: FeedCounts, last_problem: Message | None = None, **add: int) -> FeedCounts:
    values = {name: getattr(counts, name) + add.get(name, 0) for name in add}
    if last_problem is not None:
        values["last_problem"] = last_problem
    return FeedCounts(**{**_as_dict(counts), **values})


def _as_dict(counts: FeedCounts) -> dict[str, Any]:
    return {name: getattr(counts, name) for name in counts.__slots__}
