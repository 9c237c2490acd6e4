"""Asking for downtime reasons without ever blocking monitoring.

:class:`DowntimePrompt` watches the downtime log (memory only, once a second) and, when a new
stop waits for a reason, shows :class:`DowntimeDialog`: a non-modal window (never ``exec``),
shown without taking the keyboard focus, listing every unexplained stop, oldest first. The
operator picks a stop and a leaf of the reason tree and saves; what is not answered stays in
the list, reachable later from the OEE screen.
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config.oee import DowntimeReason, OeeConfig
from app.oee.downtime import DowntimeError, DowntimeLog, Stop
from app.security import AccessDenied, Actor
from app.station import STATION_USER
from widgets.i18n import korean, on_language_change


def reason_name(config: OeeConfig, path: str | None) -> str:
    """``Mechanical > Bearing`` (in Korean when the screen is) of a reason path."""
    if not path:
        return ""
    chain = config.reason(path)
    if chain is None:
        return path
    return " > ".join(n.ko if korean() else n.en for n in chain)


def clock_span(stop: Stop) -> str:
    start = datetime.fromtimestamp(stop.start).strftime("%m-%d %H:%M")
    end = datetime.fromtimestamp(stop.end).strftime("%H:%M") if stop.end is not None else "…"
    return f"{start}–{end}"


class DowntimeDialog(QDialog):
    """Unexplained stops and the reason tree (non-modal)."""

    def __init__(
        self,
        log: DowntimeLog,
        machine_names: dict[str, str],
        actor: object,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.log = log
        self.names = machine_names
        self.actor = actor  # () -> Actor | None
        self.caption = QLabel(self)
        self.stops = QListWidget(self)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.comment = QLineEdit(self)
        self.comment.setMaxLength(400)
        self.save = QPushButton(self)
        self.save.setDefault(False)
        self.later = QPushButton(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self._fill_tree(self.tree.invisibleRootItem(), log.config.reasons, [])
        self.tree.expandAll()
        lists = QHBoxLayout()
        lists.addWidget(self.stops, 3)
        lists.addWidget(self.tree, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.comment, 1)
        buttons.addWidget(self.save)
        buttons.addWidget(self.later)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addLayout(lists, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.save.clicked.connect(self._save)
        self.later.clicked.connect(self.hide)
        self.stops.currentRowChanged.connect(lambda _row: self._enable())
        self.tree.currentItemChanged.connect(lambda *_: self._enable())
        self.resize(940, 440)
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Downtime reasons"))
        self.caption.setText(
            self.tr("Why did the machine stop? Monitoring goes on; answer now or later.")
        )
        self.comment.setPlaceholderText(self.tr("Comment (optional)"))
        self.save.setText(self.tr("Save reason"))
        self.later.setText(self.tr("Later"))
        self._relabel_tree(self.tree.invisibleRootItem())
        self.refresh()

    def _fill_tree(
        self, parent: QTreeWidgetItem, nodes: list[DowntimeReason], above: list[str]
    ) -> None:
        for node in nodes:
            item = QTreeWidgetItem(parent)
            path = [*above, node.code]
            item.setData(0, Qt.ItemDataRole.UserRole, "/".join(path) if not node.reasons else None)
            item.setData(0, Qt.ItemDataRole.UserRole + 1, node)
            if node.reasons:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                self._fill_tree(item, node.reasons, path)

    def _relabel_tree(self, parent: QTreeWidgetItem) -> None:
        for index in range(parent.childCount()):
            item = parent.child(index)
            node = item.data(0, Qt.ItemDataRole.UserRole + 1)
            item.setText(0, node.ko if korean() else node.en)
            self._relabel_tree(item)

    @Slot()
    def refresh(self) -> None:
        """The list of unexplained stops (memory only); the selection is kept."""
        chosen = self.chosen_stop()
        stops = self.log.unexplained()
        self.stops.clear()
        now = time.time()
        for stop in stops:
            minutes = stop.duration(now) / 60
            text = self.tr("%1 · %2 (%3 min) · %4")
            text = (
                text.replace("%1", self.names.get(stop.machine, stop.machine))
                .replace("%2", clock_span(stop))
                .replace("%3", f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}")
                .replace("%4", self.category_text(stop.category))
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, stop.uid)
            self.stops.addItem(item)
            if stop.uid == chosen:
                self.stops.setCurrentItem(item)
        if self.stops.currentRow() < 0 and self.stops.count():
            self.stops.setCurrentRow(0)
        self._enable()

    def category_text(self, category: str) -> str:
        texts = {
            "idle": self.tr("Idle"),
            "fault": self.tr("Fault"),
            "setup": self.tr("Setup"),
            "maintenance": self.tr("Maintenance"),
            "off": self.tr("Off"),
        }
        return texts.get(category, self.tr("Unknown state"))

    def chosen_stop(self) -> str | None:
        item = self.stops.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def chosen_reason(self) -> str | None:
        item = self.tree.currentItem()
        value = None if item is None else item.data(0, Qt.ItemDataRole.UserRole)
        return str(value) if value else None

    def _enable(self) -> None:
        self.save.setEnabled(self.chosen_stop() is not None and self.chosen_reason() is not None)

    @Slot()
    def _save(self) -> None:
        uid, reason = self.chosen_stop(), self.chosen_reason()
        if uid is None or reason is None:
            return
        actor = self.actor() or Actor.named(STATION_USER)  # type: ignore[operator]
        try:
            self.log.explain(actor, uid, reason, self.comment.text())
        except (AccessDenied, DowntimeError) as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(
            self.tr("Saved: %1").replace("%1", reason_name(self.log.config, reason))
        )
        self.comment.clear()
        self.refresh()
        if not self.log.unexplained():
            self.hide()


class DowntimePrompt(QObject):
    """Shows the dialog when a new stop waits for a reason (polls memory once a second)."""

    countChanged = Signal(int)

    def __init__(
        self,
        log: DowntimeLog,
        machine_names: dict[str, str],
        actor: object,
        parent: QWidget | None = None,
        poll_ms: int = 1000,
    ) -> None:
        super().__init__(parent)
        self.log = log
        self.dialog = DowntimeDialog(log, machine_names, actor, parent)
        self.seen: set[str] = {s.uid for s in log.unexplained()}  # asked before a restart
        self.count = len(self.seen)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        self._timer.start(poll_ms)

    @Slot()
    def poll(self) -> None:
        waiting = self.log.unexplained()
        fresh = [s for s in waiting if s.uid not in self.seen]
        self.seen.update(s.uid for s in fresh)
        if len(waiting) != self.count:
            self.count = len(waiting)
            self.countChanged.emit(self.count)
        if fresh:
            self.open()
        elif self.dialog.isVisible():
            self.dialog.refresh()

    def open(self) -> None:
        """Show the list (never modal, never waited for)."""
        self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
