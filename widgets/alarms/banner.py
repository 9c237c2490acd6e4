"""The always-visible alarm banner: counts per priority, the most urgent alarm, flashing.

Place it above every screen (``MainWindow.set_banner``). It redraws only when the bridge
applied a batch and when the flash phase turns (twice a second while anything waits for
acknowledgement), so a flood does not make it busier.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.alarms.model import Priority
from widgets import palette
from widgets.alarms.bridge import AlarmBridge
from widgets.alarms.model import PRIORITY_COLOURS, AlarmRow, format_time, priority_text
from widgets.i18n import on_language_change

FLASH_MS = 500
_OFF = (
    "background: palette(mid); color: palette(placeholder-text); border-radius: 3px;"
    " padding: 2px 8px;"
)


class AlarmBanner(QFrame):
    """Counts and the newest highest-priority alarm; click to see the alarm summary."""

    summaryRequested = Signal()
    acknowledgeRequested = Signal()

    def __init__(self, bridge: AlarmBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.bridge = bridge
        self.flash_on = False
        self.beeper: Callable[[], None] = QApplication.beep
        self.counts: dict[Priority, QLabel] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        for priority in Priority:
            label = QLabel(self)
            label.setObjectName(f"alarmCount_{priority.label}")
            label.setMinimumWidth(110)
            self.counts[priority] = label
            layout.addWidget(label)
        self.newest = QLabel(self)
        self.newest.setObjectName("alarmNewest")
        self.newest.setMinimumWidth(200)
        layout.addWidget(self.newest, 1)
        self.journal = QLabel(self)
        self.journal.setObjectName("alarmJournalStatus")
        self.journal.setStyleSheet(
            f"color: {palette.ON_FAULT}; background: {palette.FAULT}; padding: 2px 6px;"
        )
        self.journal.hide()
        layout.addWidget(self.journal)
        self.sound = QCheckBox(self)
        layout.addWidget(self.sound)
        self.ack_button = QPushButton(self)
        self.ack_button.clicked.connect(self.acknowledgeRequested)
        layout.addWidget(self.ack_button)
        self.summary_button = QPushButton(self)
        self.summary_button.clicked.connect(self.summaryRequested)
        layout.addWidget(self.summary_button)
        self._flash = QTimer(self)
        self._flash.setInterval(FLASH_MS)
        self._flash.timeout.connect(self._toggle_flash)
        bridge.updated.connect(self.refresh)
        bridge.newAlarms.connect(self._on_new_alarms)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)
        self._status_timer.timeout.connect(self._refresh_journal_status)
        self._status_timer.start()
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        """Every text the banner shows, in the current language."""
        self.sound.setText(self.tr("Sound"))
        self.sound.setToolTip(self.tr("Beep when a new alarm arrives"))
        self.ack_button.setText(self.tr("Acknowledge…"))
        self.summary_button.setText(self.tr("Alarms"))
        self.bridge.model.retranslate()
        self.refresh()
        self._refresh_journal_status()

    def refresh(self) -> None:
        """Redraw from the model's counts."""
        model = self.bridge.model
        counts = model.counts()
        any_unacked = False
        for priority, label in self.counts.items():
            total, unacked = counts[priority]
            any_unacked = any_unacked or unacked > 0
            name = priority_text(priority)
            if unacked:
                label.setText(
                    self.tr("%1: %2 (%3 new)")
                    .replace("%1", name)
                    .replace("%2", str(total))
                    .replace("%3", str(unacked))
                )
            else:
                label.setText(self.tr("%1: %2").replace("%1", name).replace("%2", str(total)))
            self._paint(label, priority, total, unacked)
        row = model.most_urgent()
        self.newest.setText(self._describe(row) if row else self.tr("No active alarms"))
        if any_unacked and not self._flash.isActive():
            self._flash.start()
        elif not any_unacked and self._flash.isActive():
            self._flash.stop()
            self.flash_on = False
            self.refresh()
        self.ack_button.setEnabled(any_unacked)

    def _describe(self, row: AlarmRow) -> str:
        return (
            self.tr("%1  %2  %3: %4")
            .replace("%1", format_time(row.last_change))
            .replace("%2", priority_text(row.priority))
            .replace("%3", self.bridge.model.sources.title(row.device, None))  # message: the tag
            .replace("%4", self.bridge.model.message_text(row))
        )

    def _paint(self, label: QLabel, priority: Priority, total: int, unacked: int) -> None:
        background, text = PRIORITY_COLOURS[priority]
        if total == 0:
            style = _OFF
        elif unacked and self.flash_on:
            # Flash phase: inverted colours so the change is visible without colour vision.
            style = (
                f"background: {text}; color: {background}; border: 2px solid {background};"
                " border-radius: 3px; padding: 0px 6px; font-weight: bold;"
            )
        else:
            style = (
                f"background: {background}; color: {text}; border-radius: 3px;"
                " padding: 2px 8px; font-weight: bold;"
            )
        if label.styleSheet() != style:  # re-polishing is costly: only on a change
            label.setStyleSheet(style)

    def _toggle_flash(self) -> None:
        self.flash_on = not self.flash_on
        counts = self.bridge.model.counts()
        for priority, label in self.counts.items():
            total, unacked = counts[priority]
            if unacked:
                self._paint(label, priority, total, unacked)

    def _on_new_alarms(self, _transitions: object) -> None:
        if self.sound.isChecked():
            self.beeper()

    def _refresh_journal_status(self) -> None:
        status = self.bridge.manager.journal_status
        if status.ok:
            self.journal.hide()
            return
        self.journal.setText(
            self.tr("Alarm journal not written (%1 waiting): %2")
            .replace("%1", str(status.pending))
            .replace("%2", status.error[:80])
        )
        self.journal.setToolTip(status.error)
        self.journal.show()
