"""Finished goods and material stock per item, with a low-stock warning.

A stock level is never a counter that production updates (two writes, one crash apart, would
drift): it is *derived*. Finished goods = what the orders of that part number made (their good
counts, themselves stored with the machine's counter readings) + receipts − shipments +
corrections. A material = receipts − what the orders' good parts used (``per_part``) −
shipments + corrections. The manual movements are rows of their own (the urgent ``stock_moves``
write kind), permissioned and audited.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Float, MetaData, String, Table, insert, select

from app.audit import AuditTrail
from app.config.stock import StockItem, StockKind
from app.orders.store import OrderBook, OrderError
from app.security import ORDER_EDIT, ORDER_RUN, AccessPolicy, Actor, require
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind

metadata = MetaData()

moves_table = Table(
    "stock_moves",
    metadata,
    Column("move_id", String(32), primary_key=True),
    Column("item", String(64), nullable=False, index=True),
    Column("delta", Float, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("note", String(200), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("t", Float, nullable=False),
)

#: Why a stock level moved by hand.
RECEIPT, SHIPMENT, CORRECTION = "receipt", "shipment", "correction"


@dataclass(frozen=True, slots=True)
class StockMove:
    move_id: str
    item: str
    delta: float
    reason: str
    note: str
    actor: str
    t: float


class StockMovesKind(WriteKind[StockMove]):
    name = "stock_moves"
    urgent = True

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[StockMove], retry: bool) -> None:
        if retry:  # a commit may have succeeded and reported an error: skip what is there
            have = {r[0] for r in conn.execute(select(moves_table.c.move_id))}
            items = [m for m in items if m.move_id not in have]
        if items:
            conn.execute(
                insert(moves_table),
                [
                    {
                        "move_id": m.move_id,
                        "item": m.item,
                        "delta": m.delta,
                        "reason": m.reason,
                        "note": m.note,
                        "actor": m.actor,
                        "t": m.t,
                    }
                    for m in items
                ],
            )


@dataclass(frozen=True, slots=True)
class StockLevel:
    item: str
    kind: StockKind
    unit: str
    quantity: float
    low: float

    @property
    def is_low(self) -> bool:
        return self.quantity < self.low


class StockBook:
    """The configured stock items and their levels (thread-safe; reads memory only)."""

    def __init__(
        self,
        items: Sequence[StockItem],
        gateway: DatabaseGateway,
        orders: OrderBook,
        policy: AccessPolicy,
        audit: AuditTrail,
    ) -> None:
        self.items = {i.item: i for i in items}
        self.gateway = gateway
        self.orders = orders
        self.policy = policy
        self.audit = audit
        self.kind = gateway.register(StockMovesKind())
        self._lock = threading.Lock()
        self._manual: dict[str, float] = dict.fromkeys(self.items, 0.0)
        with gateway.db.connect() as conn:
            for item, delta in conn.execute(select(moves_table.c.item, moves_table.c.delta)):
                if item in self._manual:
                    self._manual[item] += float(delta)

    def levels(self) -> list[StockLevel]:
        """Every item's level now: manual moves plus what the orders made or used."""
        made: dict[str, int] = {}
        for order in self.orders.all():
            made[order.part_number] = made.get(order.part_number, 0) + order.good
        with self._lock:
            manual = dict(self._manual)
        levels = []
        for name, item in self.items.items():
            if item.kind is StockKind.FINISHED:
                produced = float(made.get(name, 0))
            else:
                produced = -sum(item.per_part.get(part, 0.0) * n for part, n in made.items())
            quantity = manual[name] + produced
            levels.append(StockLevel(name, item.kind, item.unit, quantity, item.low))
        return levels

    def level(self, item: str) -> StockLevel:
        return next(level for level in self.levels() if level.item == item)

    def receive(self, actor: Actor, item: str, quantity: float, note: str = "") -> StockLevel:
        """Goods or material came in."""
        require(self.policy, actor, ORDER_RUN)
        return self._move(actor, item, _positive(quantity), RECEIPT, note)

    def ship(self, actor: Actor, item: str, quantity: float, note: str = "") -> StockLevel:
        """Goods went out (or material was scrapped)."""
        require(self.policy, actor, ORDER_RUN)
        return self._move(actor, item, -_positive(quantity), SHIPMENT, note)

    def count(self, actor: Actor, item: str, counted: float, note: str = "") -> StockLevel:
        """A physical count: the level becomes ``counted``."""
        require(self.policy, actor, ORDER_EDIT)
        if counted < 0:
            raise OrderError("a counted stock cannot be negative")
        self._known(item)
        current = self.level(item).quantity
        return self._move(actor, item, counted - current, CORRECTION, note)

    def _known(self, item: str) -> StockItem:
        known = self.items.get(item)
        if known is None:
            names = ", ".join(self.items) or "none configured"
            raise OrderError(f"no stock item '{item}' (items: {names})")
        return known

    def _move(self, actor: Actor, item: str, delta: float, reason: str, note: str) -> StockLevel:
        self._known(item)
        move = StockMove(
            uuid.uuid4().hex, item, delta, reason, note.strip()[:200], actor.name, time.time()
        )
        with self._lock:
            self._manual[item] += delta
        self.gateway.submit(self.kind, [move])
        self.audit.record(actor, f"stock.{reason}", item, {"delta": delta, "note": move.note})
        return self.level(item)


def _positive(quantity: float) -> float:
    if not quantity > 0:
        raise OrderError("the quantity must be above 0")
    return float(quantity)
