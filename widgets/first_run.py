"""The first minute: a window started without a station config offers the demo line, a guided
new-station setup or an existing station file, and remembers the station it then opens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.i18n import on_language_change
from widgets.setup_wizard import StationSetup

#: QSettings key of the station file the window opened last.
STATION_KEY = "station/config"
DEMO, NEW, OPEN = "demo", "new", "open"


@dataclass(frozen=True, slots=True)
class StationChoice:
    """What to open: the demo line, or a station file."""

    kind: str
    path: Path | None = None


def remembered_station(settings: QSettings | None = None) -> Path | None:
    """The station file opened last, if it still exists."""
    value = (settings or QSettings()).value(STATION_KEY)
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_file() else None


def remember_station(path: Path, settings: QSettings | None = None) -> None:
    """Open ``path`` next time the window starts without ``--config``."""
    settings = settings or QSettings()
    settings.setValue(STATION_KEY, str(path.resolve()))
    settings.sync()


class FirstRunDialog(QDialog):
    """Three large choices; :attr:`choice` says which one was taken (None: closed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice: str | None = None
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        self.intro = QLabel(wordWrap=True)
        layout.addWidget(self.intro)
        self.buttons: dict[str, QPushButton] = {}
        for kind in (DEMO, NEW, OPEN):
            button = QPushButton()
            button.setMinimumHeight(64)
            button.clicked.connect(lambda _on=False, k=kind: self._choose(k))
            layout.addWidget(button)
            self.buttons[kind] = button
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        """Every text of the dialog in the current language."""
        self.setWindowTitle(self.tr("Welcome to ShopFloor Monitor"))
        self.intro.setText(
            self.tr("No station is set up on this computer yet. What would you like to do?")
        )
        self.buttons[DEMO].setText(self.tr("Look around on the demo line (simulated machines)"))
        self.buttons[NEW].setText(self.tr("Set up a new station…"))
        self.buttons[OPEN].setText(self.tr("Open a station file…"))

    @Slot()
    def _choose(self, kind: str) -> None:
        self.choice = kind
        self.accept()


def choose_station(
    parent: QWidget | None = None, quit_after: float | None = None
) -> StationChoice | None:
    """Ask what to open (``quit_after``: close unanswered after that many seconds, for
    unattended runs); None when the person closed the dialog or a step was cancelled."""
    dialog = FirstRunDialog(parent)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), dialog.reject)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
        return None
    if dialog.choice == DEMO:
        return StationChoice(DEMO)
    if dialog.choice == NEW:
        wizard = StationSetup(parent)
        if wizard.exec() != QDialog.DialogCode.Accepted or wizard.saved_path is None:
            return None
        return StationChoice(OPEN, wizard.saved_path)
    path, _ = QFileDialog.getOpenFileName(
        parent,
        QCoreApplication.translate("FirstRunDialog", "Open a station file"),
        "",
        QCoreApplication.translate("FirstRunDialog", "Station files (*.toml)"),
    )
    return StationChoice(OPEN, Path(path)) if path else None
