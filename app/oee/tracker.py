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
from app.oee.calendar import Interval, planned_time
from app.oee.compute import OeeResult, compute, counter_increase, segments
from app.sync.outbox import OutboxMessage
from app.sync.summaries import window_end
from app.sync.topics import subtopic
from app.tags import TagTable

Submit = Callable[[Sequence[OutboxMessage]], None]


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
    good: list[float] = field(default_factory=list)
    reject: list[float] = field(default_factory=list)


class OeeTracker:
    """Batch and tick subscriber; hands each interval's OEE per machine to ``submit``."""

    def __init__(
        self,
        config: StationConfig,
        tags: TagTable,
        interval_s: float,
        submit: Submit,
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
                machine.good.append(value)
            if tag_id == machine.reject_id:
                machine.reject.append(value)

    def tick(self, now: float) -> None:
        if now < self.end:
            return
        messages = self.close(self.end)
        self.start = self.end
        self.end = window_end(now, self.interval_s)
        if messages:
            self.submit(messages)

    def planned(self, start: float, end: float) -> list[Interval]:
        if self.config.oee is None:
            return [(start, end)]
        return planned_time(self.config.oee, start, end)

    def close(self, end: float) -> list[OutboxMessage]:
        """Each machine's OEE over the interval ending at ``end``; starts the next one."""
        messages: list[OutboxMessage] = []
        latest = dict(self.last)  # replaced whole below: the OEE screen reads it meanwhile
        planned = self.planned(self.start, end)
        micro = self.config.oee.micro_stop_s if self.config.oee else 120.0
        for name, m in self.machines.items():
            changes = ([(-math.inf, m.state)] if m.state is not None else []) + m.changes
            result = compute(
                segments(changes, self.start, end),
                planned,
                counter_increase(np.asarray(m.good)),
                counter_increase(np.asarray(m.reject)) if m.reject_id is not None else 0,
                m.ideal_cycle_s,
                micro,
                start=self.start,
                end=end,
            )
            latest[name] = result
            messages.append(
                OutboxMessage(
                    kind="oee", topic=subtopic("oee", name), body=result.to_dict(name), created=end
                )
            )
            if m.changes:
                m.state = m.changes[-1][1]
            m.changes = []
            # The last reading starts the next interval's count (parts between two readings
            # that straddle the boundary count in the next interval).
            m.good = m.good[-1:]
            m.reject = m.reject[-1:]
        self.last = latest
        return messages
