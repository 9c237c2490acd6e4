"""The Quality screen: defect history, Pareto and SPC as tabs, sharing one query reader."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

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
        self.history = DefectHistoryView(config, self.reader, self, detail=self.signals)
        self.history.table.selectionModel().selectionChanged.connect(
            lambda *_: self.signals.show_defect(self.history.selected())
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
