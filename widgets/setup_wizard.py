"""Guided new-station setup: who the station is, its device and driver, its tags (typed in or
imported from a register map), a test read, and the station file written.

Everything slow runs off the GUI thread: the test read (``app.probe.read_once``) on a worker
thread, the register-map import behind a cancellable progress dialog. The file is written only
when it loads (``app.config_writer.write_config``); otherwise every problem is shown with its
key path.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.config import ConfigError, StationConfig
from app.config_loader import parse_config
from app.config_writer import write_config
from app.probe import ProbeReport, read_once
from app.register_map import RegisterMap, RegisterMapError, read_register_map
from app.tags import TagTable
from drivers import available_drivers
from widgets.progress import run_with_progress

#: Connection settings each built-in driver starts with (the technician edits the values).
CONNECTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "modbus-tcp": {"host": "192.168.0.10", "port": 502, "device_id": 1},
    "modbus-rtu": {
        "port": "COM3" if sys.platform == "win32" else "/dev/ttyUSB0",
        "baudrate": 19200,
        "device_id": 1,
    },
    "serial-ascii": {
        "port": "COM3" if sys.platform == "win32" else "/dev/ttyUSB0",
        "baudrate": 9600,
    },
    "simulated": {},
}
TAG_COLUMNS = ("name", "address", "type", "table", "unit", "description", "scale")
_NUMBERS = {"address": int, "scale": float}


def parse_setting(text: str) -> Any:
    """A connection value as typed: whole number, number, true/false, else text."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


