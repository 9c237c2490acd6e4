"""Alarm detail: what is wrong, what to do about it, and the tag's trend around the event."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.alarms.manager import AlarmManager
from app.alarms.model import AlarmView
from widgets import palette
from widgets.alarms.actions import AcknowledgeDialog, RecentUsers
from widgets.alarms.model import (
    PRIORITY_COLOURS,
    Sources,
    format_time,
    priority_text,
    state_text,
)
from widgets.i18n import translate_message

log = logging.getLogger(__name__)

#: ``history(tag_id, t0, t1) -> (timestamps, values)``, e.g. the engine's ring buffers.
HistoryFunc = Callable[[int, float, float], tuple[np.ndarray, np.ndarray]]

BEFORE_S = 300.0
AFTER_S = 300.0


class AlarmDetailDialog(QDialog):
    """Everything about one alarm, with acknowledge."""

    def __init__(
        self,
        manager: AlarmManager,
        alarm_id: str,
        history: HistoryFunc | None = None,
        users: RecentUsers | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.manager = manager
        self.alarm_id = alarm_id
        self.users = users or RecentUsers()
        self.view: AlarmView = manager.view(alarm_id)
        self.setWindowTitle(self.tr("Alarm %1").replace("%1", alarm_id))
        v = self.view
        sources = Sources(manager.config)
        form = QFormLayout()
        message = QLabel(v.message.render(translate_message), self)
        message.setWordWrap(True)
        message.setObjectName("alarmDetailMessage")
        form.addRow(self.tr("Message"), message)
        source = QLabel(sources.title(v.device, v.tag), self)
        source.setToolTip(f"{v.device}.{v.tag}" if v.tag else v.device)
        form.addRow(self.tr("Source"), source)
        priority = QLabel(priority_text(v.priority), self)
        background, text = PRIORITY_COLOURS[v.priority]
        priority.setStyleSheet(f"background: {background}; color: {text}; padding: 2px 6px;")
        form.addRow(self.tr("Priority"), priority)
        form.addRow(self.tr("State"), QLabel(state_text(v.state), self))
        form.addRow(self.tr("Active since"), QLabel(format_time(v.active_since), self))
        form.addRow(self.tr("Last change"), QLabel(format_time(v.last_change), self))
        if v.value is not None:
            value = sources.value(v.device, v.tag, v.condition, v.value)
            form.addRow(self.tr("Value"), QLabel(value, self))
        if v.acked_by:
            ack = v.acked_by + (f" — {v.ack_comment}" if v.ack_comment else "")
            form.addRow(self.tr("Acknowledged by"), QLabel(ack, self))
        if v.shelve is not None:
            shelved = (
                self.tr("%1 until %2: %3")
                .replace("%1", v.shelve.actor)
                .replace("%2", format_time(v.shelve.until))
                .replace("%3", v.shelve.reason)
            )
            form.addRow(self.tr("Shelved by"), QLabel(shelved, self))
        if v.out_of_service_by:
            form.addRow(self.tr("Out of service by"), QLabel(v.out_of_service_by, self))
        self.detail: QLabel | None = None
        if v.detail:  # the driver's own words: for the technician, never in the message
            self.detail = QLabel(v.detail, self)
            self.detail.setObjectName("alarmDetailTechnical")
            self.detail.setWordWrap(True)
            self.detail.setStyleSheet("color: #5c5c5c;")
            self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.tr("Technical detail"), self.detail)
        self.response = QTextBrowser(self)
        self.response.setObjectName("alarmDetailResponse")
        self.response.setPlainText(v.response or self.tr("No response text is configured."))
        self.response.setMaximumHeight(110)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("What to do"), self))
        layout.addWidget(self.response)
        self.plot: pg.PlotWidget | None = None
        if history is not None and v.tag_id is not None:
            self.plot = self._trend(history, v)
        if self.plot is not None:
            layout.addWidget(self.plot, 1)
            self.resize(720, 560)
        else:  # no trend (a comm alarm, a machine-wide anomaly): no empty gap either
            self.response.setMaximumHeight(16_777_215)
            self.response.setMinimumHeight(80)
            layout.setStretchFactor(self.response, 1)
            self.resize(620, self.sizeHint().height())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.ack_button = QPushButton(self.tr("Acknowledge…"), self)
        self.ack_button.setEnabled(v.state.needs_ack)
        self.ack_button.clicked.connect(self.acknowledge)
        buttons.addButton(self.ack_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _trend(self, history: HistoryFunc, v: AlarmView) -> pg.PlotWidget | None:
        event = v.active_since or v.last_change
        if event is None or v.tag_id is None:
            return None
        try:
            t, values = history(v.tag_id, event - BEFORE_S, event + AFTER_S)
        except Exception as exc:  # the trend is a help, never a reason to fail the dialog
            log.warning("no trend for %s: %s", v.alarm_id, exc)
            return None
        t = np.asarray(t, dtype=float)
        values = np.asarray(values, dtype=float)
        keep = (t >= event - BEFORE_S) & (t <= event + AFTER_S)
        if not keep.any():
            return None
        plot = pg.PlotWidget(self, background=palette.current().plot)
        plot.setObjectName("alarmDetailTrend")
        plot.showGrid(x=True, y=True, alpha=0.3)
        plot.setLabel("bottom", self.tr("seconds from the event"))
        plot.plot(t[keep] - event, values[keep], pen=pg.mkPen(palette.DATA_PEN, width=2))
        plot.addItem(pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(PRIORITY_COLOURS[v.priority][0])))
        return plot

    def acknowledge(self) -> None:
        """Ask who acknowledges this alarm."""
        dialog = AcknowledgeDialog(self.manager, [self.alarm_id], self.users, self)
        if dialog.exec():
            self.ack_button.setEnabled(False)
        dialog.deleteLater()
