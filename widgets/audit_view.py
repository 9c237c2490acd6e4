"""The audit trail screen: filters, the entries newest first, chain verification, CSV export.

Queries, the verification and the export run on the gateway's reader thread; results come
back through a queued signal. Reading the trail needs the ``audit.view`` permission: without
it (or with nobody signed in) the screen says so and shows nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.audit import AuditEntry, AuditFilter, query, verify
from app.audit.export import iso_utc, write_csv
from app.security import AUDIT_VIEW
from app.storage.database import Database
from widgets.i18n import on_language_change
from widgets.users import SessionController

#: (label, action filter): whole families end in ".".
ACTION_FILTERS = (
    (QT_TRANSLATE_NOOP("AuditView", "All actions"), None),
    (QT_TRANSLATE_NOOP("AuditView", "Sign-in and sign-out"), "sign*"),
    (QT_TRANSLATE_NOOP("AuditView", "Alarms"), "alarm."),
    (QT_TRANSLATE_NOOP("AuditView", "Users"), "user."),
    (QT_TRANSLATE_NOOP("AuditView", "Device writes"), "device."),
    (QT_TRANSLATE_NOOP("AuditView", "Baselines"), "baseline."),
    (QT_TRANSLATE_NOOP("AuditView", "Config changes"), "config."),
    (QT_TRANSLATE_NOOP("AuditView", "Defects"), "defect."),
    (QT_TRANSLATE_NOOP("AuditView", "Work orders"), "order."),
    (QT_TRANSLATE_NOOP("AuditView", "Stock"), "stock."),
)
COLUMNS = (
    "#",
    QT_TRANSLATE_NOOP("AuditView", "Time (UTC)"),
    QT_TRANSLATE_NOOP("AuditView", "Station"),
    QT_TRANSLATE_NOOP("AuditView", "User"),
    QT_TRANSLATE_NOOP("AuditView", "Action"),
    QT_TRANSLATE_NOOP("AuditView", "Target"),
    QT_TRANSLATE_NOOP("AuditView", "Outcome"),
    QT_TRANSLATE_NOOP("AuditView", "Details"),
)


class AuditView(QWidget):
    """Who did what, when, from which station."""

    _loaded = Signal(object, object)  # (callback, result) from the reader thread

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.gateway = controller.station.gateway
        self.entries: list[AuditEntry] = []
        self._loaded.connect(self._finish, Qt.ConnectionType.QueuedConnection)

        filters = QHBoxLayout()
        self.actor = QLineEdit()
        self.action = QComboBox()
        for _label, _ in ACTION_FILTERS:
            self.action.addItem("")
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setValue(7)
        self.refresh_button = QPushButton()
        self.verify_button = QPushButton()
        self.export_button = QPushButton()
        self._user_label, self._action_label, self._last_label = QLabel(), QLabel(), QLabel()
        for widget in (
            self._user_label,
            self.actor,
            self._action_label,
            self.action,
            self._last_label,
            self.days,
            self.refresh_button,
        ):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.verify_button)
        filters.addWidget(self.export_button)
        self.message = QLabel(objectName="auditMessage")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))  # in the language: retranslate
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.verticalHeader().setVisible(False)
        # Widths from the texts the columns hold (measuring thousands of rows would stall).
        metrics = self.table.fontMetrics()
        samples = (
            "000000",
            "2026-12-31T23:59:59.000+00:00",
            "L3 line-side monitor",
            "maintenance",
            "alarm.out_of_service",
            "oven.zone1_temp.hh",
            "denied",
        )
        for column, sample in enumerate(samples):
            header = self.table.horizontalHeaderItem(column).text()
            wide = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(header))
            self.table.setColumnWidth(column, wide + 24)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.actor.returnPressed.connect(self.refresh)
        self.action.currentIndexChanged.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self._ask_export)
        controller.changed.connect(self.refresh)
        on_language_change(self, self.retranslate)
        self.refresh()

    def retranslate(self) -> None:
        self.actor.setPlaceholderText(self.tr("user"))
        for index, (label, _) in enumerate(ACTION_FILTERS):
            self.action.setItemText(index, self.tr(label))
        self.days.setSuffix(self.tr(" days"))
        self.refresh_button.setText(self.tr("Show"))
        self.verify_button.setText(self.tr("Verify the chain"))
        self.export_button.setText(self.tr("Export CSV…"))
        self._user_label.setText(self.tr("User"))
        self._action_label.setText(self.tr("Action"))
        self._last_label.setText(self.tr("Last"))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])

    # -- reader-thread jobs ------------------------------------------------------------------

    def _read(self, job: Callable[[Database], Any], then: Callable[[Any], None]) -> None:
        future = self.gateway.read(job)
        future.add_done_callback(lambda f: self._loaded.emit(then, f.exception() or f.result()))

    @Slot(object, object)
    def _finish(self, then: Callable[[Any], None], result: Any) -> None:
        if isinstance(result, Exception):
            self.message.setText(
                self.tr("The audit trail cannot be read: %1").replace(
                    "%1", str(result).splitlines()[0] if str(result) else type(result).__name__
                )
            )
            return
        then(result)

    def _allowed(self) -> bool:
        if self.controller.may(AUDIT_VIEW):
            return True
        self.entries = []
        self.table.setRowCount(0)
        self.message.setText(self.tr("Sign in as an inspector, engineer or admin to see it."))
        return False

    def current_filter(self) -> AuditFilter:
        action = ACTION_FILTERS[self.action.currentIndex()][1]
        since = time.time() - self.days.value() * 86400.0
        actor = self.actor.text().strip() or None
        return AuditFilter(since=since, actor=actor, action=action, limit=5000)

    @Slot()
    def refresh(self) -> None:
        if not self._allowed():
            return
        wanted = self.current_filter()
        self._read(lambda db: query(db, wanted), self._show)

    @Slot()
    def verify(self) -> None:
        if self._allowed():
            self._read(verify, self._show_verdict)

    @Slot()
    def _ask_export(self) -> None:
        if not self._allowed():
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the audit trail"), "audit.csv", self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the entries shown now to ``path`` (on the reader thread)."""
        shown = list(self.entries)

        def write(_db: Database) -> int:
            with open(path, "w", newline="", encoding="utf-8") as out:
                return write_csv(shown, out)

        self._read(
            write,
            lambda n: self.message.setText(
                self.tr("%1 entries exported to %2").replace("%1", str(n)).replace("%2", str(path))
            ),
        )

    # -- results (GUI thread) ----------------------------------------------------------------

    def _show(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            cells = (
                str(e.seq),
                iso_utc(e.ts),
                e.station,
                e.actor,
                e.action,
                e.target,
                e.outcome,
                json.dumps(e.details, ensure_ascii=False, sort_keys=True),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.message.setText(self.tr("Entries: %1").replace("%1", str(len(entries))))

    def _show_verdict(self, result: Any) -> None:
        if result.ok:
            text = self.tr("The chain is intact: %1 entries.").replace("%1", str(result.entries))
        else:
            text = (
                self.tr("The chain is BROKEN at entry %1: %2")
                .replace("%1", str(result.first_bad))
                .replace("%2", result.problem)
            )
        self.message.setText(text)
