"""Long work off the GUI thread, with a progress dialog and a Cancel button.

Import, export, database upgrade, relearn: the work runs on a worker thread and reports through
a :class:`Progress` handle; the window keeps painting (alarms keep flashing) and the operator can
cancel. ``run_with_progress`` waits in a local event loop and returns the outcome::

    outcome = run_with_progress(parent, self.tr("Importing…"), lambda p: import_map(path, p))
    if outcome.cancelled: ...
    elif outcome.error is not None: ...
    else: use(outcome.value)

The work checks ``progress.cancelled`` (or the return value of ``progress.report``) at its own
safe points: cancelling never kills a thread halfway through a write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

T = TypeVar("T")
#: The dialog appears only when the work takes longer than this (short work: no flicker).
SHOW_AFTER_MS = 400
REPORT_EVERY_S = 0.05


class Progress(QObject):
    """What the work reports (any thread) and whether the operator cancelled."""

    changed = Signal(int, int, str)  # done, total (0: unknown), text

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._last = 0.0

    def report(self, done: int, total: int = 0, text: str = "") -> bool:
        """Tell how far the work is; False once cancelled (the work should stop soon).

        Cheap to call often: the dialog hears of it at most every :data:`REPORT_EVERY_S`
        (a flood of queued updates would starve the window's timers)."""
        now = time.monotonic()
        if now - self._last >= REPORT_EVERY_S or (total and done >= total):
            self._last = now
            self.changed.emit(int(done), int(total), text)
        return not self._cancel.is_set()

    @property
    def cancelled(self) -> bool:
        """True once the operator pressed Cancel."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop."""
        self._cancel.set()


@dataclass(slots=True)
class Outcome(Generic[T]):
    """How the work ended: its value, the exception it raised, or cancelled."""

    value: T | None = None
    error: BaseException | None = None
    cancelled: bool = False


class _Finished(QObject):
    done = Signal(object, object)  # value, error


def run_with_progress(
    parent: QWidget | None,
    title: str,
    work: Callable[[Progress], T],
    *,
    dialog_hook: Callable[[QProgressDialog, Progress], None] | None = None,
) -> Outcome[T]:
    """Run ``work(progress)`` on a worker thread behind a modal progress dialog; wait for it.

    ``dialog_hook`` sees the dialog once it exists (tests press Cancel through it).
    """
    progress = Progress()
    finished = _Finished()
    outcome: Outcome[T] = Outcome()
    loop = QEventLoop()
    cancel = QCoreApplication.translate("Progress", "Cancel")
    dialog = QProgressDialog(title, cancel, 0, 0, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(progress.cancel)

    def show(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    def end(value: object, error: object) -> None:
        outcome.value = value  # type: ignore[assignment]
        outcome.error = error if isinstance(error, BaseException) else None
        outcome.cancelled = progress.cancelled
        loop.quit()

    progress.changed.connect(show, Qt.ConnectionType.QueuedConnection)
    finished.done.connect(end, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        try:
            value = work(progress)
        except Exception as exc:  # shown to the caller as the outcome, never a crash
            log.debug("work failed", exc_info=True)
            finished.done.emit(None, exc)
            return
        finished.done.emit(value, None)

    thread = threading.Thread(target=run, name="long-work", daemon=True)
    thread.start()
    if dialog_hook is not None:
        QTimer.singleShot(0, lambda: dialog_hook(dialog, progress))
    loop.exec()
    dialog.close()
    dialog.deleteLater()
    thread.join(timeout=5.0)
    return outcome
