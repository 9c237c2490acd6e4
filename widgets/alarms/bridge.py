"""From the alarm manager's threads to the GUI thread, in batches, at a bounded rate.

The manager calls its listeners on the journal's ``alarm-notify`` thread, after each group of
transitions is committed (or after a short grace, marked ``journaled=False``, while the database
is locked or failing). The bridge's listener only emits a queued signal carrying that batch;
on the GUI thread the batches are collected and applied to the table model by a timer every
``interval_ms``. Each step is bounded in time, not in count: transitions are applied in slices
of ``SLICE`` until ``BUDGET_MS`` is spent, then the changed rows are re-placed in the sort order
once, and the rest waits for the next turn of the event loop (painting and input in between).
A flood of 10,000 transitions is thus many short steps, never one long freeze.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from app.alarms.manager import AlarmManager
from app.alarms.model import Transition
from widgets.alarms.model import AlarmTableModel, Sources


class AlarmBridge(QObject):
    """Owns the summary's table model and keeps it in step with the manager."""

    transitionsArrived = Signal(object)
    """A batch of transitions (list), emitted on a manager thread, received queued."""
    updated = Signal()
    """The model changed (emitted on the GUI thread after each applied batch)."""
    newAlarms = Signal(object)
    """Transitions that raised alarms to be acknowledged (list), for sound and flashing."""

    #: Transitions applied between two looks at the clock.
    SLICE = 100
    #: GUI-thread time one step may spend on applying transitions; re-sorting the rows they
    #: changed then costs about as much again, so a step stays around 10-15 ms.
    BUDGET_MS = 4.0
    #: Pause between two steps of a flood: room for painting (a table repaint alone costs
    #: 10-20 ms) and input, so a step and a repaint never run back to back for long.
    PAUSE_MS = 40

    def __init__(
        self, manager: AlarmManager, interval_ms: int = 100, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.manager = manager
        self.model = AlarmTableModel(self, Sources(manager.config))
        self._pending: list[Transition] = []
        self.applied = 0
        self.last_apply_ms = 0.0
        self.transitionsArrived.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.step)
        self._closed = False
        self._next = QTimer(self)  # the next step of a flood, after a pause
        self._next.setSingleShot(True)
        self._next.setInterval(self.PAUSE_MS)
        self._next.timeout.connect(self.step)
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
    def step(self) -> None:
        """Apply what arrived, for at most about ``BUDGET_MS``; the rest on the next turn of
        the event loop (the timer calls it)."""
        if not self._pending:
            return
        self._next.stop()  # (the periodic timer came first)
        started = time.perf_counter()
        deadline = started + self.BUDGET_MS / 1000.0
        pending = self._pending
        done = 0
        while done < len(pending):
            self.model.update(pending[done : done + self.SLICE])
            done += self.SLICE
            if time.perf_counter() >= deadline:
                break
        batch = pending[:done]
        self._pending = pending[done:]
        self.model.settle()
        self._finish(batch, started)
        if self._pending:  # the rest soon, after painting and other timers had their turn
            self._next.start()

    @Slot()
    def flush(self) -> None:
        """Apply everything that arrived, now, in one step (tests; a view about to read)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        started = time.perf_counter()
        self.model.apply(batch)
        self._finish(batch, started)

    def _finish(self, batch: list[Transition], started: float) -> None:
        self.last_apply_ms = (time.perf_counter() - started) * 1000.0
        self.applied += len(batch)
        raised = [t for t in batch if t.event.value == "raise" and t.state.needs_ack]
        self.updated.emit()
        if raised:
            self.newAlarms.emit(raised)
