"""Work-arounds for defects of the Qt binding that would otherwise crash a long-running station.

PySide6 6.12.0 hands out ``True`` and ``None`` without taking a reference: every signal emitted
from Python returns ``True`` that way, and every void method (``QGraphicsItem.update()``,
``setPos()`` ...) returns ``None`` that way. pyqtgraph makes thousands of such calls a second
on the trend, so on CPython < 3.12, where these singletons are not immortal, their reference
counts reach zero within a minute or two and the interpreter aborts ("bool_dealloc" /
"none_dealloc: deallocating None"). PySide6 6.11.3 does not have the defect.

The cure here: when the defect is detected, give ``True``, ``False`` and ``None`` so many spare
references that no realistic uptime can use them up, which is what CPython 3.12+ does anyway
(immortal objects). The singletons are never freed, so extra references cannot leak anything.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QStandardItem

log = logging.getLogger(__name__)

PROBE_CALLS = 64
SPARE_REFERENCES = 1 << 60  # a million lost references a second would last 36,000 years

_applied = False


class _Probe(QObject):
    fired = Signal()


def _lost_references(singleton: object, call: object) -> int:
    assert callable(call)
    for _ in range(8):  # the first calls of a class set up caches that hold references
        call()
    before = sys.getrefcount(singleton)
    for _ in range(PROBE_CALLS):
        call()
    return before - sys.getrefcount(singleton)


def emit_drops_references() -> bool:
    """True when emitting a signal loses a reference to ``True``."""
    probe = _Probe()
    return _lost_references(True, probe.fired.emit) >= PROBE_CALLS // 2


def void_call_drops_references() -> bool:
    """True when calling a void method loses a reference to ``None``."""
    item = QStandardItem()
    return _lost_references(None, lambda: item.setText("x")) >= PROBE_CALLS // 2


def apply_workarounds() -> bool:
    """Protect the interpreter from the binding's defects; True when the fix is in place."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12):
        return False  # immortal singletons: the lost references are harmless
    if not (emit_drops_references() or void_call_drops_references()):
        return False
    for singleton in (True, False, None):
        # ob_refcnt is the first field of every object in a standard (GIL) CPython build.
        ctypes.c_ssize_t.from_address(id(singleton)).value += SPARE_REFERENCES
    _applied = True
    log.warning(
        "PySide6 %s loses references to True/None; made them immortal (use PySide6 < 6.12)",
        _binding_version(),
    )
    return True


def _binding_version() -> str:
    import PySide6

    return str(PySide6.__version__)
