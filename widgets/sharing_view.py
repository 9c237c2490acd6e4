"""What this station shares with the cluster's partners (the ``[sharing]`` policy), read-only.

The policy lives in the station config (changes are audited as ``config.change`` at the next
start); this screen shows it as the station applies it: per partner the summary kinds, the tags,
the resolution and the fields, and whether the station's own messages are published at all.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import StationConfig
from widgets.i18n import on_language_change

COLUMNS = (
    QT_TRANSLATE_NOOP("SharingView", "Partner"),
    QT_TRANSLATE_NOOP("SharingView", "Kinds"),
    QT_TRANSLATE_NOOP("SharingView", "Tags"),
    QT_TRANSLATE_NOOP("SharingView", "Resolution"),
    QT_TRANSLATE_NOOP("SharingView", "Fields"),
)


def _resolution(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


class SharingView(QWidget):
    def __init__(self, config: StationConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.summary = QLabel(objectName="sharingSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(config.sharing.partners), len(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        on_language_change(self, self.retranslate)

    def retranslate(self) -> None:
        config, sharing = self.config, self.config.sharing
        if not sharing.partners:
            text = self.tr(
                "Nothing is shared with partners: the station config has no [sharing] partners."
            )
        else:
            text = self.tr("Policy version %1: each partner gets only what is listed here.")
            text = text.replace("%1", str(sharing.version))
        if config.sync is None:
            text += " " + self.tr("The station does not publish (no [sync]).")
        elif not config.sync.publish_own:
            text += " " + self.tr("Only these copies leave the station (publish_own = false).")
        self.summary.setText(text)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        for row, partner in enumerate(sharing.partners):
            fields = "; ".join(
                f"{kind}: {', '.join(names)}" for kind, names in partner.fields.items()
            )
            cells = (
                partner.name,
                ", ".join(partner.kinds) or "—",
                ", ".join(partner.tags) or "—",
                _resolution(partner.resolution_s),
                fields or self.tr("all"),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
