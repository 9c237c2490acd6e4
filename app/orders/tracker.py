"""Counting parts into the running orders, and what follows: rate, ETA, delivery risk.

Runs on the dispatcher: every batch of a machine with part counters (``[devices.production]``
``good`` and ``reject``) that runs an order accrues the counters' change into that order, in
memory; the tick writes the changed orders about once a second. The rate is the order's own
good parts over the last minutes (``RATE_WINDOW_S``), so the ETA follows what the machine does
now, not a plan.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from app.config import StationConfig
from app.model import Quality, SampleBatch
from app.oee.calendar import work_until
from app.orders.model import Risk, WorkOrder, WorkUntil, eta, order_risk
from app.orders.store import OrderBook
from app.tags import TagTable

#: The rate is measured over this much of the recent past ...
RATE_WINDOW_S = 900.0
#: ... once the order has run at least this long (else the ETA is unknown).
MIN_RATE_SPAN_S = 60.0
SAVE_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class OrderProgress:
    """An order with what the station says of it now."""

    order: WorkOrder
    rate_per_hour: float | None
    eta: float | None
    risk: Risk


class OrderTracker:
    """``engine.subscribe(tracker.on_batch)``, ``engine.subscribe_ticks(tracker.on_tick)``."""

    def __init__(self, config: StationConfig, tags: TagTable, book: OrderBook) -> None:
        self.book = book
        calendar = config.shift_calendar
        # The ETA counts only the calendar's working time (no nights off, breaks, holidays).
        self.until: WorkUntil = lambda now, work_s: work_until(calendar, now, work_s)
        self._counters: dict[str, tuple[int, int | None]] = {}
        for device in config.devices:
            production = device.production
            if production is None:
                continue
            good = tags.by_name(f"{device.name}.{production.good}").id
            reject = (
                tags.by_name(f"{device.name}.{production.reject}").id
                if production.reject is not None
                else None
            )
            self._counters[device.name] = (good, reject)
        self._lock = threading.Lock()
        self._history: dict[str, deque[tuple[float, int]]] = {}
        self._saved_at = 0.0

    @property
    def machines(self) -> list[str]:
        """The devices that can run orders (they count parts)."""
        return list(self._counters)

    def on_batch(self, batch: SampleBatch) -> None:
        ids = self._counters.get(batch.device)
        if ids is None:
            return
        good_id, reject_id = ids
        good, t = _last_good(batch, good_id)
        reject, _ = _last_good(batch, reject_id) if reject_id is not None else (None, None)
        if good is None and reject is None:
            return
        order = self.book.accrue(batch.device, good, reject)
        if order is None or t is None:
            return
        with self._lock:
            history = self._history.setdefault(order.order_id, deque())
            history.append((t, order.good))
            while history and history[0][0] < t - RATE_WINDOW_S:
                history.popleft()

    def on_tick(self, now: float) -> None:
        if now - self._saved_at >= SAVE_INTERVAL_S:
            self._saved_at = now
            self.book.save_accrued()

    def rate(self, order_id: str) -> float | None:
        """Good parts per hour over the recent past; None until it ran long enough."""
        with self._lock:
            history = self._history.get(order_id)
            if not history:
                return None
            (t0, good0), (t1, good1) = history[0], history[-1]
        span = t1 - t0
        if span < MIN_RATE_SPAN_S:
            return None
        return (good1 - good0) / span * 3600.0

    def progress(self, now: float) -> list[OrderProgress]:
        """Every order with its rate, ETA and delivery risk (reads memory only)."""
        result = []
        for order in self.book.all():
            rate = self.rate(order.order_id) if order.open else None
            result.append(
                OrderProgress(
                    order,
                    rate,
                    eta(order, rate, now, self.until),
                    order_risk(order, rate, now, self.until),
                )
            )
        return result


def _last_good(batch: SampleBatch, tag_id: int) -> tuple[float | None, float | None]:
    """The newest good value of ``tag_id`` in the batch and its time."""
    mask = (batch.tag_ids == tag_id) & (batch.quality == Quality.GOOD)
    if not mask.any():
        return None, None
    index = int(np.flatnonzero(mask)[-1])
    exact = batch.integers.get(tag_id)
    value = float(exact) if exact is not None else float(batch.values[index])
    return value, float(batch.timestamps[index])
