"""The Quality screen: defect history, Pareto and SPC as tabs, sharing one query reader."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from app.quality.queries import defect_history_of
from app.quality.service import QualityService
from app.storage import DatabaseGateway
from widgets.i18n import on_language_change
from widgets.quality.dialog import ChangeDialog, DefectDialog
from widgets.quality.history import DefectHistoryView
from widgets.quality.pareto import ParetoView
from widgets.quality.reader import Reader
from widgets.quality.signals import DefectSignals, History
from widgets.quality.spc_view import SpcView


class QualityScreen(QTabWidget):
    """History, Pareto and SPC of the station's quality records.

    Below the history, the selected defect's machine signals around it, from the historian
    (``history``: the station's :meth:`app.station.Station.history`).
    """

    def __init__(
        self,
        service: QualityService,
        gateway: DatabaseGateway,
        parent: QWidget | None = None,
        history: History | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.reader = Reader(gateway, self)
        config = service.config
        self.signals = DefectSignals(config, history)
        # The selected defect: who changed it (before and after), and its machine's signals.
        self.changes = QLabel(objectName="defectChanges")
        self.changes.setWordWrap(True)
        detail = QWidget()
        column = QVBoxLayout(detail)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.changes)
        column.addWidget(self.signals, 1)
        self.history = DefectHistoryView(config, self.reader, self, detail=detail)
        self.history.table.selectionModel().selectionChanged.connect(
            lambda *_: self.show_selected()
        )
        self.pareto = ParetoView(config, self.reader, self)
        self.spc = SpcView(config, self.reader, self)
        self.addTab(self.history, "")
        self.addTab(self.pareto, "")
        self.addTab(self.spc, "")
        on_language_change(self, self.retranslate)
        self.recent_users: list[str] = []
        self.history.new_button.clicked.connect(self.new_defect)
        self.history.disposition_button.clicked.connect(lambda: self.change_selected(void=False))
        self.history.void_button.clicked.connect(lambda: self.change_selected(void=True))
        self.currentChanged.connect(lambda _i: self.refresh())
        self._shown = False

    def show_selected(self) -> None:
        """The selected defect's changes and signals (both read off the GUI thread)."""
        defect = self.history.selected()
        self.signals.show_defect(defect)
        self.changes.setText("")
        if defect is not None:
            uid = defect.uid
            self.reader.ask(
                "defect-changes", lambda db: defect_history_of(db, uid), self._show_changes
            )

    def _show_changes(self, result: Any, _ms: float) -> None:
        if isinstance(result, Exception):
            self.changes.setText(str(result))
            return
        if not result:
            self.changes.setText(self.tr("No changes since it was entered."))
            return
        lines = []
        for change in result:
            when = datetime.fromtimestamp(change.ts).strftime("%Y-%m-%d %H:%M")
            what = ", ".join(
                f"{key}: {change.before.get(key, '—')} → {value}"
                for key, value in change.after.items()
            )
            lines.append(f"{when}  {change.actor}  {change.action}  {what}")
        self.changes.setText(self.tr("Changes:") + "\n" + "\n".join(lines))

    def retranslate(self) -> None:
        self.setTabText(0, self.tr("Defects"))
        self.setTabText(1, self.tr("Pareto"))
        self.setTabText(2, self.tr("SPC"))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if not self._shown:  # queries only once someone looks
            self._shown = True
            self.refresh()

    def refresh(self) -> None:
        """Re-run the current tab's queries."""
        current = self.currentWidget()
        if current is self.history:
            self.history.refresh()
        elif current is self.pareto:
            self.pareto.refresh()
        elif current is self.spc:
            self.spc.refresh()

    def new_defect(self) -> DefectDialog:
        """Open the entry dialog; the history refreshes when a defect was entered."""
        dialog = DefectDialog(self.service, self, self.recent_users)
        dialog.entered.connect(lambda d: self._entered(d.inspector))
        dialog.open()
        return dialog

    def change_selected(self, void: bool) -> ChangeDialog | None:
        """Open the disposition (or void) dialog for the selected defect."""
        defect = self.history.selected()
        if defect is None:
            return None
        dialog = ChangeDialog(self.service, defect, void, self, self.recent_users)
        dialog.changed.connect(self._changed)
        dialog.open()
        return dialog

    def _changed(self) -> None:
        # The change is in the gateway's hands, committed at once by its writer: the reader
        # thread waits for that commit, then the history reads it back.
        gateway = self.service.gateway
        self.reader.ask(
            "written", lambda _db: gateway.flush(5.0), lambda *_: self.history.refresh()
        )

    def _entered(self, user: str) -> None:
        if user in self.recent_users:
            self.recent_users.remove(user)
        self.recent_users.insert(0, user)
        self._changed()
