"""The defect entry dialog: every problem is shown in the dialog, nothing half-written.

The checks (catalogue code, serial pattern, photos that are images) read the photo files, so
they run with the submission on a worker thread; the answer comes back through a queued
signal. The inspector's name is typed or picked, never prefilled.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.messages import Message
from app.quality.model import Defect, Disposition
from app.quality.service import DefectDraft, QualityInputError, QualityService
from app.security import AccessDenied, Actor
from widgets.i18n import translate_message
from widgets.quality.history import code_name, disposition_text


def parse_measured(text: str) -> dict[str, float]:
    """``"leak_decay=81.5, weight=4.8"`` -> values; a bad item raises QualityInputError."""
    values: dict[str, float] = {}
    for item in text.replace(";", ",").split(","):
        if not item.strip():
            continue
        name, sep, number = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            value = float(number)
            if value != value or abs(value) == float("inf"):
                raise ValueError
        except ValueError:
            raise QualityInputError(
                [Message("quality.bad_measured", {"text": item.strip()})]
            ) from None
        values[name.strip()] = value
    return values


class DefectDialog(QDialog):
    """Enter one defect."""

    _answered = Signal(object)
    entered = Signal(object)
    """The defect handed to the database (a :class:`Defect`)."""

    def __init__(
        self,
        service: QualityService,
        parent: QWidget | None = None,
        recent_users: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New defect"))
        self.service = service
        quality = service.quality
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="defect-check")
        self._answered.connect(self._show_answer, Qt.ConnectionType.QueuedConnection)
        self.user = QComboBox(self)
        self.user.setEditable(True)
        self.user.addItems(recent_users or [])
        self.user.setCurrentText("")  # never act under someone else's name
        self.machine = QComboBox(self)
        for device in service.config.devices:
            self.machine.addItem(device.display_name, device.name)
        self.code = QComboBox(self)
        for entry in quality.defect_codes:
            self.code.addItem(code_name(quality, entry.code), entry.code)
        self.serial = QLineEdit(self)
        self.serial.setPlaceholderText(quality.serial_pattern)
        self.part_number = QLineEdit(self)
        self.part_number.setPlaceholderText(quality.part_number)
        self.severity = QComboBox(self)
        self.severity.addItem(self.tr("As the catalogue says"), None)
        for value in ("critical", "major", "minor"):
            self.severity.addItem(value, value)
        self.disposition = QComboBox(self)
        for d in Disposition:
            self.disposition.addItem(disposition_text(d.value), d.value)
        self.measured = QLineEdit(self)
        self.measured.setPlaceholderText("leak_decay=81.5, weight=4.81")
        self.notes = QPlainTextEdit(self)
        self.notes.setFixedHeight(70)
        self.photos = QListWidget(self)
        self.photos.setFixedHeight(60)
        add_photo = QPushButton(self.tr("Add photo…"), self)
        add_photo.clicked.connect(self._pick_photos)
        remove_photo = QPushButton(self.tr("Remove"), self)
        remove_photo.clicked.connect(lambda: self.photos.takeItem(self.photos.currentRow()))
        photo_row = QHBoxLayout()
        photo_row.addWidget(self.photos, 1)
        photo_row.addWidget(add_photo)
        photo_row.addWidget(remove_photo)
        form = QFormLayout()
        form.addRow(self.tr("Inspector"), self.user)
        form.addRow(self.tr("Machine"), self.machine)
        form.addRow(self.tr("Defect"), self.code)
        form.addRow(self.tr("Serial"), self.serial)
        form.addRow(self.tr("Part number"), self.part_number)
        form.addRow(self.tr("Severity"), self.severity)
        form.addRow(self.tr("Disposition"), self.disposition)
        form.addRow(self.tr("Measured"), self.measured)
        form.addRow(self.tr("Notes"), self.notes)
        form.addRow(self.tr("Photos"), photo_row)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c00000;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.defect: Defect | None = None

    def _pick_photos(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Photos"), "", self.tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)")
        )
        for name in files:
            self.photos.addItem(name)

    def add_photo(self, path: Path) -> None:
        self.photos.addItem(str(path))

    def show_error(self, lines: list[str]) -> None:
        self.error.setText("\n".join(lines))

    def submit(self) -> None:
        """Check on a worker thread and enter the defect; the dialog closes when it is in."""
        try:
            actor = Actor.named(self.user.currentText())
        except ValueError as exc:
            self.show_error([str(exc)])
            return
        try:
            measured = parse_measured(self.measured.text())
        except QualityInputError as exc:
            self.show_error([m.render(translate_message) for m in exc.messages])
            return
        draft = DefectDraft(
            machine=str(self.machine.currentData()),
            code=str(self.code.currentData() or ""),
            serial=self.serial.text().strip(),
            part_number=self.part_number.text().strip(),
            severity=self.severity.currentData(),
            disposition=Disposition(self.disposition.currentData()),
            notes=self.notes.toPlainText().strip(),
            measured=measured,
            photos=tuple(Path(self.photos.item(i).text()) for i in range(self.photos.count())),
        )
        self.buttons.setEnabled(False)
        self.error.setText(self.tr("Checking…"))
        future = self._pool.submit(self.service.add_defect, actor, draft)
        future.add_done_callback(self._hand_over)

    def _hand_over(self, future: Future[Defect]) -> None:
        with contextlib.suppress(RuntimeError):
            self._answered.emit(future)

    @Slot(object)
    def _show_answer(self, future: Future[Any]) -> None:
        self.buttons.setEnabled(True)
        try:
            self.defect = future.result()
        except QualityInputError as exc:
            self.show_error([m.render(translate_message) for m in exc.messages])
            return
        except AccessDenied as exc:
            self.show_error([str(exc)])
            return
        self.error.setText("")
        self.entered.emit(self.defect)
        self.accept()

    def done(self, result: int) -> None:
        self._pool.shutdown(wait=False)
        super().done(result)


class ChangeDialog(QDialog):
    """Set a defect's disposition, or void it with a reason (nothing is ever deleted).

    The change goes to the gateway (no database wait); the writer keeps who, when, before and
    after in the defect's history.
    """

    changed = Signal()

    def __init__(
        self,
        service: QualityService,
        defect: Defect,
        void: bool,
        parent: QWidget | None = None,
        recent_users: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.defect = defect
        self.void = void
        self.setWindowTitle(self.tr("Void defect") if void else self.tr("Set disposition"))
        self.user = QComboBox(self)
        self.user.setEditable(True)
        self.user.addItems(recent_users or [])
        self.user.setCurrentText("")
        self.disposition = QComboBox(self)
        for d in Disposition:
            self.disposition.addItem(disposition_text(d.value), d.value)
        self.disposition.setCurrentIndex(self.disposition.findData(defect.disposition))
        self.reason = QLineEdit(self)
        form = QFormLayout()
        form.addRow(
            self.tr("Defect"),
            QLabel(f"{defect.code} · {defect.serial} · {defect.machine}", self),
        )
        form.addRow(self.tr("User"), self.user)
        if void:
            form.addRow(self.tr("Reason"), self.reason)
        else:
            form.addRow(self.tr("Disposition"), self.disposition)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c00000;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            actor = Actor.named(self.user.currentText())
            if self.void:
                self.service.void(actor, self.defect, self.reason.text())
            else:
                self.service.edit(
                    actor, self.defect, {"disposition": self.disposition.currentData()}
                )
        except QualityInputError as exc:
            self.error.setText("\n".join(m.render(translate_message) for m in exc.messages))
            return
        except (AccessDenied, ValueError) as exc:
            self.error.setText(str(exc))
            return
        self.changed.emit()
        self.accept()
