"""Alarm views: banner, summary, history, detail and performance, on one :class:`AlarmBridge`.

The lead places them in the main window::

    alarms = AlarmWidgets.create(manager, history=lambda tag, t0, t1: ...)
    window.set_banner(alarms.banner)
    window.add_tab(alarms.summary, alarms.summary_title())
    window.add_tab(alarms.history, alarms.history_title())
    window.add_tab(alarms.performance, alarms.performance_title())
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.alarms.manager import AlarmManager
from widgets.alarms.actions import AcknowledgeDialog, RecentUsers, ShelveDialog
from widgets.alarms.banner import AlarmBanner
from widgets.alarms.bridge import AlarmBridge
from widgets.alarms.detail import AlarmDetailDialog, HistoryFunc
from widgets.alarms.history import AlarmHistoryView
from widgets.alarms.model import AlarmFilterProxy, AlarmTableModel
from widgets.alarms.performance import AlarmPerformanceView
from widgets.alarms.summary import AlarmSummary


@dataclass
class AlarmWidgets:
    """Every alarm view of one station, sharing one bridge and one list of recent users."""

    bridge: AlarmBridge
    banner: AlarmBanner
    summary: AlarmSummary
    history: AlarmHistoryView
    performance: AlarmPerformanceView
    users: RecentUsers

    @classmethod
    def create(
        cls,
        manager: AlarmManager,
        history: HistoryFunc | None = None,
        users: RecentUsers | None = None,
        parent: QWidget | None = None,
    ) -> AlarmWidgets:
        """Build the views; ``history(tag_id, t0, t1) -> (t, v)`` feeds the detail trend."""
        users = users or RecentUsers()
        bridge = AlarmBridge(manager, parent=parent)
        summary = AlarmSummary(bridge, users, history, parent)
        banner = AlarmBanner(bridge, parent)
        banner.acknowledgeRequested.connect(summary.acknowledge_all_waiting)
        return cls(
            bridge=bridge,
            banner=banner,
            summary=summary,
            history=AlarmHistoryView(manager, parent),
            performance=AlarmPerformanceView(manager, parent),
            users=users,
        )

    @staticmethod
    def summary_title() -> str:
        """Tab title of the summary."""
        return QCoreApplication.translate("AlarmWidgets", "Alarms")

    @staticmethod
    def history_title() -> str:
        """Tab title of the history."""
        return QCoreApplication.translate("AlarmWidgets", "Alarm history")

    @staticmethod
    def performance_title() -> str:
        """Tab title of the performance screen."""
        return QCoreApplication.translate("AlarmWidgets", "Alarm performance")


__all__ = [
    "AcknowledgeDialog",
    "AlarmBanner",
    "AlarmBridge",
    "AlarmDetailDialog",
    "AlarmFilterProxy",
    "AlarmHistoryView",
    "AlarmPerformanceView",
    "AlarmSummary",
    "AlarmTableModel",
    "AlarmWidgets",
    "RecentUsers",
    "ShelveDialog",
]
