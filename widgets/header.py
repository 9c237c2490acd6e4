"""Header: which station this is (company, site, line, station) and the time."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.config import StationInfo
from widgets.format import format_header_clock
from widgets.i18n import on_language_change


class StationHeader(QFrame):
    """A slim identity strip at the top of the window."""

    def __init__(self, info: StationInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.title = QLabel(info.station, objectName="stationTitle")
        self.path = QLabel(
            f"{info.company}  /  {info.site}  /  {info.line}", objectName="stationPath"
        )
        names.addWidget(self.title)
        names.addWidget(self.path)
        layout.addLayout(names, 1)
        self.clock = QLabel(objectName="clock")
        layout.addWidget(self.clock)
        self._tick()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)
        on_language_change(self, self._tick)

    @Slot()
    def _tick(self) -> None:
        self.clock.setText(format_header_clock())
