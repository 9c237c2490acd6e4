"""From the alarm manager's threads to the GUI thread, in batches, at a bounded rate.

The manager calls its listeners on the journal's ``alarm-notify`` thread, after each group of
transitions is committed (or after a short grace, marked ``journaled=False``, while the database
is locked or failing). The bridge's listener only emits a queued signal carrying that batch;
on the GUI thread the batches are collected and applied to the table model by a timer every
``interval_ms``, at most ``CHUNK`` transitions per step, so a flood of 10,000 transitions
costs ten short model updates with painting in between, not 10,000 repaints.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from app.alarms.manager import AlarmManager
from app.alarms.model import Transition
from widgets.alarms.model import AlarmTableModel


class AlarmBridge(QObject):
    """Owns the summary's table model and keeps it in step with the manager."""

    transitionsArrived = Signal(object)
    """A batch of transitions (list), emitted on a manager thread, received queued."""
    updated = Signal()
    """The model changed (emitted on the GUI thread after each applied batch)."""
    newAlarms = Signal(object)
    """Transitions that raised alarms to be acknowledged (list), for sound and flashing."""

    #: Transitions applied per step; a flood is spread over several steps with the event loop
    #: (and painting) turning in between, so no step blocks the GUI for long.
    CHUNK = 1000

    def __init__(
        self, manager: AlarmManager, interval_ms: int = 100, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.manager = manager
        self.model = AlarmTableModel(self)
        self._pending: list[Transition] = []
        self.applied = 0
        self.last_apply_ms = 0.0
        self.transitionsArrived.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._closed = False
        listener = self._listener
        self.model.reset(manager.attach(listener))
        # A bridge deleted with its window stops listening even if nobody called close().
        self.destroyed.connect(lambda *_: manager.remove_listener(listener))
        self._timer.start()

    def close(self) -> None:
        """Stop listening to the manager."""
        self._closed = True
        self.manager.remove_listener(self._listener)
        self._timer.stop()

    def _listener(self, transitions: Sequence[Transition]) -> None:
        # Manager thread: no Qt object is touched, only a queued signal is emitted.
        if self._closed:
            return
        try:
            self.transitionsArrived.emit(list(transitions))
        except RuntimeError:  # the C++ side is gone (window closed while alarms arrive)
            self._closed = True

    @Slot(object)
    def _collect(self, transitions: list[Transition]) -> None:
        self._pending.extend(transitions)

    @Slot()
    def flush(self) -> None:
        """Apply what arrived since the last flush (called by the timer; tests call it too)."""
        if not self._pending:
            return
        batch, self._pending = self._pending[: self.CHUNK], self._pending[self.CHUNK :]
        if self._pending:
            QTimer.singleShot(0, self.flush)
        started = time.perf_counter()
        self.model.apply(batch)
        self.last_apply_ms = (time.perf_counter() - started) * 1000.0
        self.applied += len(batch)
        raised = [t for t in batch if t.event.value == "raise" and t.state.needs_ack]
        self.updated.emit()
        if raised:
            self.newAlarms.emit(raised)
