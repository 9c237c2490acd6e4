"""Kiosk mode for an operator station: the window fills the screen and stays there.

Closing the window, leaving full screen or quitting is refused unless the user signed in at
the workstation may leave the kiosk (``kiosk.leave``: engineers and admins). The refusal is
the core's decision (the station's policy), shown in the status bar, and audited like every
refused action. The operating system may still end the program (shutdown, SIGTERM): that is
the station computer's owner acting, not a person at the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow

from app.security import KIOSK_LEAVE, AccessDenied
from app.station import Station
from widgets.users import SessionController

#: How long a refusal stays in the status bar.
MESSAGE_MS = 8000


class Kiosk(QObject):
    """Keeps ``window`` full screen until someone allowed to leaves the kiosk."""

    def __init__(self, window: QMainWindow, station: Station, session: SessionController) -> None:
        super().__init__(window)
        self.window = window
        self.station = station
        self.session = session
        self.active = True

    def may_leave(self) -> bool:
        """May the signed-in user leave? (What the menu shows; `leave` asks the core.)"""
        return self.session.may(KIOSK_LEAVE)

    def enter(self) -> None:
        """Full screen, without the window manager's close button."""
        self.active = True
        self.window.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.window.showFullScreen()

    def leave(self) -> bool:
        """Leave the kiosk as the signed-in user; False (the reason shown) when refused."""
        try:
            self.station.leave_kiosk(self.session.actor)
        except AccessDenied:  # the reason is in the audit trail
            self.window.statusBar().showMessage(
                self.tr("Kiosk mode: only a signed-in engineer or admin can leave it."), MESSAGE_MS
            )
            return False
        self.active = False
        self.window.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, True)
        self.window.showMaximized()
        return True
