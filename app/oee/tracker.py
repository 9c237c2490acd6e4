"""Live OEE per machine, interval by interval, on the dispatcher.

A machine takes part when it has a state tag (its categories say running, fault ...) and a
``production`` table (good and reject counters, ideal cycle time). Each batch only appends the
machine's state changes and counter readings; when the interval ends, :func:`compute` turns
them into one ``oee`` outbox message per machine over the calendar's planned time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.config import DeviceConfig, StationConfig
from app.model import Quality, SampleBatch
from app.oee.calendar import Interval, intersect, planned_time, shift_instances
from app.oee.compute import OeeResult, combine, compute, counter_increase, segments
from app.sync.outbox import OutboxMessage
from app.sync.summaries import window_end
from app.sync.topics import subtopic
from app.tags import TagTable

Submit = Callable[[Sequence[OutboxMessage]], None]
#: Days of finished shifts kept in memory for the screen.
DAYS_KEPT = 14


@dataclass
class _Machine:
    device: DeviceConfig
    state_id: int
    good_id: int
    reject_id: int | None
    ideal_cycle_s: float | None
    state: str | None = None
    """The category at the start of the interval (carried over)."""
    changes: list[tuple[float, str | None]] = field(default_factory=list)
    good: list[tuple[float, float]] = field(default_factory=list)
    """Counter readings ``(time, value)``; the first may be the last of the interval before."""
    reject: list[tuple[float, float]] = field(default_factory=list)


class OeeTracker:
    """Batch and tick subscriber; hands each interval's OEE per machine to ``submit`` (the sync
    outbox; None without sync: the figures stay in memory for the screen)."""

    def __init__(
        self,
        config: StationConfig,
        tags: TagTable,
        interval_s: float,
        submit: Submit | None,
        now: float,
    ) -> None:
        self.config = config
        self.submit = submit
        self.interval_s = interval_s
        self.machines: dict[str, _Machine] = {}
        for device in config.devices:
            production = device.production
            if production is None or device.state_tag is None or not device.enabled:
                continue
            reject = production.reject
            self.machines[device.name] = _Machine(
                device=device,
                state_id=tags.by_name(f"{device.name}.{device.state_tag}").id,
                good_id=tags.by_name(f"{device.name}.{production.good}").id,
                reject_id=tags.by_name(f"{device.name}.{reject}").id if reject else None,
                ideal_cycle_s=production.ideal_cycle_s,
            )
        self.start = now
        self.end = window_end(now, interval_s)
        self.last: dict[str, OeeResult] = {}
        self._done: dict[tuple[str, str, str], OeeResult] = {}
        # Parts of the shifts in progress: (machine, shift, day) -> interval results.
        self.shift_parts: dict[tuple[str, str, str], list[OeeResult]] = {}
        self.shift_spans: dict[tuple[str, str, str], tuple[float, float]] = {}
        # For the screen (replaced whole on each close; the GUI thread only reads them): the
        # shifts in progress so far and the shifts that ended while the station ran.
        self.shift_live: dict[tuple[str, str, str], OeeResult] = {}
        self.shift_done: dict[tuple[str, str, str], OeeResult] = {}

    def on_batch(self, batch: SampleBatch) -> None:
        machine = self.machines.get(batch.device)
        if machine is None:
            return
        good = (batch.quality == Quality.GOOD) & np.isfinite(batch.values)
        for index in np.flatnonzero(good).tolist():
            tag_id = int(batch.tag_ids[index])
            value = float(batch.values[index])
            if tag_id == machine.state_id:
                state = machine.device.state_of(value)
                category = str(state.category) if state is not None else None
                known = bool(machine.changes) or machine.state is not None
                last = machine.changes[-1][1] if machine.changes else machine.state
                if not known or category != last:
                    machine.changes.append((float(batch.timestamps[index]), category))
            if tag_id == machine.good_id:
                machine.good.append((float(batch.timestamps[index]), value))
            if tag_id == machine.reject_id:
                machine.reject.append((float(batch.timestamps[index]), value))

    def tick(self, now: float) -> None:
        if now < self.end:
            return
        messages = self.close(self.end)
        self.start = self.end
        self.end = window_end(now, self.interval_s)
        if messages and self.submit is not None:
            self.submit(messages)

    def planned(self, start: float, end: float) -> list[Interval]:
        return planned_time(self.config.shift_calendar, start, end)

    @staticmethod
    def _count(readings: list[tuple[float, float]], start: float, end: float) -> int:
        """Parts counted from ``start`` to ``end`` (the last reading before ``start`` is the
        baseline)."""
        before = [v for t, v in readings if t < start][-1:]
        inside = [v for t, v in readings if start <= t < end]
        return counter_increase(np.asarray(before + inside))

    def _part(
        self,
        m: _Machine,
        changes: list[tuple[float, str | None]],
        planned: list[Interval],
        start: float,
        end: float,
        micro: float,
    ) -> OeeResult:
        return compute(
            segments(changes, start, end),
            intersect(planned, [(start, end)]),
            self._count(m.good, start, end),
            self._count(m.reject, start, end) if m.reject_id is not None else 0,
            m.ideal_cycle_s,
            micro,
            start=start,
            end=end,
        )

    def _shifts(
        self,
        name: str,
        m: _Machine,
        changes: list[tuple[float, str | None]],
        planned: list[Interval],
        end: float,
        micro: float,
    ) -> list[OutboxMessage]:
        """Add this interval to each shift it touches; a shift that ended becomes a report."""
        reports = []
        calendar = self.config.shift_calendar
        for shift, day, (a, b), _ in shift_instances(calendar, self.start, end):
            key = (name, shift.name, day.isoformat())
            part = self._part(m, changes, planned, max(a, self.start), min(b, end), micro)
            self.shift_parts.setdefault(key, []).append(part)
            self.shift_spans[key] = (a, b)
            if b <= end:
                result = combine(self.shift_parts.pop(key), m.ideal_cycle_s)
                self.shift_spans.pop(key)
                self._done[key] = result
                body = {**result.to_dict(name), "shift": shift.name, "day": day.isoformat()}
                reports.append(
                    OutboxMessage("oee", subtopic("oee", name, "shift"), body, created=b)
                )
        return reports

    def close(self, end: float) -> list[OutboxMessage]:
        """Each machine's OEE over the interval ending at ``end``; starts the next one."""
        messages: list[OutboxMessage] = []
        latest = dict(self.last)  # replaced whole below: the OEE screen reads it meanwhile
        self._done = dict(self.shift_done)
        planned = self.planned(self.start, end)
        micro = self.config.oee.micro_stop_s
        for name, m in self.machines.items():
            changes = ([(-math.inf, m.state)] if m.state is not None else []) + m.changes
            result = self._part(m, changes, planned, self.start, end, micro)
            messages.extend(self._shifts(name, m, changes, planned, end, micro))
            latest[name] = result
            messages.append(
                OutboxMessage(
                    kind="oee", topic=subtopic("oee", name), body=result.to_dict(name), created=end
                )
            )
            # What came with a timestamp past the end (before the tick) belongs to the next
            # interval; the state at the end and the last reading before it carry over.
            before = [c for c in m.changes if c[0] < end]
            if before:
                m.state = before[-1][1]
            m.changes = [c for c in m.changes if c[0] >= end]
            m.good = _carry(m.good, end)
            m.reject = _carry(m.reject, end)
        self.last = latest
        # Keep a fortnight of finished shifts for the screen's day filter.
        days = sorted({key[2] for key in self._done})[-DAYS_KEPT:]
        self.shift_done = {k: v for k, v in self._done.items() if k[2] in days}
        self.shift_live = {
            key: combine(parts, self.machines[key[0]].ideal_cycle_s)
            for key, parts in self.shift_parts.items()
        }
        return messages


def _carry(readings: list[tuple[float, float]], end: float) -> list[tuple[float, float]]:
    """The readings the next interval needs: the last one before ``end`` and those after."""
    before = [r for r in readings if r[0] < end][-1:]
    return before + [r for r in readings if r[0] >= end]
