"""Saved trend sets: a list to load from, "Save…" under a name and "Delete".

The sets are read once from the station database on the ``db-reader`` thread; afterwards the
bar works on its own copy and hands every save and delete to the gateway (``app.trends.sets``),
so nothing here waits for the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app.trends.sets import MAX_NAME, TrendSet, TrendSets
from widgets.i18n import on_language_change


class TrendSetBar(QWidget):
    """Pick a saved set to load it; save the current view under a name; delete one."""

    loadRequested = Signal(object)  # TrendSet
    _arrived = Signal(object)  # Future[dict[str, TrendSet]], queued from the db-reader

    def __init__(self, current: Callable[[str], TrendSet], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: TrendSets | None = None
        self.current = current
        self.sets: dict[str, TrendSet] = {}
        self.loaded = False
        """The stored sets have been read."""
        self._changes: dict[str, TrendSet | None] = {}  # made before the read came back
        self.choice = QComboBox()
        self.choice.setMinimumContentsLength(10)
        self.choice.activated.connect(self._on_activated)
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.ask_save)
        self.delete_button = QPushButton()
        self.delete_button.clicked.connect(self.ask_delete)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choice, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.delete_button)
        self._arrived.connect(self._on_arrived)
        on_language_change(self, self.retranslate)
        self.setEnabled(False)  # until attached to a station's store

    def attach(self, store: TrendSets) -> None:
        """Keep the sets in ``store``; reads them (on the db-reader thread)."""
        self.store = store
        self.setEnabled(True)
        self._refill(None)
        arrived = self._arrived

        def done(future: Future[dict[str, TrendSet]]) -> None:  # on the db-reader thread
            with contextlib.suppress(RuntimeError):  # the widget is gone
                arrived.emit(future)

        store.read_all().add_done_callback(done)

    def retranslate(self) -> None:
        self.save_button.setText(self.tr("Save…"))
        self.save_button.setToolTip(self.tr("Save the shown tags, scale and range under a name"))
        self.delete_button.setText(self.tr("Delete"))
        self.delete_button.setToolTip(self.tr("Delete the chosen trend set"))
        self.choice.setToolTip(self.tr("Saved trend sets: choose one to show it"))
        self.choice.setPlaceholderText(self.tr("Saved trend sets"))

    # -- actions -------------------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self.sets, key=str.casefold)

    def save_as(self, name: str) -> TrendSet:
        """Store what the trend shows now under ``name`` (replacing a set of that name)."""
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"a trend set's name has 1 to {MAX_NAME} characters")
        trend_set = self.current(name)
        assert self.store is not None
        self.store.save(trend_set)
        self._change(name, trend_set)
        return trend_set

    def delete(self, name: str) -> None:
        assert self.store is not None
        self.store.delete(name)
        self._change(name, None)

    def load(self, name: str) -> TrendSet | None:
        """Show the set ``name`` (None: no such set)."""
        trend_set = self.sets.get(name)
        if trend_set is not None:
            self._refill(name)
            self.loadRequested.emit(trend_set)
        return trend_set

    def _change(self, name: str, trend_set: TrendSet | None) -> None:
        if not self.loaded:
            self._changes[name] = trend_set
        if trend_set is None:
            self.sets.pop(name, None)
        else:
            self.sets[name] = trend_set
        self._refill(name if trend_set is not None else None)

    def _refill(self, chosen: str | None) -> None:
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItems(self.names())
        self.choice.setCurrentIndex(self.choice.findText(chosen) if chosen else -1)
        self.choice.blockSignals(False)
        self.delete_button.setEnabled(bool(self.sets))

    @Slot(object)
    def _on_arrived(self, future: Future[dict[str, TrendSet]]) -> None:
        try:
            found = future.result()
        except Exception:  # the database refused: start with none, saving still works
            found = {}
        for name, change in self._changes.items():
            if change is None:
                found.pop(name, None)
            else:
                found[name] = change
        self._changes.clear()
        self.sets = found
        self.loaded = True
        chosen = self.choice.currentText() or None
        self._refill(chosen)

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        if index >= 0:
            self.load(self.choice.itemText(index))

    @Slot()
    def ask_save(self) -> None:
        name, ok = QInputDialog.getText(
            self, self.tr("Save trend set"), self.tr("Name:"), text=self.choice.currentText()
        )
        if ok and name.strip():
            self.save_as(name[:MAX_NAME])

    @Slot()
    def ask_delete(self) -> None:
        name = self.choice.currentText()
        if not name:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete trend set"),
            self.tr("Delete the trend set “%1”?").replace("%1", name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(name)
