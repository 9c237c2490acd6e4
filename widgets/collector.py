"""Python's cyclic garbage collection on the GUI thread only, on a timer.

The collector otherwise runs on whichever thread allocates: on a worker it may delete Qt objects
there and deadlock with the GUI thread. Same scheme as pyqtgraph's ``GarbageCollector``, kept
here so that starting the window does not import pyqtgraph (about a second) before any plot
is shown.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects each generation past its threshold every
    ``interval`` seconds, from the thread that creates it (the GUI thread)."""

    def __init__(self, interval: float = 1.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(int(interval * 1000))

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds (young first)."""
        l0, l1, l2 = gc.get_count()
        if l0 > self.threshold[0]:
            gc.collect(0)
            if l1 > self.threshold[1]:
                gc.collect(1)
                if l2 > self.threshold[2]:
                    gc.collect(2)
