"""The engine: device workers in, one dispatcher thread, subscribers out.

Workers put sample batches and events on one queue. The dispatcher thread takes them in order,
updates the live value table and the ring-buffer history, then hands each item to the
subscribers (storage, alarms, detectors, the GUI bridge). Subscribers therefore run on one thread
and never race each other; a subscriber that raises is logged and kept.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from app.config import DeviceConfig, StationConfig
from app.live import LiveValues
from app.model import DeviceDiagnostics, Event, EventKind, Quality, SampleBatch
from app.recent import RecentSamples
from app.tags import TagTable
from app.worker import DeviceWorker, DriverFactory, default_driver_factory

log = logging.getLogger(__name__)

_T = TypeVar("_T")

BatchSubscriber = Callable[[SampleBatch], None]
EventSubscriber = Callable[[Event], None]
TickSubscriber = Callable[[float], None]

MIN_HISTORY_POINTS = 64
MAX_HISTORY_POINTS = 200_000
TICK_INTERVAL_S = 0.25
RATE_WINDOW_S = 5.0
#: The reason of every tag of a device taken out of service (the operator's own reason is kept
#: by :meth:`Engine.out_of_service`).
OUT_OF_SERVICE = "out of service"
_COMM = (EventKind.COMM_LOSS, EventKind.COMM_RESTORED)


class _Stop:
    """Sentinel that ends the dispatcher."""


class _Own:
    """A batch the engine says about a device itself (out of service): never filtered."""

    __slots__ = ("batch",)

    def __init__(self, batch: SampleBatch) -> None:
        self.batch = batch


class _Call:
    """A callable to run on the dispatcher thread."""

    __slots__ = ("action",)

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action


_Item = SampleBatch | Event | _Call | _Own


class Engine:
    """Runs one station: its device workers, history and subscribers."""

    def __init__(
        self,
        config: StationConfig,
        *,
        history_s: float = 900.0,
        driver_factory: DriverFactory = default_driver_factory,
    ) -> None:
        self.config = config
        self.tags = TagTable(config)
        periods = [t.period_s for t in self.tags] or [1.0]
        capacity = int(history_s / min(periods)) + 1
        capacity = max(MIN_HISTORY_POINTS, min(MAX_HISTORY_POINTS, capacity))
        self.recent = RecentSamples(len(self.tags), capacity)
        self.live = LiveValues(len(self.tags))
        self._queue: queue.SimpleQueue[SampleBatch | Event | _Call | _Own | _Stop] = (
            queue.SimpleQueue()
        )
        self._batch_subscribers: list[BatchSubscriber] = []
        self._event_subscribers: list[EventSubscriber] = []
        self._tick_subscribers: list[TickSubscriber] = []
        self.driver_factory = driver_factory
        # One worker per enabled device, in config order; a device taken out of service keeps
        # its last (stopped) worker here so that its diagnostics stay readable.
        self._workers = {
            device.name: self._new_worker(device) for device in config.devices if device.enabled
        }
        self._out_of_service: dict[str, str] = {}
        """Device -> reason; written by the GUI thread, read by the dispatcher (one dict op)."""
        self._workers_lock = threading.Lock()
        self._dispatcher = threading.Thread(target=self._dispatch, name="dispatcher", daemon=True)
        self._started = False
        self._stopped = False
        self.samples_total = 0
        self._rate_marks: deque[tuple[float, int]] = deque()

    # -- wiring -------------------------------------------------------------------------------

    def subscribe(self, callback: BatchSubscriber) -> None:
        """Call ``callback(batch)`` on the dispatcher thread for every sample batch."""
        self._batch_subscribers.append(callback)

    def subscribe_events(self, callback: EventSubscriber) -> None:
        """Call ``callback(event)`` on the dispatcher thread for every event."""
        self._event_subscribers.append(callback)

    def subscribe_ticks(self, callback: TickSubscriber) -> None:
        """Call ``callback(now)`` on the dispatcher thread about every 250 ms (timers)."""
        self._tick_subscribers.append(callback)

    def post_event(self, event: Event) -> None:
        """Inject an event (e.g. from a detector or the operator) into the dispatch order."""
        self._queue.put(event)

    def call_on_dispatcher(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the dispatcher thread, between batches (e.g. an operator's
        "relearn baseline"), so subscribers' state is only ever touched by one thread."""
        self._queue.put(_Call(action))

    def _new_worker(self, device: DeviceConfig) -> DeviceWorker:
        return DeviceWorker(device, self.tags, self._queue.put, driver_factory=self.driver_factory)

    # -- out of service -----------------------------------------------------------------------

    def set_out_of_service(self, device: str, reason: str) -> None:
        """Stop polling ``device`` (maintenance, a broken cable): its tags turn BAD with the
        reason "out of service", and it raises no communication-loss event while out.

        Whatever its old worker still delivers is dropped by the dispatcher from now on, so
        the out-of-service samples are the last word until :meth:`return_to_service`.
        """
        with self._workers_lock:
            worker = self._workers.get(device)
            if worker is None:
                raise KeyError(device)
            if device in self._out_of_service:
                self._out_of_service[device] = reason
                return
            self._out_of_service[device] = reason
            worker.stop()
        ids = self.tags.id_array(self.tags.of_device(device))
        batch = SampleBatch.uniform(
            device,
            ids,
            time.time(),
            np.full(ids.size, np.nan),
            np.full(ids.size, Quality.BAD, dtype=np.uint8),
            dict.fromkeys(ids.tolist(), OUT_OF_SERVICE),
        )
        self._queue.put(_Own(batch))
        log.info("device %s out of service: %s", device, reason or "(no reason given)")

    def return_to_service(self, device: str) -> None:
        """Poll ``device`` again with a fresh worker (a thread cannot be restarted)."""
        with self._workers_lock:
            if device not in self._out_of_service:
                return
            old = self._workers[device]
            # The dispatcher accepts the device's items again from here on; the old worker was
            # told to stop, and what it still sends would be real readings anyway.
            del self._out_of_service[device]
            worker = self._new_worker(old.device)
            self._workers[device] = worker
            if self.running:
                worker.start()
        log.info("device %s back in service", device)

    def out_of_service(self) -> dict[str, str]:
        """Devices out of service and why."""
        with self._workers_lock:
            return dict(self._out_of_service)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the dispatcher and every device worker."""
        if self._started:
            return
        self._started = True
        self._dispatcher.start()
        with self._workers_lock:
            for name, worker in self._workers.items():
                if name not in self._out_of_service:
                    worker.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop workers and the dispatcher within ``timeout`` seconds; idempotent."""
        if self._stopped or not self._started:
            self._stopped = True
            return
        self._stopped = True
        deadline = time.monotonic() + timeout
        with self._workers_lock:
            workers = [w for w in self._workers.values() if w.is_alive()]
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic() - 0.2))
            if worker.is_alive():
                log.warning("device %s did not stop in time; abandoning it", worker.device.name)
        self._queue.put(_Stop())
        self._dispatcher.join(max(0.1, deadline - time.monotonic()))

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._started and not self._stopped

    # -- queries ------------------------------------------------------------------------------

    def diagnostics(self) -> list[DeviceDiagnostics]:
        """A snapshot of every device's diagnostics."""
        with self._workers_lock:
            workers = list(self._workers.values())
        return [worker.diagnostics() for worker in workers]

    def samples_per_second(self) -> float:
        """Samples dispatched per second over the last few seconds."""
        marks = self._rate_marks
        if len(marks) < 2:
            return 0.0
        (t0, n0), (t1, n1) = marks[0], marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    # -- dispatcher ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        next_tick = time.monotonic() + TICK_INTERVAL_S
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = None
            if isinstance(item, _Stop):
                self._drain()
                return
            if item is not None:
                self._handle(item)
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + TICK_INTERVAL_S
                self._tick()

    def _drain(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if not isinstance(item, _Stop):
                self._handle(item)

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Own):
            item = item.batch  # the engine's own word on a device: never dropped
        elif self._out_of_service and self._from_out_of_service(item):
            return  # a stopped worker's last words: the device is out of service
        if isinstance(item, _Call):
            self._call(lambda _: item.action(), None)
        elif isinstance(item, SampleBatch):
            self.live.apply(item)
            self.recent.extend(item.tag_ids, item.timestamps, item.values)
            self.samples_total += len(item)
            for batch_callback in self._batch_subscribers:
                self._call(batch_callback, item)
        else:
            for event_callback in self._event_subscribers:
                self._call(event_callback, item)

    def _from_out_of_service(self, item: SampleBatch | Event | _Call) -> bool:
        if isinstance(item, SampleBatch):
            return item.device in self._out_of_service
        if isinstance(item, Event) and item.kind in _COMM:
            return item.source in self._out_of_service
        return False

    def _tick(self) -> None:
        now = time.time()
        mono = time.monotonic()
        self._rate_marks.append((mono, self.samples_total))
        while self._rate_marks and mono - self._rate_marks[0][0] > RATE_WINDOW_S:
            self._rate_marks.popleft()
        for callback in self._tick_subscribers:
            self._call(callback, now)

    @staticmethod
    def _call(callback: Callable[[_T], None], arg: _T) -> None:
        try:
            callback(arg)
        except Exception:
            log.exception("subscriber %r failed", callback)
