"""Operator actions on alarms: acknowledge and shelve, each asking who is acting.

The user is a station user name typed or picked from the recent ones (never prefilled: the
next person at the station must not act under someone else's name); the access policy of the
manager decides whether that person may act (:mod:`app.security`). Each dialog names the
alarms it acts on (source and message), not only how many. Every refusal or bad input
is shown in the dialog in plain words; nothing raises out of it. The manager applies an action
in memory and hands its journal rows to the database gateway, so accepting a dialog never waits
for the database, even when another process holds it locked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.alarms.manager import AlarmManager, UnknownAlarmError
from app.security import Actor
from widgets.alarms.model import Sources
from widgets.i18n import translate_message

#: Alarms named one per line in a dialog; more are counted.
NAMED = 6


def describe(manager: AlarmManager, alarm_ids: Sequence[str]) -> list[str]:
    """``Oven · Zone 1 temperature — Zone 1 temperature high: above 700 °C`` per alarm."""
    sources = Sources(manager.config)
    lines = []
    for alarm_id in alarm_ids:
        try:
            view = manager.view(alarm_id)
        except UnknownAlarmError:
            lines.append(alarm_id)
            continue
        title = sources.title(view.device, view.tag)
        lines.append(f"{title} — {view.message.render(translate_message)}")
    return lines


class RecentUsers:
    """Who acts in the dialogs: the user signed in at the workstation once the station has
    users; before that, a typed name (the names that acted recently are offered, newest first).
    """

    def __init__(
        self,
        names: Sequence[str] = (),
        keep: int = 12,
        signed_in: Callable[[], Actor | None] | None = None,
        requires_sign_in: Callable[[], bool] | None = None,
    ) -> None:
        self.keep = keep
        self.names: list[str] = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        self._signed_in = signed_in
        self._requires_sign_in = requires_sign_in

    @property
    def requires_sign_in(self) -> bool:
        """True once the station has users: only the signed-in user acts."""
        return self._requires_sign_in is not None and self._requires_sign_in()

    def signed_in(self) -> Actor | None:
        return self._signed_in() if self._signed_in is not None else None

    def remember(self, name: str) -> None:
        """Put ``name`` first."""
        self.names = [name, *(n for n in self.names if n.casefold() != name.casefold())][
            : self.keep
        ]


class _ActionDialog(QDialog):
    """A form with the acting user, the action's own fields and an error line."""

    def __init__(
        self,
        manager: AlarmManager,
        alarm_ids: Sequence[str],
        users: RecentUsers,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.manager = manager
        self.alarm_ids = list(alarm_ids)
        self.users = users
        self.done_ids: list[str] = []
        self.user = QComboBox(self)
        self.error = QLabel(self)
        self.error.setObjectName("alarmActionError")
        self.error.setStyleSheet("color: #c8102e;")
        self.error.setWordWrap(True)
        self.error.hide()
        if users.requires_sign_in:
            # The signed-in user acts; the name is shown, not chosen.
            current = users.signed_in()
            self.user.addItem(current.name if current is not None else "")
            self.user.setEnabled(False)
            if current is None:
                self.show_error(self.nobody_signed_in())
        else:
            self.user.setEditable(True)
            self.user.addItems(users.names)
            self.user.setCurrentIndex(-1)
            self.user.setCurrentText("")  # never someone else's name: each person types theirs
            self.user.lineEdit().setPlaceholderText(
                QCoreApplication.translate("AlarmActionDialog", "Your name")
            )
        self.form = QFormLayout()
        self.form.addRow(QCoreApplication.translate("AlarmActionDialog", "User"), self.user)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def name_alarms(self, lead: str) -> None:
        """The summary line: what is done, then the alarms by source and message."""
        lines = describe(self.manager, self.alarm_ids[:NAMED])
        more = len(self.alarm_ids) - len(lines)
        text = lead + "\n" + "\n".join(f"• {line}" for line in lines)
        if more > 0:
            text += "\n" + QCoreApplication.translate("AlarmActionDialog", "…and %1 more").replace(
                "%1", str(more)
            )
        self.summary.setText(text)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)

    def text_field(self, placeholder: str) -> QPlainTextEdit:
        """A few lines of free text (a comment, a reason); Tab moves on to the next field."""
        field = QPlainTextEdit(self)
        field.setPlaceholderText(placeholder)
        field.setTabChangesFocus(True)
        field.setMaximumHeight(90)
        return field

    def show_error(self, text: str) -> None:
        """Show why the action was not done."""
        self.error.setText(text)
        self.error.show()

    @staticmethod
    def nobody_signed_in() -> str:
        return QCoreApplication.translate(
            "AlarmActionDialog", "Nobody is signed in at this station: sign in first."
        )

    def actor(self) -> Actor | None:
        """The acting user, or None (with the reason shown) when the name is unusable."""
        if self.users.requires_sign_in:
            # Who is signed in now, not when the dialog opened (an idle sign-out meanwhile).
            current = self.users.signed_in()
            if current is None:
                self.show_error(self.nobody_signed_in())
            return current
        try:
            return Actor.named(self.user.currentText())
        except ValueError as exc:
            self.show_error(str(exc).capitalize())
            return None

    def perform(self, actor: Actor) -> list[str]:
        """Do the action; raise PermissionError or ValueError to refuse."""
        raise NotImplementedError

    def accept(self) -> None:
        actor = self.actor()
        if actor is None:
            return
        try:
            self.done_ids = self.perform(actor)
        except UnknownAlarmError as exc:
            self.show_error(
                QCoreApplication.translate(
                    "AlarmActionDialog", "These alarms no longer exist: %1"
                ).replace("%1", ", ".join(exc.alarm_ids))
            )
            return
        except (PermissionError, ValueError) as exc:
            self.show_error(str(exc))
            return
        self.users.remember(actor.name)
        super().accept()


