"""Devices screen: live communication diagnostics of every device, refreshed every second,
and the selected device in detail: its connection settings, each tag's quality and last value,
its last error in full, a test read, and taking it out of service (with a reason) and back."""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine import Engine
from app.model import DeviceDiagnostics, Quality
from app.probe import ProbeReport, read_once
from widgets.format import format_age, format_clock, format_number, format_value
from widgets.i18n import on_language_change
from widgets.tables import setup_read_only_table
from widgets.theme import COMM_LOSS

COLUMNS = (
    "device",
    "driver",
    "connected",
    "last_good",
    "requests",
    "errors",
    "mean_ms",
    "p99_ms",
    "backoff",
    "last_error",
)
TAG_COLUMNS = ("tag", "value", "unit", "quality", "updated", "reason", "test_read")


class DevicesView(QWidget):
    """One row per device with connection state, traffic, errors and response times; the
    selected device's details below."""

    testReadDone = Signal(object)  # ProbeReport, emitted from the test-read thread

    def __init__(
        self,
        engine: Engine,
        parent: QWidget | None = None,
        refresh_ms: int = 1000,
        relearn: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self._relearn = relearn
        self._names = {d.name: d.display_name for d in engine.config.devices}
        # Python-side, not in item data: PySide6 6.12 miscounts references of bools in QVariants.
        self._abnormal: dict[tuple[int, int], bool] = {}
        self.table = QTableWidget(0, len(COLUMNS))
        setup_read_only_table(self.table)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.test_button = QPushButton()
        self.test_button.clicked.connect(self.start_test_read)
        buttons.addWidget(self.test_button)
        self.service_button = QPushButton()
        self.service_button.clicked.connect(self._toggle_service)
        buttons.addWidget(self.service_button)
        buttons.addStretch(1)
        self.relearn_button = QPushButton()
        self.relearn_button.setEnabled(relearn is not None)
        self.relearn_button.clicked.connect(self._ask_relearn)
        buttons.addWidget(self.relearn_button)
        layout.addLayout(buttons)
        self._test_reports: dict[str, ProbeReport] = {}
        self._testing: set[str] = set()
        self.test_threads: list[threading.Thread] = []
        self.testReadDone.connect(self._show_test_read, Qt.ConnectionType.QueuedConnection)
        self.table.itemSelectionChanged.connect(self.refresh_detail)
        on_language_change(self, self.retranslate)
        if self.table.rowCount():
            self.table.selectRow(0)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(refresh_ms)

    def retranslate(self) -> None:
        """Every text the view sets itself, in the current language, then the rows."""
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Device"),
                self.tr("Driver"),
                self.tr("Connected"),
                self.tr("Last good response"),
                self.tr("Requests"),
                self.tr("Errors"),
                self.tr("Mean ms"),
                self.tr("p99 ms"),
                self.tr("Backoff s"),
                self.tr("Last error"),
            ]
        )
        self.test_button.setText(self.tr("Test read"))
        self.test_button.setToolTip(
            self.tr("Read every tag of the selected device once with a new connection")
        )
        self.service_button.setToolTip(
            self.tr("Stop polling the device (its tags show as bad, no communication alarm)")
        )
        self.relearn_button.setText(self.tr("Relearn baselines of the selected machine…"))
        self.relearn_button.setToolTip(
            self.tr(
                "After maintenance: the anomaly detectors forget what they learned and learn anew"
            )
        )
        self.detail_box.setTitle(self.tr("Selected device"))
        for label, text in zip(
            self.detail_labels,
            (
                self.tr("Device"),
                self.tr("Driver"),
                self.tr("Connection"),
                self.tr("Polling"),
                self.tr("Service"),
                self.tr("Last error"),
                self.tr("Test read"),
            ),
            strict=True,
        ):
            label.setText(text)
        self.tags.setHorizontalHeaderLabels(
            [
                self.tr("Tag"),
                self.tr("Value"),
                self.tr("Unit"),
                self.tr("Quality"),
                self.tr("Updated"),
                self.tr("Reason"),
                self.tr("Test read"),
            ]
        )
        self.service_button.setText(self.tr("Take out of service…"))
        self.refresh()

    def selected_device(self) -> str | None:
        """Name of the device in the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        diagnostics = self.engine.diagnostics()
        row = rows[0].row()
        return diagnostics[row].device if row < len(diagnostics) else None

    @Slot()
    def _ask_relearn(self) -> None:
        device = self.selected_device()
        if device is None or self._relearn is None:
            QMessageBox.information(
                self, self.tr("Relearn baselines"), self.tr("Select a machine in the table first.")
            )
            return
        name = self._names.get(device, device)
        answer = QMessageBox.question(
            self,
            self.tr("Relearn baselines"),
            self.tr("Forget the learned baselines of %1 and learn them anew?").replace("%1", name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._relearn(device)

    # -- the selected device -------------------------------------------------------------------

    def _build_detail(self) -> QWidget:
        box = self.detail_box = QGroupBox()
        outer = QHBoxLayout(box)
        form = QFormLayout()
        self.detail_name = QLabel()
        self.detail_driver = QLabel()
        self.detail_connection = QLabel()
        self.detail_connection.setWordWrap(True)
        self.detail_polling = QLabel()
        self.detail_service = QLabel()
        self.detail_error = QLabel()
        self.detail_error.setWordWrap(True)
        self.detail_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_status = QLabel()
        self.test_status.setWordWrap(True)
        self.detail_labels: list[QLabel] = []
        for widget in (
            self.detail_name,
            self.detail_driver,
            self.detail_connection,
            self.detail_polling,
            self.detail_service,
            self.detail_error,
            self.test_status,
        ):
            label = QLabel()
            self.detail_labels.append(label)
            form.addRow(label, widget)
        left = QWidget()
        left.setLayout(form)
        left.setMinimumWidth(320)
        left.setMaximumWidth(520)
        outer.addWidget(left)
        self.tags = QTableWidget(0, len(TAG_COLUMNS))
        setup_read_only_table(self.tags)
        outer.addWidget(self.tags, 1)
        return box

    def select_device(self, name: str) -> None:
        """Select the row of device ``name``."""
        for row, diag in enumerate(self.engine.diagnostics()):
            if diag.device == name:
                self.table.selectRow(row)
                return
        raise KeyError(name)

    def tag_cell(self, tag: str, column: str) -> str:
        """The text of one cell of the selected device's tag table (for tests)."""
        for row in range(self.tags.rowCount()):
            item = self.tags.item(row, 0)
            if item is not None and item.text() == tag:
                cell = self.tags.item(row, TAG_COLUMNS.index(column))
                return cell.text() if cell is not None else ""
        raise KeyError(tag)

    @Slot()
    def refresh_detail(self) -> None:
        """Redraw the selected device's settings and tags (in-memory reads only)."""
        name = self.selected_device()
        if name is None:
            return
        device = self.engine.config.device(name)
        diag = next((d for d in self.engine.diagnostics() if d.device == name), None)
        self.detail_name.setText(f"{device.display_name} ({device.name})")
        self.detail_driver.setText(device.driver)
        self.detail_connection.setText(
            ", ".join(f"{k} = {json.dumps(v)}" for k, v in device.connection.items()) or "—"
        )
        groups = ", ".join(f"{g} {p:g} s" for g, p in device.poll_groups.items())
        self.detail_polling.setText(
            self.tr("every %1 s, timeout %2 s")
            .replace("%1", f"{device.poll_period_s:g}")
            .replace("%2", f"{device.timeout_s:g}")
            + (f"; {groups}" if groups else "")
        )
        out = self.engine.out_of_service().get(name)
        if out is None:
            self.detail_service.setText(self.tr("In service"))
            self.service_button.setText(self.tr("Take out of service…"))
        else:
            self.detail_service.setText(
                self.tr("OUT OF SERVICE: %1").replace("%1", out or self.tr("no reason given"))
            )
            self.service_button.setText(self.tr("Return to service"))
        last_error = diag.last_error if diag is not None else ""
        self.detail_error.setText(last_error or "—")
        self.detail_error.setToolTip(last_error)
        self._refresh_tags(name)
        self._refresh_test_status(name)

    def _refresh_tags(self, name: str) -> None:
        infos = self.engine.tags.of_device(name)
        if self.tags.rowCount() != len(infos):
            self.tags.setRowCount(len(infos))
        report = self._test_reports.get(name)
        tested = {r.tag: r for r in report.readings} if report is not None else {}
        quality_text = {
            Quality.GOOD: self.tr("Good"),
            Quality.BAD: self.tr("Bad"),
            Quality.STALE: self.tr("Stale"),
            Quality.UNKNOWN: self.tr("No value yet"),
        }
        for row, info in enumerate(infos):
            live = self.engine.live.get(info.id)
            value = format_value(info.config, live.value, live.text)
            updated = "—" if math.isnan(live.timestamp) else format_clock(live.timestamp)
            reading = tested.get(info.name)
            if reading is None:
                test = ""
            elif reading.good:
                raw = reading.value
                test = (
                    raw
                    if isinstance(raw, str)
                    else format_value(info.config, math.nan if raw is None else raw)
                )
            else:
                test = self.tr("failed: %1").replace("%1", reading.error)
            texts = (
                info.name,
                value,
                info.unit,
                quality_text[live.quality],
                updated,
                live.reason,
                test,
            )
            for column, text in enumerate(texts):
                item = self.tags.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    if TAG_COLUMNS[column] == "value":
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.tags.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
                    item.setToolTip(text)

    def _refresh_test_status(self, name: str) -> None:
        if name in self._testing:
            self.test_status.setText(self.tr("reading…"))
            self.test_button.setEnabled(False)
            return
        self.test_button.setEnabled(True)
        report = self._test_reports.get(name)
        if report is None:
            self.test_status.setText("—")
        elif report.error:
            self.test_status.setText(
                self.tr("%1: failed after %2 ms: %3")
                .replace("%1", format_clock(report.started))
                .replace("%2", f"{report.seconds * 1000:,.0f}")
                .replace("%3", report.error)
            )
        else:
            self.test_status.setText(
                self.tr("%1: %2 of %3 tags good in %4 ms")
                .replace("%1", format_clock(report.started))
                .replace("%2", str(report.good_count))
                .replace("%3", str(len(report.readings)))
                .replace("%4", f"{report.seconds * 1000:,.1f}")
            )

    @Slot()
    def start_test_read(self) -> None:
        """Read the selected device once on a worker thread (never the GUI thread)."""
        name = self.selected_device()
        if name is None or name in self._testing:
            return
        device = self.engine.config.device(name)
        self._testing.add(name)
        self._refresh_test_status(name)

        def work() -> None:
            report = read_once(device, self.engine.tags, self.engine.driver_factory)
            # RuntimeError: the view was closed while the device was being read.
            with contextlib.suppress(RuntimeError):
                self.testReadDone.emit(report)

        thread = threading.Thread(target=work, name=f"test-read-{name}", daemon=True)
        self.test_threads.append(thread)
        thread.start()

    @Slot(object)
    def _show_test_read(self, report: ProbeReport) -> None:
        self._testing.discard(report.device)
        self._test_reports[report.device] = report
        self.test_threads = [t for t in self.test_threads if t.is_alive()]
        self.refresh_detail()

    @Slot()
    def _toggle_service(self) -> None:
        name = self.selected_device()
        if name is None:
            return
        if name in self.engine.out_of_service():
            self.engine.return_to_service(name)
        else:
            reason, ok = QInputDialog.getText(
                self,
                self.tr("Take out of service"),
                self.tr("Why is %1 taken out of service (e.g. maintenance, cable repair)?").replace(
                    "%1", self._names.get(name, name)
                ),
            )
            if not ok:
                return
            self.engine.set_out_of_service(name, reason.strip())
        self.refresh()

    def cell(self, row: int, column: str) -> str:
        """The text of one cell (for tests)."""
        item = self.table.item(row, COLUMNS.index(column))
        return item.text() if item is not None else ""

    @Slot()
    def refresh(self) -> None:
        """Re-read the diagnostics (in-memory copies, no I/O)."""
        rows = self.engine.diagnostics()
        if self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
        now = time.time()
        out = self.engine.out_of_service()
        for row, diag in enumerate(rows):
            texts = self._texts(diag, now)
            if diag.device in out:  # not polled: neither connected nor a fault
                texts[COLUMNS.index("connected")] = (self.tr("Out of service"), False)
            for column, (text, abnormal) in enumerate(texts):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    align = Qt.AlignmentFlag.AlignVCenter
                    if COLUMNS[column] in ("requests", "mean_ms", "p99_ms", "backoff"):
                        align |= Qt.AlignmentFlag.AlignRight
                    item.setTextAlignment(align)
                    self.table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
                    if COLUMNS[column] == "last_error":
                        item.setToolTip(text)
                if self._abnormal.get((row, column)) != abnormal:
                    self._abnormal[(row, column)] = abnormal
                    # Default brushes (None) give back the table's alternating grey.
                    item.setData(
                        Qt.ItemDataRole.BackgroundRole, QColor(COMM_LOSS) if abnormal else None
                    )
                    item.setData(
                        Qt.ItemDataRole.ForegroundRole, QColor("#ffffff") if abnormal else None
                    )
        if hasattr(self, "detail_name"):
            self.refresh_detail()

    def _texts(self, diag: DeviceDiagnostics, now: float) -> list[tuple[str, bool]]:
        mean, p99 = diag.response_stats()
        if diag.last_good is None:
            last_good = "—"
        else:
            last_good = f"{format_clock(diag.last_good)} ({format_age(now - diag.last_good)})"
        errors = ", ".join(f"{kind}: {count}" for kind, count in sorted(diag.errors.items()))
        total = f"{diag.error_count}" + (f" ({errors})" if errors else "")
        return [
            (self._names.get(diag.device, diag.device), False),
            (diag.driver, False),
            (self.tr("Yes") if diag.connected else self.tr("No"), not diag.connected),
            (last_good, False),
            (f"{diag.requests:,}", False),
            (total, False),
            (format_number(mean) if diag.response_times_ms else "—", False),
            (format_number(p99) if diag.response_times_ms else "—", False),
            (f"{diag.backoff_s:.2f}" if diag.backoff_s else "0", False),
            (diag.last_error, False),
        ]
