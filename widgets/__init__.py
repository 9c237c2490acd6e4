"""Qt views of the station: the main window and its screens.

Only this package imports PySide6 and pyqtgraph; the core (``app``) and the drivers never do.
Importing it first protects the interpreter from a reference-count defect of PySide6 6.12.0
(see :mod:`widgets.qt_compat`).
"""

from widgets.qt_compat import apply_workarounds

apply_workarounds()
