"""The crossing from the engine's dispatcher thread to the GUI thread.

Engine callbacks run on the dispatcher thread and may fire hundreds of times a second. The
bridge only accumulates there (tag ids as numpy arrays, events in a list) and wakes the GUI
thread with at most one queued signal outstanding; the GUI side then delivers everything that
gathered at most every ``interval_ms``. Views therefore redraw at a bounded rate whatever the
sample rate, and no Qt object is touched from a foreign thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from app.engine import Engine
from app.model import Event, IntArray, SampleBatch


@dataclass(frozen=True, slots=True)
class DataDigest:
    """What changed since the previous delivery."""

    devices: frozenset[str]
    tag_ids: IntArray
    """Unique ids of the tags that received samples."""
    samples: int


class EngineBridge(QObject):
    """Forwards engine batches and events to the GUI thread, coalesced."""

    dataChanged = Signal(object)  # DataDigest
    eventsArrived = Signal(list)  # list[Event], oldest first
    _wake = Signal()

    def __init__(self, engine: Engine, interval_ms: int = 50, parent: QObject | None = None):
        super().__init__(parent)
        self.engine = engine
        self.interval_ms = interval_ms
        self._lock = threading.Lock()
        self._ids: list[IntArray] = []
        self._devices: set[str] = set()
        self._samples = 0
        self._events: list[Event] = []
        self._signalled = False
        self._closed = False
        self._last_delivery = 0.0
        self.deliveries = 0
        self._defer = QTimer(self)
        self._defer.setSingleShot(True)
        self._defer.timeout.connect(self._deliver)
        # Queued explicitly: the emitter is the dispatcher thread, the receiver lives here.
        self._wake.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        engine.subscribe(self._on_batch)
        engine.subscribe_events(self._on_event)

    def close(self) -> None:
        """Stop forwarding (the engine keeps its subscription but it becomes a no-op)."""
        with self._lock:
            self._closed = True
        self._defer.stop()

    # -- dispatcher thread --------------------------------------------------------------------

    def _on_batch(self, batch: SampleBatch) -> None:
        with self._lock:
            if self._closed:
                return
            self._ids.append(batch.tag_ids)
            self._devices.add(batch.device)
            self._samples += len(batch)
            wake = not self._signalled
            self._signalled = True
        if wake:
            self._wake.emit()

    def _on_event(self, event: Event) -> None:
        with self._lock:
            if self._closed:
                return
            self._events.append(event)
            wake = not self._signalled
            self._signalled = True
        if wake:
            self._wake.emit()

    # -- GUI thread ---------------------------------------------------------------------------

    @Slot()
    def _deliver(self) -> None:
        wait_ms = self.interval_ms - (time.monotonic() - self._last_delivery) * 1000.0
        if wait_ms > 1:
            if not self._defer.isActive():
                self._defer.start(int(wait_ms))
            return
        with self._lock:
            if self._closed:
                return
            ids, self._ids = self._ids, []
            devices, self._devices = self._devices, set()
            samples, self._samples = self._samples, 0
            events, self._events = self._events, []
            self._signalled = False
        self._last_delivery = time.monotonic()
        self.deliveries += 1
        if ids:
            unique = np.unique(np.concatenate(ids)).astype(np.int32)
            self.dataChanged.emit(DataDigest(frozenset(devices), unique, samples))
        if events:
            self.eventsArrived.emit(events)