class AcknowledgeDialog(_ActionDialog):
    """Acknowledge one or many alarms, with an optional comment."""

    def __init__(
        self,
        manager: AlarmManager,
        alarm_ids: Sequence[str],
        users: RecentUsers,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(manager, alarm_ids, users, parent)
        self.setWindowTitle(self.tr("Acknowledge alarms"))
        self.name_alarms(
            self.tr("Acknowledge this alarm:")
            if len(self.alarm_ids) == 1
            else self.tr("Acknowledge these %1 alarms:").replace("%1", str(len(self.alarm_ids)))
        )
        self.comment = self.text_field(self.tr("Optional: what you saw or did"))
        self.form.addRow(self.tr("Comment"), self.comment)
        self.user.setFocus(Qt.FocusReason.OtherFocusReason)

    def perform(self, actor: Actor) -> list[str]:
        return self.manager.acknowledge(self.alarm_ids, actor, self.comment.toPlainText())


class ShelveDialog(_ActionDialog):
    """Shelve alarms for a while (at most the station's maximum), with a reason."""

    def __init__(
        self,
        manager: AlarmManager,
        alarm_ids: Sequence[str],
        users: RecentUsers,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(manager, alarm_ids, users, parent)
        self.setWindowTitle(self.tr("Shelve alarms"))
        self.name_alarms(
            self.tr("Shelve this alarm (hidden until the time runs out):")
            if len(self.alarm_ids) == 1
            else self.tr("Shelve these %1 alarms (hidden until the time runs out):").replace(
                "%1", str(len(self.alarm_ids))
            )
        )
        settings = manager.settings
        self.reason = self.text_field(self.tr("Required: why these alarms are shelved"))
        self.minutes = QSpinBox(self)
        self.minutes.setRange(1, max(1, int(settings.max_shelve_s // 60)))
        self.minutes.setValue(min(self.minutes.maximum(), int(settings.default_shelve_s // 60)))
        self.minutes.setSuffix(self.tr(" min"))
        self.one_shot = QCheckBox(self.tr("Also unshelve when the alarm returns to normal"), self)
        self.form.addRow(self.tr("Reason"), self.reason)
        self.form.addRow(self.tr("Duration"), self.minutes)
        self.form.addRow("", self.one_shot)

    def perform(self, actor: Actor) -> list[str]:
        return self.manager.shelve(
            self.alarm_ids,
            actor,
            self.reason.toPlainText(),
            duration_s=self.minutes.value() * 60.0,
            one_shot=self.one_shot.isChecked(),
        )


class UnshelveDialog(_ActionDialog):
    """Return shelved alarms to annunciation now."""

    def __init__(
        self,
        manager: AlarmManager,
        alarm_ids: Sequence[str],
        users: RecentUsers,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(manager, alarm_ids, users, parent)
        self.setWindowTitle(self.tr("Unshelve alarms"))
        self.name_alarms(
            self.tr("Unshelve this alarm:")
            if len(self.alarm_ids) == 1
            else self.tr("Unshelve these %1 alarms:").replace("%1", str(len(self.alarm_ids)))
        )

    def perform(self, actor: Actor) -> list[str]:
        return self.manager.unshelve(self.alarm_ids, actor)
