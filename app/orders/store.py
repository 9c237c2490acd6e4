"""The station's work orders: a table in the station database and an in-memory copy.

Every change goes through the gateway (the urgent ``work_orders`` write kind) and updates the
copy at once, so the views and the dispatcher never read the database. Actions by people
(adding, importing, starting, completing, cancelling) need a permission and are audited;
counting parts is the system's (:class:`app.orders.tracker.OrderTracker`).

Counts are kept with the machine's counter readings they were accrued up to, in the same row:
after a crash or a restart, the first reading accrues what the machine made meanwhile, so no
part is lost and none is counted twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
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
    delete,
    insert,
    select,
)

from app.audit import AuditEntry, AuditTrail
from app.orders.model import OrderStatus, WorkOrder
from app.security import ORDER_EDIT, ORDER_RUN, AccessPolicy, Actor, require
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind

metadata = MetaData()

orders_table = Table(
    "work_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("part_number", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("due", Float, nullable=False),
    Column("customer", String(120), nullable=False),
    Column("machine", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("good", Integer, nullable=False),
    Column("reject", Integer, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("source", String(16), nullable=False),
    Column("counter_good", Float, nullable=True),
    Column("counter_reject", Float, nullable=True),
    Column("updated_at", Float, nullable=False),
)

_FIELDS = [c.name for c in orders_table.columns]


class OrderError(ValueError):
    """An order action that cannot be done (the sentence says why)."""


class OrdersKind(WriteKind[WorkOrder]):
    """Replaces an order's row; only the newest of an order in one round is written."""

    name = "work_orders"
    urgent = True

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[WorkOrder], retry: bool) -> None:
        newest = {item.order_id: item for item in items}
        for order_id, order in newest.items():
            conn.execute(delete(orders_table).where(orders_table.c.order_id == order_id))
            values = {name: getattr(order, name) for name in _FIELDS}
            values["status"] = str(order.status)
            conn.execute(insert(orders_table).values(**values))


def load_orders(database: Database) -> list[WorkOrder]:
    """Every stored order (a direct read: start-up and the command line)."""
    metadata.create_all(database)
    with database.connect() as conn:
        rows = conn.execute(select(orders_table)).mappings().all()
    return [_order(row) for row in rows]


def _order(row: Any) -> WorkOrder:
    values = {name: row[name] for name in _FIELDS}
    values["status"] = OrderStatus(values["status"])
    return WorkOrder(**values)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    skipped: list[str]
    """Orders already running or finished here: what the station counted stays."""


