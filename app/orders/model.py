"""A work order and what is said about it: progress, ETA, delivery risk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class OrderStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class Risk(StrEnum):
    """Will the order be finished by its due time?"""

    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    """At the present rate it finishes after its due time."""
    LATE = "late"
    """Its due time has passed and it is not finished."""
    UNKNOWN = "unknown"
    """Running too briefly (or not running) to tell."""


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """One order as stored. Times are Unix seconds."""

    order_id: str
    part_number: str
    quantity: int
    due: float
    customer: str = ""
    machine: str | None = None
    """The device it runs (or last ran) on."""
    status: OrderStatus = OrderStatus.PLANNED
    good: int = 0
    reject: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    source: str = "entered"
    """Where it came from: ``entered``, ``import`` or ``cluster``."""
    counter_good: float | None = None
    counter_reject: float | None = None
    """The machine's counters when last accrued: a restart accrues what was made meanwhile."""
    updated_at: float = 0.0

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.good)

    @property
    def progress(self) -> float:
        """Good parts made, as a fraction of the quantity (at most 1)."""
        return min(1.0, self.good / self.quantity) if self.quantity else 1.0

    @property
    def open(self) -> bool:
        return self.status in (OrderStatus.PLANNED, OrderStatus.RUNNING)


#: When ``work_s`` seconds of production starting at ``now`` are done (the shift calendar's
#: :func:`app.oee.calendar.work_until`); None: beyond the calendar.
WorkUntil = Callable[[float, float], float | None]


def _wall_clock(now: float, work_s: float) -> float | None:
    return now + work_s


def eta(
    order: WorkOrder, rate_per_hour: float | None, now: float, until: WorkUntil = _wall_clock
) -> float | None:
    """When the order will be finished at ``rate_per_hour`` good parts, counting only the
    working time ``until`` knows of; None when unknown."""
    if not order.open:
        return order.finished_at
    if order.remaining == 0:
        return now
    if rate_per_hour is None or rate_per_hour <= 0:
        return None
    return until(now, order.remaining / rate_per_hour * 3600.0)


def order_risk(
    order: WorkOrder, rate_per_hour: float | None, now: float, until: WorkUntil = _wall_clock
) -> Risk:
    """On time, at risk (the ETA passes the due time) or late (the due time passed)."""
    if not order.open:
        finished = order.finished_at or now
        return (
            Risk.LATE
            if order.status is OrderStatus.DONE and finished > order.due
            else (Risk.ON_TIME)
        )
    if now > order.due:
        return Risk.LATE
    finish = eta(order, rate_per_hour, now, until)
    if finish is None:
        return Risk.UNKNOWN
    return Risk.AT_RISK if finish > order.due else Risk.ON_TIME
