"""One worker thread per device: polls its groups on schedule and publishes sample batches.

The worker owns its driver (pymodbus clients are not thread safe), so a device that hangs only
ever blocks its own thread. Poll groups run on monotonic deadlines; a missed deadline is skipped,
not made up, so a device that comes back after a hang gets one request per group, not a burst.
A failed device is reconnected with capped exponential backoff and no restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.config import DeviceConfig, TagConfig
from app.model import (
    DeviceDiagnostics,
    Event,
    EventKind,
    FloatArray,
    IntArray,
    Quality,
    SampleBatch,
    Severity,
)
from app.scaling import engineering_values
from app.tags import TagTable
from drivers import driver_class
from drivers.base import DeviceError, Driver, Readings

log = logging.getLogger(__name__)

Publish = Callable[[SampleBatch | Event], None]
DriverFactory = Callable[[DeviceConfig], Driver]

RESPONSE_WINDOW = 500  # response times kept for mean/p99


def default_driver_factory(device: DeviceConfig) -> Driver:
    """Instantiate the registered driver of ``device``."""
    return driver_class(device.driver)(device)


@dataclass(slots=True)
class PollGroup:
    """Tags of one device that share a poll period."""

    name: str
    period_s: float
    tags: list[TagConfig]
    tag_ids: IntArray
    scale: FloatArray
    offset: FloatArray
    next_due: float = 0.0
    missed: int = field(default=0)


def build_groups(device: DeviceConfig, table: TagTable) -> list[PollGroup]:
    """Split a device's tags into poll groups, each with precomputed scaling arrays."""
    infos = table.of_device(device.name)
    groups: dict[str, list] = {}
    for info in infos:
        groups.setdefault(info.config.poll_group, []).append(info)
    result = []
    for name, members in groups.items():
        ids = table.id_array(members)
        result.append(
            PollGroup(
                name=name,
                period_s=device.period_of(name),
                tags=[m.config for m in members],
                tag_ids=ids,
                scale=table.scale[ids],
                offset=table.offset[ids],
            )
        )
    return result


def exact_integers(group: PollGroup, readings: Readings) -> dict[int, int]:
    """Tag index -> exact engineering value of 64-bit integer tags with an integral scaling."""
    exact: dict[int, int] = {}
    for index, raw in readings.integers.items():
        scale, offset = float(group.scale[index]), float(group.offset[index])
        if index in readings.errors or not (scale.is_integer() and offset.is_integer()):
            continue  # a fractional scale makes the value a float anyway
        exact[index] = raw * int(scale) + int(offset)
    return exact