class OrderBook:
    """The orders of this station (thread-safe)."""

    def __init__(self, gateway: DatabaseGateway, policy: AccessPolicy, audit: AuditTrail) -> None:
        self.gateway = gateway
        self.policy = policy
        self.audit = audit
        self.kind = gateway.register(OrdersKind())
        self._lock = threading.Lock()
        self._orders = {o.order_id: o for o in load_orders(gateway.db)}
        self._unsaved: set[str] = set()

    # -- reading -------------------------------------------------------------------------------

    def get(self, order_id: str) -> WorkOrder | None:
        with self._lock:
            return self._orders.get(order_id)

    def all(self) -> list[WorkOrder]:
        """Open orders first (by due time), then finished ones (newest first)."""
        with self._lock:
            orders = list(self._orders.values())
        open_orders = sorted((o for o in orders if o.open), key=lambda o: (o.due, o.order_id))
        closed = sorted(
            (o for o in orders if not o.open), key=lambda o: -(o.finished_at or o.updated_at)
        )
        return open_orders + closed

    def running_on(self, machine: str) -> WorkOrder | None:
        with self._lock:
            return self._running(machine)

    # -- people's actions ----------------------------------------------------------------------

    def add(self, actor: Actor, order: WorkOrder) -> WorkOrder:
        """A new order (entered at the station); OrderError when its id is taken."""
        require(self.policy, actor, ORDER_EDIT)
        check_order(order)
        with self._lock:
            if order.order_id in self._orders:
                raise OrderError(f"an order '{order.order_id}' exists already")
            order = self._put(replace(order, status=OrderStatus.PLANNED, good=0, reject=0))
        self.audit.record(actor, "order.add", order.order_id, _summary(order))
        return order

    def import_orders(self, actor: Actor, orders: Iterable[WorkOrder]) -> ImportResult:
        """Add new orders and update planned ones (quantity, due, customer); orders running or
        finished here keep what the station counted. One audit entry for the import."""
        require(self.policy, actor, ORDER_EDIT)
        incoming = list(orders)
        for order in incoming:
            check_order(order)
        added, updated, unchanged, skipped = [], [], [], []
        with self._lock:
            for order in incoming:
                known = self._orders.get(order.order_id)
                if known is None:
                    self._put(replace(order, status=OrderStatus.PLANNED, good=0, reject=0))
                    added.append(order.order_id)
                elif known.status is not OrderStatus.PLANNED:
                    skipped.append(order.order_id)
                else:
                    fresh = replace(
                        known,
                        part_number=order.part_number,
                        quantity=order.quantity,
                        due=order.due,
                        customer=order.customer,
                        machine=order.machine,
                    )
                    if fresh == known:
                        unchanged.append(order.order_id)
                    else:
                        self._put(fresh)
                        updated.append(order.order_id)
        result = ImportResult(added, updated, unchanged, skipped)
        details = {"added": added, "updated": updated, "skipped": skipped}
        self.audit.record(actor, "order.import", f"{len(incoming)} orders", details)
        return result

    def start(self, actor: Actor, order_id: str, machine: str) -> WorkOrder:
        """Run the order on ``machine`` (one order per machine at a time)."""
        require(self.policy, actor, ORDER_RUN)
        with self._lock:
            order = self._known(order_id)
            if order.status is not OrderStatus.PLANNED:
                raise OrderError(f"order '{order_id}' is {order.status}, not planned")
            busy = self._running(machine)
            if busy is not None:
                raise OrderError(f"{machine} is running order '{busy.order_id}': complete it first")
            order = self._put(
                replace(
                    order,
                    status=OrderStatus.RUNNING,
                    machine=machine,
                    started_at=order.started_at or time.time(),
                    counter_good=None,  # the next reading is the baseline
                    counter_reject=None,
                )
            )
        self.audit.record(actor, "order.start", order_id, {"machine": machine})
        return order

    def complete(self, actor: Actor, order_id: str) -> WorkOrder:
        require(self.policy, actor, ORDER_RUN)
        with self._lock:
            order = self._known(order_id)
            if order.status is not OrderStatus.RUNNING:
                raise OrderError(f"order '{order_id}' is {order.status}, not running")
            order = self._put(replace(order, status=OrderStatus.DONE, finished_at=time.time()))
        details = {"good": order.good, "reject": order.reject, "quantity": order.quantity}
        self.audit.record(actor, "order.complete", order_id, details)
        return order

    def cancel(self, actor: Actor, order_id: str, reason: str) -> WorkOrder:
        require(self.policy, actor, ORDER_EDIT)
        if not reason.strip():
            raise OrderError("a cancelled order needs a reason")
        with self._lock:
            order = self._known(order_id)
            if not order.open:
                raise OrderError(f"order '{order_id}' is {order.status} already")
            order = self._put(replace(order, status=OrderStatus.CANCELLED, finished_at=time.time()))
        self.audit.record(actor, "order.cancel", order_id, {"reason": reason.strip()})
        return order

    # -- the cluster's lead -------------------------------------------------------------------

    def receive(
        self, order: WorkOrder, revision: int, action: str, sender: str
    ) -> tuple[str, WorkOrder | None, AuditEntry]:
        """An order the cluster's lead published (app.orders.feed), applied like an import of
        one order: ``added``, ``updated``, ``unchanged``, ``kept`` (running or finished here:
        what the station counted stays), ``cancelled`` or ``refused`` (a cancel of an order
        that is not planned here). No permission: the station took it from its broker.

        Changes the book in memory only and returns the outcome, the row to store (None:
        unchanged) and its ``order.receive`` audit entry by ``cluster:<sender>``: the feed
        commits row, entry and the revision it applied in one transaction."""
        check_order(order)
        stored: WorkOrder | None = None
        with self._lock:
            known = self._orders.get(order.order_id)
            if action == "cancel":
                if known is None or known.status is not OrderStatus.PLANNED:
                    outcome = "refused"
                else:
                    stored = self._put_in_memory(
                        replace(known, status=OrderStatus.CANCELLED, finished_at=time.time())
                    )
                    outcome = "cancelled"
            elif known is None:
                stored = self._put_in_memory(
                    replace(order, status=OrderStatus.PLANNED, good=0, reject=0)
                )
                outcome = "added"
            elif known.status is not OrderStatus.PLANNED:
                outcome = "kept"
            else:
                fresh = replace(
                    known,
                    part_number=order.part_number,
                    quantity=order.quantity,
                    due=order.due,
                    customer=order.customer,
                    machine=order.machine,
                    source=order.source,
                )
                outcome = "unchanged" if fresh == known else "updated"
                if fresh != known:
                    stored = self._put_in_memory(fresh)
        details = {**_summary(order), "revision": revision, "action": action, "outcome": outcome}
        entry = self.audit.entry(
            f"cluster:{sender}",
            "order.receive",
            order.order_id,
            details,
            outcome="denied" if outcome == "refused" else "ok",
        )
        return outcome, stored, entry

    # -- the system's counting -----------------------------------------------------------------

    def accrue(self, machine: str, good: float | None, reject: float | None) -> WorkOrder | None:
        """Count what ``machine``'s counters say was made since the last reading into its
        running order (kept in memory; :meth:`save_accrued` writes it). A counter that went
        down was reset: its new value is what was made since. Returns the order, if any."""
        with self._lock:
            order = self._running(machine)
            if order is None:
                return None
            add_good, new_good = _delta(order.counter_good, good)
            add_reject, new_reject = _delta(order.counter_reject, reject)
            changed = replace(
                order,
                good=order.good + add_good,
                reject=order.reject + add_reject,
                counter_good=new_good,
                counter_reject=new_reject,
            )
            if changed != order:
                self._orders[order.order_id] = changed
                self._unsaved.add(order.order_id)
            return changed

    def save_accrued(self) -> int:
        """Write the orders whose counts changed since the last call (about once a second)."""
        with self._lock:
            dirty = [self._orders[i] for i in self._unsaved]
            self._unsaved.clear()
        now = time.time()
        if dirty:
            self.gateway.submit(self.kind, [replace(o, updated_at=now) for o in dirty])
        return len(dirty)

    # -- internals -----------------------------------------------------------------------------

    def _running(self, machine: str) -> WorkOrder | None:
        # Called with the lock held.
        return next(
            (
                o
                for o in self._orders.values()
                if o.status is OrderStatus.RUNNING and o.machine == machine
            ),
            None,
        )

    def _known(self, order_id: str) -> WorkOrder:
        order = self._orders.get(order_id)
        if order is None:
            raise OrderError(f"no order '{order_id}'")
        return order

    def _put(self, order: WorkOrder) -> WorkOrder:
        order = self._put_in_memory(order)
        self.gateway.submit(self.kind, [order])
        return order

    def _put_in_memory(self, order: WorkOrder) -> WorkOrder:
        """The order as it stands now, in the book (the caller has it stored)."""
        order = replace(order, updated_at=time.time())
        self._orders[order.order_id] = order
        self._unsaved.discard(order.order_id)
        return order


def _delta(last: float | None, now: float | None) -> tuple[int, float | None]:
    """Parts counted between two counter readings; (0, last) when there is no new reading."""
    if now is None:
        return 0, last
    if last is None:
        return 0, now  # the first reading: the baseline
    if now < last:
        return int(now), now  # the counter was reset
    return int(now) - int(last), now


def check_order(order: WorkOrder) -> None:
    """OrderError for an order no station could run."""
    if not order.order_id.strip():
        raise OrderError("an order needs an order number")
    if not order.part_number.strip():
        raise OrderError(f"order '{order.order_id}' needs a part number")
    if order.quantity <= 0:
        raise OrderError(f"order '{order.order_id}': the quantity must be at least 1")


def _summary(order: WorkOrder) -> dict[str, Any]:
    return {
        "part_number": order.part_number,
        "quantity": order.quantity,
        "due": order.due,
        "customer": order.customer,
        "source": order.source,
    }
