"""Queries on the gateway's ``db-reader`` thread, answered on the GUI thread.

A view asks :meth:`Reader.ask` with a function of the database and a callback; the function
runs on ``db-reader`` and the callback gets the result (or the exception) through a queued
signal. Asking again under the same ``topic`` makes the older answer stale: it is dropped.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.storage import DatabaseGateway
from app.storage.database import Database

Callback = Callable[[Any, float], None]
"""Called with the result (or the exception raised) and the milliseconds it took."""


class Reader(QObject):
    """Runs queries off the GUI thread; only the newest answer of a topic is delivered."""

    _arrived = Signal(object)

    def __init__(self, gateway: DatabaseGateway, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gateway = gateway
        self._latest: dict[str, int] = {}
        self._count = 0
        self.pending = 0
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def ask(self, topic: str, query: Callable[[Database], Any], callback: Callback) -> None:
        """Run ``query`` on the reader thread; ``callback(result, ms)`` on this thread."""
        self._count += 1
        token = self._count
        self._latest[topic] = token
        self.pending += 1
        started = time.perf_counter()
        future = self.gateway.read(query)
        future.add_done_callback(
            lambda done: self._hand_over((topic, token, done, callback, started))
        )

    def _hand_over(self, answer: tuple[str, int, Future[Any], Callback, float]) -> None:
        with contextlib.suppress(RuntimeError):  # the view is gone
            self._arrived.emit(answer)

    @Slot(object)
    def _deliver(self, answer: tuple[str, int, Future[Any], Callback, float]) -> None:
        topic, token, future, callback, started = answer
        self.pending -= 1
        if self._latest.get(topic) != token:
            return
        try:
            result: Any = future.result()
        except Exception as exc:  # shown by the view, never raised into Qt
            result = exc
        callback(result, (time.perf_counter() - started) * 1000)