class Backoff:
    """Capped exponential backoff: initial, 2x, 4x ... up to ``maximum``."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self.current = 0.0

    def next_delay(self) -> float:
        """Delay before the next attempt; grows after every call."""
        self.current = self.initial if self.current == 0 else min(self.current * 2, self.maximum)
        return self.current

    def reset(self) -> None:
        """Back to the first delay after a success."""
        self.current = 0.0


class DeviceWorker(threading.Thread):
    """Polls one device until stopped."""

    def __init__(
        self,
        device: DeviceConfig,
        table: TagTable,
        publish: Publish,
        *,
        driver_factory: DriverFactory = default_driver_factory,
        backoff_initial_s: float = 0.25,
        backoff_max_s: float = 5.0,
    ) -> None:
        super().__init__(name=f"device-{device.name}", daemon=True)
        self.device = device
        self._publish = publish
        self._driver_factory = driver_factory
        self._groups = build_groups(device, table)
        self._all_ids = np.concatenate([g.tag_ids for g in self._groups])
        self._stop_event = threading.Event()
        # Never back off longer than the device's fastest poll period (nor backoff_max_s): a
        # device that comes back is then read again within about one period. A failed connect
        # costs only this device's own thread, so retrying that often harms nobody else.
        fastest = min(g.period_s for g in self._groups)
        cap = min(backoff_max_s, max(fastest, backoff_initial_s))
        self._backoff = Backoff(backoff_initial_s, max(cap, backoff_initial_s))
        self._diag = DeviceDiagnostics(device=device.name, driver=device.driver)
        self._diag_lock = threading.Lock()
        self._response_ms: deque[float] = deque(maxlen=RESPONSE_WINDOW)
        self._driver: Driver | None = None
        self._online = False
        self._announced_offline = False
        self._offline_kind = ""

    # -- public -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the thread to finish; it closes its driver on the way out."""
        self._stop_event.set()

    def diagnostics(self) -> DeviceDiagnostics:
        """A copy of the current diagnostics, safe to keep on another thread."""
        with self._diag_lock:
            self._diag.response_times_ms = list(self._response_ms)
            counters = getattr(self._driver, "counters", None)
            if isinstance(counters, dict):
                self._diag.counters = dict(counters)  # e.g. serial lines skipped, by reason
            return self._diag.snapshot()

    # -- thread -------------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._driver = self._driver_factory(self.device)
        except Exception as exc:  # a driver that cannot even be built: report, never crash
            log.exception("device %s: driver could not be created", self.device.name)
            self._go_offline("config", f"driver could not be created: {exc}")
            return
        try:
            self._loop()
        finally:
            self._close_driver()

    def _loop(self) -> None:
        now = time.monotonic()
        for group in self._groups:
            group.next_due = now
        while not self._stop_event.is_set():
            if not self._online and not self._connect():
                self._stop_event.wait(self._backoff.next_delay())
                with self._diag_lock:
                    self._diag.backoff_s = self._backoff.current
                continue
            group = min(self._groups, key=lambda g: g.next_due)
            delay = group.next_due - time.monotonic()
            streaming = self._driver is not None and self._driver.streaming
            if delay > 0 and not streaming and self._stop_event.wait(delay):
                break
            self._poll(group)
            self._schedule(group)

    def _schedule(self, group: PollGroup) -> None:
        now = time.monotonic()
        group.next_due += group.period_s
        if group.next_due <= now:
            # Late by more than a period (a stall, a hang, a reconnect): skip the cycles we could
            # not make and start again one full period from now. Never a burst to catch up,
            # never the late poll and the next one back to back.
            group.missed += int((now - group.next_due) // group.period_s) + 1
            group.next_due = now + group.period_s

    def _connect(self) -> bool:
        assert self._driver is not None
        try:
            self._driver.connect()
        except DeviceError as exc:
            self._go_offline(exc.kind, exc.message)
            return False
        except Exception as exc:  # driver bug or OS error: degrade this device only
            log.exception("device %s: unexpected error while connecting", self.device.name)
            self._go_offline("io", str(exc))
            return False
        return True

    def _poll(self, group: PollGroup) -> None:
        assert self._driver is not None
        with self._diag_lock:
            self._diag.cycles_attempted += 1
        started = time.perf_counter()
        try:
            readings = self._driver.read(group.tags)
        except DeviceError as exc:
            self._count_requests(1)
            self._go_offline(exc.kind, exc.message)
            self._close_driver(keep=True)
            return
        except Exception as exc:
            log.exception("device %s: unexpected error while reading", self.device.name)
            self._go_offline("io", str(exc))
            self._close_driver(keep=True)
            return
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self._count_requests(readings.requests)
        if readings.requests:
            self._response_ms.append(elapsed_ms / readings.requests)
        self._go_online()
        self._publish_readings(group, readings)

    def _publish_readings(self, group: PollGroup, readings: Readings) -> None:
        timestamp = readings.timestamp if readings.timestamp is not None else time.time()
        # Non-finite results (NaN registers, overflowing scales) come back BAD with a reason.
        values, quality, reasons = engineering_values(
            readings.values,
            group.scale,
            group.offset,
            group.tag_ids,
            readings.texts,
            readings.fresh,
        )
        for index, reason in readings.errors.items():
            quality[index] = Quality.BAD
            values[index] = np.nan
            reasons[int(group.tag_ids[index])] = reason
        texts = {int(group.tag_ids[i]): text for i, text in readings.texts.items()}
        integers = {int(group.tag_ids[i]): v for i, v in exact_integers(group, readings).items()}
        ids = group.tag_ids
        if readings.fresh is not None:
            mask = readings.fresh
            ids, values, quality = ids[mask], values[mask], quality[mask]
            kept = set(ids.tolist())
            reasons = {k: v for k, v in reasons.items() if k in kept}
            texts = {k: v for k, v in texts.items() if k in kept}
            integers = {k: v for k, v in integers.items() if k in kept}
        for event in readings.events:
            self._publish(event)
        if ids.size == 0:
            return
        self._publish(
            SampleBatch.uniform(
                self.device.name, ids, timestamp, values, quality, reasons, texts, integers
            )
        )
        with self._diag_lock:
            self._diag.cycles_published += 1
            if not readings.errors:
                self._diag.last_good = timestamp

    def _count_requests(self, count: int) -> None:
        with self._diag_lock:
            self._diag.requests += count

    def _go_online(self) -> None:
        if self._online:
            return
        self._online = True
        self._offline_kind = ""
        self._backoff.reset()
        with self._diag_lock:
            self._diag.connected = True
            self._diag.backoff_s = 0.0
        if self._announced_offline:
            self._announced_offline = False
            log.warning("device %s: communication restored", self.device.name)
            self._publish(
                Event(
                    timestamp=time.time(),
                    kind=EventKind.COMM_RESTORED,
                    source=self.device.name,
                    source_title=self.device.display_name,
                )
            )

    def _go_offline(self, kind: str, message: str) -> None:
        """Mark every tag of the device bad with the reason; announce the loss once."""
        now = time.time()
        reason = f"{kind}: {message}"
        was_online = self._online
        self._online = False
        with self._diag_lock:
            self._diag.connected = False
            self._diag.record_error(kind, message)
        if not was_online and kind == self._offline_kind:
            # Retries of a device that stays down: no new samples, no new event. The kind, not
            # the text: a library's message may change mid-outage (a count, a port state).
            return
        self._offline_kind = kind
        count = self._all_ids.size
        self._publish(
            SampleBatch.uniform(
                self.device.name,
                self._all_ids,
                now,
                np.full(count, np.nan),
                np.full(count, Quality.BAD, dtype=np.uint8),
                dict.fromkeys(self._all_ids.tolist(), reason),
            )
        )
        if was_online or not self._announced_offline:
            self._announced_offline = True
            log.warning("device %s: communication lost (%s)", self.device.name, reason)
            self._publish(
                Event(
                    timestamp=now,
                    kind=EventKind.COMM_LOSS,
                    source=self.device.name,
                    source_title=self.device.display_name,
                    severity=Severity.ERROR,
                    data={"fault": kind, "detail": message},
                )
            )

    def _close_driver(self, keep: bool = False) -> None:
        if self._driver is None:
            return
        try:
            self._driver.close()
        except Exception:
            log.exception("device %s: error while closing", self.device.name)
        if not keep:
            self._driver = None