class StationSetup(QWizard):
    """The new-station wizard; :attr:`saved_path` is the written file after it is accepted."""

    testDone = Signal(object)  # ProbeReport, from the test-read thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New station"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(880, 600)
        self.saved_path: Path | None = None
        self.saved_config: StationConfig | None = None
        self.last_test: ProbeReport | None = None
        self.last_import: RegisterMap | None = None
        self.test_threads: list[threading.Thread] = []
        self.testDone.connect(self._show_test, Qt.ConnectionType.QueuedConnection)
        self.addPage(self._identity_page())
        self.addPage(self._device_page())
        self.addPage(self._tags_page())
        self.addPage(self._save_page())

    # -- pages ----------------------------------------------------------------------------------

    def _identity_page(self) -> QWizardPage:
        page = QWizardPage()
        page.setTitle(self.tr("Which station is this?"))
        page.setSubTitle(self.tr("As the cluster platform knows it."))
        form = QFormLayout(page)
        self.company = QLineEdit()
        self.site = QLineEdit()
        self.line = QLineEdit()
        self.station = QLineEdit("WS-01")
        form.addRow(self.tr("Company"), self.company)
        form.addRow(self.tr("Site"), self.site)
        form.addRow(self.tr("Line"), self.line)
        form.addRow(self.tr("Station"), self.station)
        return page

    def _device_page(self) -> QWizardPage:
        page = QWizardPage()
        page.setTitle(self.tr("The machine and how to reach it"))
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.device_name = QLineEdit("machine1")
        self.device_title = QLineEdit()
        self.driver = QComboBox()
        for name in available_drivers():
            self.driver.addItem(name, name)
        form.addRow(self.tr("Name (letters, digits, _ and -)"), self.device_name)
        form.addRow(self.tr("Title on the screens"), self.device_title)
        form.addRow(self.tr("Driver"), self.driver)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Connection settings")))
        self.connection = QTableWidget(0, 2)
        self.connection.setHorizontalHeaderLabels([self.tr("Setting"), self.tr("Value")])
        self.connection.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.connection, 1)
        self.driver.currentIndexChanged.connect(self._driver_changed)
        self._driver_changed()
        return page

    def _tags_page(self) -> QWizardPage:
        page = QWizardPage()
        page.setTitle(self.tr("Tags"))
        page.setSubTitle(
            self.tr("Type them in or import the register map (CSV or XLSX with a header row).")
        )
        layout = QVBoxLayout(page)
        self.tags = QTableWidget(0, len(TAG_COLUMNS))
        self.tags.setHorizontalHeaderLabels(list(TAG_COLUMNS))
        self.tags.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.tags, 1)
        buttons = QHBoxLayout()
        add = QPushButton(self.tr("Add tag"))
        add.clicked.connect(lambda: self.add_tag({"type": "uint16", "table": "holding"}))
        remove = QPushButton(self.tr("Remove tag"))
        remove.clicked.connect(lambda: self.tags.removeRow(self.tags.currentRow()))
        self.import_button = QPushButton(self.tr("Import register map…"))
        self.import_button.clicked.connect(self._ask_import)
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.setToolTip(self.tr("Read every tag once, off the screen's thread"))
        self.test_button.clicked.connect(self.start_test)
        for button in (add, remove, self.import_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.test_status = QLabel()
        self.test_status.setWordWrap(True)
        layout.addWidget(self.test_status)
        return page

    def _save_page(self) -> QWizardPage:
        page = QWizardPage()
        page.setTitle(self.tr("Save the station file"))
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.path = QLineEdit(str(Path.home() / "station.toml"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose_path)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.problems = QPlainTextEdit(readOnly=True)
        self.problems.setPlaceholderText(self.tr("Problems of the config are listed here."))
        layout.addWidget(self.problems, 1)
        return page

    # -- device ---------------------------------------------------------------------------------

    @Slot()
    def _driver_changed(self) -> None:
        defaults = CONNECTION_DEFAULTS.get(str(self.driver.currentData()), {})
        self.connection.setRowCount(0)
        for key, value in defaults.items():
            self.set_setting(key, value)

    def set_setting(self, key: str, value: Any) -> None:
        """Set (or add) one connection setting."""
        for row in range(self.connection.rowCount()):
            item = self.connection.item(row, 0)
            if item is not None and item.text() == key:
                self.connection.setItem(row, 1, QTableWidgetItem(str(value)))
                return
        row = self.connection.rowCount()
        self.connection.insertRow(row)
        self.connection.setItem(row, 0, QTableWidgetItem(key))
        self.connection.setItem(row, 1, QTableWidgetItem(str(value)))

    def connection_settings(self) -> dict[str, Any]:
        """The connection table as config values."""
        settings: dict[str, Any] = {}
        for row in range(self.connection.rowCount()):
            key, value = self.connection.item(row, 0), self.connection.item(row, 1)
            if key is not None and key.text().strip() and value is not None:
                settings[key.text().strip()] = parse_setting(value.text())
        return settings

    # -- tags -----------------------------------------------------------------------------------

    def add_tag(self, tag: dict[str, Any]) -> None:
        """Append one tag row."""
        row = self.tags.rowCount()
        self.tags.insertRow(row)
        for column, key in enumerate(TAG_COLUMNS):
            value = tag.get(key)
            self.tags.setItem(row, column, QTableWidgetItem("" if value is None else str(value)))

    def tag_rows(self) -> list[dict[str, Any]]:
        """The tags as config tables (empty cells left out)."""
        tags = []
        for row in range(self.tags.rowCount()):
            tag: dict[str, Any] = {}
            for column, key in enumerate(TAG_COLUMNS):
                item = self.tags.item(row, column)
                text = item.text().strip() if item is not None else ""
                if not text:
                    continue
                convert = _NUMBERS.get(key)
                if convert is not None:
                    with contextlib.suppress(ValueError):
                        tag[key] = convert(float(text)) if convert is int else convert(text)
                        continue
                tag[key] = text
            if tag.get("name"):
                tags.append(tag)
        return tags

    @Slot()
    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import register map"), "", self.tr("Register maps (*.csv *.xlsx)")
        )
        if path:
            self.import_map(Path(path))

    def import_map(self, path: Path, **progress_options: Any) -> RegisterMap | None:
        """Read a register map behind a cancellable progress dialog; add its good rows and
        list its bad ones. None when cancelled or unreadable."""
        driver = str(self.driver.currentData())
        connection = self.connection_settings()
        outcome = run_with_progress(
            self,
            self.tr("Importing %1…").replace("%1", path.name),
            lambda progress: read_register_map(
                path, driver, connection, lambda done, total: progress.report(done, total)
            ),
            **progress_options,
        )
        if outcome.cancelled or (outcome.value is not None and outcome.value.cancelled):
            self.test_status.setText(self.tr("Import cancelled: nothing was added."))
            return None
        if outcome.error is not None or outcome.value is None:
            error = outcome.error
            text = str(error) if isinstance(error, RegisterMapError) else repr(error)
            self.test_status.setText(
                self.tr("The register map cannot be read: %1").replace("%1", text)
            )
            return None
        result = outcome.value
        self.last_import = result
        for tag in result.tags:
            self.add_tag(tag)
        summary = self.tr("%1 tags imported, %2 rows skipped.")
        summary = summary.replace("%1", str(len(result.tags))).replace(
            "%2", str(len(result.problems))
        )
        self.test_status.setText(summary)
        if result.problems:
            box = QMessageBox(
                QMessageBox.Icon.Warning, self.tr("Rows not imported"), summary, parent=self
            )
            box.setDetailedText(result.report())
            box.setModal(False)
            box.show()
            self.import_report = box
        return result

    # -- test read ------------------------------------------------------------------------------

    @Slot()
    def start_test(self) -> None:
        """Read every tag once with the settings as they are, on a worker thread."""
        try:
            config = parse_config(self.station_data(), self.tr("this station"))
        except ConfigError as exc:
            self.test_status.setText(exc.report())
            return
        device = config.devices[0]
        self.test_button.setEnabled(False)
        self.test_status.setText(self.tr("Reading…"))

        def work() -> None:
            report = read_once(device, TagTable(config))
            with contextlib.suppress(RuntimeError):  # the wizard was closed meanwhile
                self.testDone.emit(report)

        thread = threading.Thread(target=work, name="setup-test-read", daemon=True)
        self.test_threads.append(thread)
        thread.start()

    @Slot(object)
    def _show_test(self, report: ProbeReport) -> None:
        self.last_test = report
        self.test_button.setEnabled(True)
        if report.error:
            text = self.tr("No connection: %1").replace("%1", report.error)
        else:
            text = (
                self.tr("Connected: %1 of %2 tags read in %3 ms.")
                .replace("%1", str(report.good_count))
                .replace("%2", str(len(report.readings)))
                .replace("%3", f"{report.seconds * 1000:.0f}")
            )
            bad = [f"{r.tag}: {r.error}" for r in report.readings if not r.good]
            if bad:
                text += "\n" + "\n".join(bad[:10])
        self.test_status.setText(text)

    # -- the file -------------------------------------------------------------------------------

    def station_data(self) -> dict[str, Any]:
        """The station as a config document."""
        device: dict[str, Any] = {
            "name": self.device_name.text().strip(),
            "driver": str(self.driver.currentData()),
            "connection": self.connection_settings(),
            "tags": self.tag_rows(),
        }
        if self.device_title.text().strip():
            device["title"] = self.device_title.text().strip()
        return {
            "station": {
                "company": self.company.text().strip(),
                "site": self.site.text().strip(),
                "line": self.line.text().strip(),
                "station": self.station.text().strip(),
            },
            "devices": [device],
        }

    @Slot()
    def _choose_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the station file"), self.path.text(), "TOML (*.toml)"
        )
        if path:
            self.path.setText(path)

    def save(self) -> bool:
        """Write the station file; False (problems shown) when it would not load."""
        path = Path(self.path.text().strip()).expanduser()
        try:
            self.saved_config = write_config(self.station_data(), path)
        except ConfigError as exc:
            self.problems.setPlainText(exc.report())
            return False
        except OSError as exc:
            self.problems.setPlainText(
                self.tr("Cannot write %1: %2").replace("%1", str(path)).replace("%2", str(exc))
            )
            return False
        self.saved_path = path
        return True

    def validateCurrentPage(self) -> bool:
        """The last page saves; the wizard closes only when the file was written."""
        if self.currentId() == self.pageIds()[-1]:
            return self.save()
        return super().validateCurrentPage()
