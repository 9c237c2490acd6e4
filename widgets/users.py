"""Who is signed in: the header's sign-in strip, the sign-in and first-admin dialogs.

The session itself is the core's (:class:`app.users.Session`, owned by the station); this module
only shows it. Checking a password (argon2, tens of milliseconds, and a database read) runs on
the gateway's reader thread, never on the GUI thread; the answer comes back through a queued
signal. Any key press or click in the application counts as activity for the idle sign-out.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.security import Actor
from app.station import STATION_USER, Station
from app.users import Role, SignInError, UserError, WeakPasswordError
from app.users.roles import MATRIX
from widgets.i18n import on_language_change

IDLE_CHECK_MS = 1000  # also how soon a badge scanned at the reader shows


class SessionController(QObject):
    """The station's session for the views: signals on change, activity, idle checks."""

    changed = Signal()
    """Someone signed in or out (also by the idle time)."""
    failed = Signal(str)
    """A sign-in or first-admin attempt was refused; the sentence to show."""
    _done = Signal(object, object)  # (callback, result) from the reader thread

    def __init__(self, station: Station, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.session = station.session
        self._shown: Actor | None = None
        self._done.connect(self._finish, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(IDLE_CHECK_MS)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def actor(self) -> Actor | None:
        return self.session.actor

    @property
    def first_run(self) -> bool:
        return self.station.user_admin.first_run

    def may(self, action: str) -> bool:
        """May the signed-in user do ``action``? Nobody signed in: view-only, except on a
        station without users yet, which stays open as before users existed."""
        actor = self.actor
        if actor is None:
            if self.station.policy.enforcing:
                return False
            actor = Actor.named(STATION_USER)
        return self.station.policy.may(actor, action)

    def permissions(self) -> list[str]:
        actor = self.actor
        user = self.station.users.get(actor.name) if actor is not None else None
        return sorted(MATRIX[user.role]) if user is not None else []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self.session.touch()
        return False

    @Slot()
    def check(self) -> None:
        """Notice an idle sign-out (or any change) and tell the views."""
        self.session.check_idle()
        if self.session.actor != self._shown:
            self._shown = self.session.actor
            self.changed.emit()

    def _off_thread(self, job: Callable[[], Any], then: Callable[[Any], None]) -> None:
        def run(_db: object) -> Any:
            try:
                return job()
            except (SignInError, UserError, WeakPasswordError, ValueError) as exc:
                return exc

        future: Future[Any] = self.station.gateway.read(run)
        future.add_done_callback(lambda f: self._done.emit(then, f.result()))

    @Slot(object, object)
    def _finish(self, then: Callable[[Any], None], result: Any) -> None:
        if isinstance(result, Exception):
            self.failed.emit(str(result))
        else:
            then(result)
        self.check()

    def sign_in(self, name: str, password: str, then: Callable[[Any], None]) -> None:
        self._off_thread(lambda: self.session.sign_in(name, password), then)

    def sign_in_badge(self, code: str, then: Callable[[Any], None]) -> None:
        self._off_thread(lambda: self.session.sign_in_badge(code), then)

    def create_first_admin(self, name: str, password: str, then: Callable[[Any], None]) -> None:
        admin = self.station.user_admin

        def create() -> Actor:
            admin.add(None, name, Role.ADMIN, password)
            return self.session.sign_in(name, password)

        self._off_thread(create, then)

    def sign_out(self) -> None:
        self.session.sign_out()
        self.check()


class _CredentialsDialog(QDialog):
    """Name and password, an error line, OK/Cancel; the work is done by ``submit``."""

    def __init__(self, controller: SessionController, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(self.tr("User name"), self.name)
        self.form.addRow(self.tr("Password"), self.password)
        self.error = QLabel(objectName="signInError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        controller.failed.connect(self._failed)

    def submit(self) -> None:
        raise NotImplementedError

    def done(self, result: int) -> None:
        # Refusals meant for a later dialog must not reach this one once it is closed.
        self.controller.failed.disconnect(self._failed)
        super().done(result)

    def _busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._busy(False)
        self.password.clear()
        self.error.setText(message)

    def _signed_in(self, _actor: object) -> None:
        self.password.clear()
        self.accept()


class SignInDialog(_CredentialsDialog):
    """Sign in with name and password, or by scanning a badge into the badge field."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("Sign in"), parent)
        self.badge = QLineEdit()
        self.badge.setEchoMode(QLineEdit.EchoMode.Password)
        self.badge.setPlaceholderText(self.tr("scan your badge"))
        self.badge.returnPressed.connect(self.submit_badge)
        self.form.addRow(self.tr("or badge"), self.badge)

    def submit(self) -> None:
        self.error.clear()
        self._busy(True)
        self.controller.sign_in(self.name.text(), self.password.text(), self._signed_in)

    @Slot()
    def submit_badge(self) -> None:
        code, _ = self.badge.text(), self.badge.clear()
        if code.strip():
            self._busy(True)
            self.controller.sign_in_badge(code, self._signed_in)


class FirstAdminDialog(_CredentialsDialog):
    """The first run: there is no user and no default password; create the first admin."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("Create the first administrator"), parent)
        intro = QLabel(
            self.tr(
                "This station has no users yet. Create the administrator who will add the "
                "operators, inspectors and maintenance staff. Until then anyone may "
                "acknowledge alarms under any name."
            )
        )
        intro.setWordWrap(True)
        self.layout().insertWidget(0, intro)  # type: ignore[union-attr]
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(self.tr("Repeat password"), self.repeat)

    def submit(self) -> None:
        if self.password.text() != self.repeat.text():
            self.error.setText(self.tr("The passwords differ."))
            return
        self.error.clear()
        self._busy(True)
        self.controller.create_first_admin(self.name.text(), self.password.text(), self._signed_in)

    def _failed(self, message: str) -> None:
        super()._failed(message)
        self.repeat.clear()


class SignInStrip(QFrame):
    """Header strip: who is signed in (or view-only), and the button to sign in or out."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signIn")
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.who = QLabel(objectName="signedInUser")
        self.button = QPushButton()
        self.button.clicked.connect(self._clicked)
        layout.addWidget(self.who)
        layout.addWidget(self.button)
        controller.changed.connect(self.refresh)
        on_language_change(self, self.refresh)  # its texts are set by refresh

    @Slot()
    def refresh(self) -> None:
        actor = self.controller.actor
        if self.controller.first_run:
            self.who.setText(self.tr("No users yet"))
            self.button.setText(self.tr("Create the first admin…"))
        elif actor is None:
            self.who.setText(self.tr("View only: nobody signed in"))
            self.button.setText(self.tr("Sign in…"))
        else:
            role = next(iter(sorted(actor.roles)), "")
            self.who.setText(self.tr("%1 (%2)").replace("%1", actor.name).replace("%2", role))
            self.button.setText(self.tr("Sign out"))
        self.who.setToolTip("\n".join(self.controller.permissions()))

    @Slot()
    def _clicked(self) -> None:
        if self.controller.actor is not None:
            self.controller.sign_out()
            return
        dialog: QDialog = (
            FirstAdminDialog(self.controller, self)
            if self.controller.first_run
            else SignInDialog(self.controller, self)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.refresh())
        dialog.open()
