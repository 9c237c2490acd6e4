"""Work-arounds for defects of the Qt binding that would otherwise crash a long-running station.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit`` without taking a reference, so
every signal emitted from Python (ours and pyqtgraph's, hundreds a second on the trend) drops
one reference to ``True``. On CPython < 3.12, where ``True`` is not immortal, the count reaches
zero after a few thousand emits and the interpreter aborts ("bool_dealloc: deallocating True or
False"). The cure here: when the defect is detected, give ``True`` and ``False`` so many
references that no realistic uptime can exhaust them, which is what CPython 3.12+ does anyway.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

PROBE_EMITS = 64
SPARE_REFERENCES = 1 << 60  # a million emits a second would need 36,000 years to use them up

_applied = False


class _Probe(QObject):
    fired = Signal()


def emit_drops_references() -> bool:
    """True when emitting a signal loses a reference to ``True`` (the 6.12.0 defect)."""
    probe = _Probe()
    for _ in range(8):  # the first emits of a class set up caches that hold references
        probe.fired.emit()
    before = sys.getrefcount(True)
    for _ in range(PROBE_EMITS):
        probe.fired.emit()
    after = sys.getrefcount(True)
    return before - after >= PROBE_EMITS // 2


def apply_workarounds() -> bool:
    """Protect the interpreter from the binding's defects; True when a fix was applied."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or not emit_drops_references():
        return False  # immortal bools, or a binding without the defect
    for singleton in (True, False):
        # ob_refcnt is the first field of every object in a standard (GIL) CPython build.
        ctypes.c_ssize_t.from_address(id(singleton)).value += SPARE_REFERENCES
    _applied = True
    log.warning("PySide6 signal emission leaks references to True; bools made immortal")
    return True
