"""Qt views of the station: the main window and its screens.

Only this package imports PySide6 and pyqtgraph; the core (``app``) and the drivers never do.
PySide6 is pinned below 6.12: 6.12.0 loses a reference to ``True`` on every signal emission and
to ``None`` on every void call, which aborts a long-running window on Python 3.11
(``tests/test_gui_format.py`` guards the pin).
"""
