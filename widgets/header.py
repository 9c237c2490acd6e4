"""Header: which station this is (company, site, line, station) and the time."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.config import StationInfo
from widgets.format import format_header_clock
from widgets.i18n import LANGUAGES, current_language, on_language_change


class StationHeader(QFrame):
    """A slim identity strip at the top of the window, with the language switch."""

    languageRequested = Signal(str)
    """A language code the operator picked with the header's language button."""

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
        # One touch to the other language; the button names it in its own script.
        self.language_button = QPushButton(objectName="languageButton")
        self.language_button.clicked.connect(
            lambda: self.languageRequested.emit(self._other_language())
        )
        layout.addWidget(self.language_button)
        self._tick()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)
        on_language_change(self, self.retranslate)

    def _other_language(self) -> str:
        codes = list(LANGUAGES)
        return codes[(codes.index(current_language()) + 1) % len(codes)]

    def retranslate(self) -> None:
        """The clock in the locale, the button naming the other language."""
        self.language_button.setText(LANGUAGES[self._other_language()])
        self.language_button.setToolTip(self.tr("Language"))
        self._tick()

    @Slot()
    def _tick(self) -> None:
        self.clock.setText(format_header_clock())
