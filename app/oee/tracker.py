"""Live OEE per machine, interval by interval, on the dispatcher.

A machine takes part when it has a state tag (its categories say running, fault ...) and a
``production`` table (good and reject counters, ideal cycle time). Each batch only appends the
machine's state changes and counter readings; when the interval ends, :func:`compute` turns
them into one ``oee`` outbox message per machine over the calendar's planned time.

With a :class:`app.oee.shifts.ShiftStore` every interval close also stores each running shift's
figures so far (and a shift's final figures when it ends), per machine and for the line. At
start the tracker asks the store for the past fortnight on the db-reader thread; when the
answer is there (checked on each tick) the finished shifts join ``shift_done`` and a shift still
running continues from its stored figures. Until then it stores nothing, so a slow read never
makes it overwrite what the last run stored.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from app.config import DeviceConfig, StationConfig
from app.model import Quality, SampleBatch
from app.oee.calendar import Interval, intersect, planned_time, shift_instances, total
from app.oee.compute import OeeResult, aggregate, combine, compute, counter_increase, segments
from app.oee.shifts import LINE, LINE_NAME, MACHINE, ShiftRecord, ShiftStore
from app.sync.outbox import OutboxMessage
from app.sync.summaries import window_end
from app.sync.topics import subtopic
from app.tags import TagTable

log = logging.getLogger(__name__)

Submit = Callable[[Sequence[OutboxMessage]], None]
Key = tuple[str, str, str]
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
        store: ShiftStore | None = None,
    ) -> None:
        self.config = config
        self.submit = submit
        self.store = store
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
        self._spans: dict[Key, tuple[float, float]] = {}  # every shift's span, done ones too
        self._unsaved: set[Key] = set()  # ended before the stored shifts were read
        self._loading: Future[list[ShiftRecord]] | None = None
        if store is not None:
            self._loading = store.since(now - (DAYS_KEPT + 1) * 86400.0)

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
        self.resume()
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
            self.shift_spans[key] = self._spans[key] = (a, b)
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
        self.resume()
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
        ended = set(self._done) - set(self.shift_done)
        self._publish(self._done)
        if self._loading is None:
            self._save(set(self.shift_parts) | ended)
        else:
            self._unsaved |= ended
        return messages

    def _publish(self, done: dict[Key, OeeResult]) -> None:
        """Replace what the screen reads: a fortnight of finished shifts, the running ones."""
        days = sorted({key[2] for key in done})[-DAYS_KEPT:]
        self.shift_done = {k: v for k, v in done.items() if k[2] in days}
        self.shift_live = {
            key: combine(parts, self.machines[key[0]].ideal_cycle_s)
            for key, parts in self.shift_parts.items()
        }
        known = set(self.shift_done) | set(self.shift_parts)
        self._spans = {k: v for k, v in self._spans.items() if k in known}

    # -- the stored shifts -----------------------------------------------------------------------

    def resume(self, wait: float = 0.0) -> None:
        """Take in the stored shifts once they are read (dispatcher thread; ``wait``: seconds
        to wait for the read, only at a clean stop, when nothing else waits on it)."""
        future = self._loading
        if future is None or (not future.done() and wait <= 0):
            return
        try:
            records = future.result(timeout=wait)
        except TimeoutError:  # storing now would overwrite the last run's figures: keep them
            log.warning("stored OEE shifts not read in %.1f s; this run's not stored", wait)
            return
        except Exception:  # unreadable: this run's shifts only, stored from now
            self._loading = None
            log.exception("stored OEE shifts could not be read; showing this run's only")
            self._save(set(self.shift_parts) | self._unsaved)
            return
        self._loading = None
        done = dict(self.shift_done)
        changed = set(self._unsaved)
        for record in records:
            key = record.key
            if record.scope != MACHINE or record.name not in self.machines:
                continue
            self._spans.setdefault(key, (record.shift_start, record.shift_end))
            if record.final:
                if key not in done and key not in self.shift_parts:
                    done[key] = record.result
                continue
            ideal = self.machines[record.name].ideal_cycle_s
            if key in self.shift_parts:  # running on: this run's intervals add to it
                self.shift_parts[key].insert(0, record.result)
            elif key in done:  # it ended in this run before the read came back
                done[key] = combine([record.result, done[key]], ideal)
                changed.add(key)
            elif record.shift_end > self.start:  # running, no interval of it closed yet
                self.shift_parts[key] = [record.result]
                self.shift_spans[key] = (record.shift_start, record.shift_end)
            else:  # it ended while the station was off: what was seen is all there is
                done[key] = record.result
                changed.add(key)
        self._unsaved = set()
        self._publish(done)
        self._save(changed | set(self.shift_parts))

    def _save(self, keys: Iterable[Key]) -> None:
        """Store the machines' and the line's figures of these shifts (running or ended)."""
        if self.store is None:
            return
        records: list[ShiftRecord] = []
        shifts: set[tuple[str, str]] = set()
        for key in keys:
            record = self._record(key)
            if record is not None:
                records.append(record)
                shifts.add(key[1:])
        for shift, day in sorted(shifts):
            machines = [self._record((name, shift, day)) for name in self.machines]
            found = [r for r in machines if r is not None]
            line = aggregate([(r.result, r.ideal_cycle_s) for r in found])
            records.append(
                ShiftRecord(
                    scope=LINE,
                    name=LINE_NAME,
                    shift=shift,
                    day=day,
                    shift_start=min(r.shift_start for r in found),
                    shift_end=max(r.shift_end for r in found),
                    final=all(r.final for r in found),
                    result=line,
                    unobserved_s=sum(r.unobserved_s for r in found),
                )
            )
        self.store.save(records)

    def _record(self, key: Key) -> ShiftRecord | None:
        final = key not in self.shift_parts
        result = self.shift_done.get(key) if final else self.shift_live.get(key)
        span = self._spans.get(key)
        if result is None or span is None:
            return None
        start, end = span
        # Planned time of the shift so far that the figures leave out (the station was off).
        until = end if final else max(start, min(end, result.end))
        unseen = total(self.planned(start, until)) - result.planned_s
        return ShiftRecord(
            scope=MACHINE,
            name=key[0],
            shift=key[1],
            day=key[2],
            shift_start=start,
            shift_end=end,
            final=final,
            result=result,
            unobserved_s=max(0.0, unseen),
            ideal_cycle_s=self.machines[key[0]].ideal_cycle_s,
        )

    def close_partial(self, now: float, wait: float = 5.0) -> None:
        """At a clean stop (the dispatcher ended): the interval so far is closed and the
        running shifts' figures stored, so a restart goes on from here (``wait``: for the
        stored shifts, if they are not read yet)."""
        self.resume(wait=wait)
        messages = self.close(now)
        self.start = now
        if messages and self.submit is not None:
            self.submit(messages)


def _carry(readings: list[tuple[float, float]], end: float) -> list[tuple[float, float]]:
    """The readings the next interval needs: the last one before ``end`` and those after."""
    before = [r for r in readings if r[0] < end][-1:]
    return before + [r for r in readings if r[0] >= end]
