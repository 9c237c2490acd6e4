"""Entering, editing and voiding defects: checks, permission, then one hand-over to the gateway.

Every check (catalogue code, serial pattern, machine, photos) runs before anything is submitted,
so a refused entry leaves nothing behind. Whoever acts is an :class:`app.security.Actor`; the
permission check is :func:`app.security.require` with the actions below.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.audit import AuditTrail
from app.config import StationConfig
from app.messages import Message
from app.oee.calendar import shift_label
from app.quality.model import (
    EDITABLE,
    Defect,
    DefectChange,
    DefectSource,
    Disposition,
    Inspection,
    Measurement,
    PartScan,
)
from app.quality.photos import photo_problem
from app.quality.store import QualityKind
from app.security import (
    DEFECT_DISPOSITION,
    DEFECT_ENTER,
    DEFECT_VOID,
    AccessPolicy,
    Actor,
    require,
)
from app.storage.gateway import DatabaseGateway

MAX_NOTES = 4000
#: The inspector name of defects made from a machine's reject signal.
SYSTEM_INSPECTOR = "system"


class QualityInputError(ValueError):
    """Input refused; ``messages`` say why (each a message id with parameters)."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        super().__init__("; ".join(m.render() for m in messages))


@dataclass(frozen=True, slots=True)
class DefectDraft:
    """A defect as an inspector enters it."""

    machine: str
    code: str
    serial: str
    part_number: str = ""
    severity: str | None = None
    """Default: the catalogue's severity of the code."""
    disposition: Disposition = Disposition.PENDING
    notes: str = ""
    measured: Mapping[str, float] = field(default_factory=dict)
    photos: tuple[Path, ...] = ()
    ts: float | None = None


def new_uid() -> str:
    return uuid.uuid4().hex


class QualityService:
    """The one way quality records enter the database."""

    def __init__(
        self,
        config: StationConfig,
        gateway: DatabaseGateway,
        policy: AccessPolicy,
        clock: Callable[[], float] = time.time,
        audit: AuditTrail | None = None,
    ) -> None:
        self.config = config
        self.quality = config.quality
        self.gateway = gateway
        self.policy = policy
        self.clock = clock
        self.audit = audit
        """People's defect actions (entered, edited, voided) are also audit entries."""
        self.listeners: list[Callable[[Defect, str, dict[str, Any]], None]] = []
        """Told of every defect entered (``"entered"``, {}) or changed (``"edit"`` or
        ``"void"``, the new values), on the caller's thread, after it was handed over (the
        cluster sync publishes them); they must return at once."""
        self.kind = gateway.register(QualityKind())
        self._serial_re = re.compile(self.quality.serial_pattern)

    # -- checks ----------------------------------------------------------------------------

    def serial_problem(self, serial: str) -> Message | None:
        """Why ``serial`` is not acceptable, or None."""
        if not serial:
            return Message("quality.no_serial")
        if self._serial_re.fullmatch(serial) is None:
            return Message(
                "quality.bad_serial", {"serial": serial, "pattern": self.quality.serial_pattern}
            )
        return None

    def part_number_of(self, serial: str, given: str = "") -> str:
        """The part number given, else the serial's ``part_number`` group, else the config's."""
        if given:
            return given
        match = self._serial_re.fullmatch(serial)
        if match is not None and "part_number" in match.groupdict():
            return match.group("part_number") or self.quality.part_number
        return self.quality.part_number

    def problems(self, draft: DefectDraft) -> list[Message]:
        """Everything wrong with ``draft`` (empty: it can be entered)."""
        problems: list[Message] = []
        machines = [d.name for d in self.config.devices]
        if draft.machine not in machines:
            problems.append(
                Message(
                    "quality.unknown_machine",
                    {"machine": draft.machine, "known": ", ".join(machines)},
                )
            )
        if self.quality.code(draft.code) is None:
            known = ", ".join(c.code for c in self.quality.defect_codes) or "none configured"
            problems.append(Message("quality.unknown_code", {"code": draft.code, "known": known}))
        serial = self.serial_problem(draft.serial)
        if serial is not None:
            problems.append(serial)
        if len(draft.notes) > MAX_NOTES:
            problems.append(Message("quality.notes_too_long", {"limit": MAX_NOTES}))
        for photo in draft.photos:
            problem = photo_problem(Path(photo), self.quality.photo_max_mb)
            if problem is not None:
                problems.append(problem)
        return problems

    # -- entering ---------------------------------------------------------------------------

    def add_defect(
        self, actor: Actor, draft: DefectDraft, source: DefectSource = DefectSource.MANUAL
    ) -> Defect:
        """Check, then hand the defect to the gateway (committed at once); returns it."""
        if source is DefectSource.MANUAL:
            self._require(actor, DEFECT_ENTER)
            if draft.disposition is not Disposition.PENDING:
                self._require(actor, DEFECT_DISPOSITION)
        problems = self.problems(draft)
        if problems:
            raise QualityInputError(problems)
        entry = self.quality.code(draft.code)
        assert entry is not None
        ts = self.clock() if draft.ts is None else draft.ts
        station = self.config.station
        defect = Defect(
            uid=new_uid(),
            ts=ts,
            station=station.station,
            line=station.line,
            machine=draft.machine,
            part_number=self.part_number_of(draft.serial, draft.part_number),
            serial=draft.serial,
            code=draft.code,
            severity=draft.severity or str(entry.severity),
            disposition=str(draft.disposition),
            inspector=actor.name,
            notes=draft.notes,
            measured={k: float(v) for k, v in draft.measured.items()},
            photos=tuple(str(Path(p).resolve()) for p in draft.photos),
            shift=self.shift_of(ts),
            source=str(source),
        )
        self.gateway.submit(self.kind, [defect])
        for listener in self.listeners:
            listener(defect, "entered", {})
        if self.audit is not None and source is DefectSource.MANUAL:
            details = {"machine": defect.machine, "serial": defect.serial, "code": defect.code}
            self.audit.record(actor, DEFECT_ENTER, defect.uid, details)
        return defect

    def edit(self, actor: Actor, defect: Defect, changes: Mapping[str, Any]) -> DefectChange:
        """Change editable fields of ``defect``; the writer keeps before and after."""
        after = {k: v for k, v in changes.items() if k in EDITABLE and getattr(defect, k) != v}
        if not after:
            raise QualityInputError([Message("quality.nothing_changed")])
        if defect.voided:
            raise QualityInputError([Message("quality.voided", {"defect": defect.id})])
        if set(after) - {"disposition"}:
            self._require(actor, DEFECT_ENTER)
        if "disposition" in after:
            self._require(actor, DEFECT_DISPOSITION)
            after["disposition"] = str(Disposition(after["disposition"]))
        problems: list[Message] = []
        if "code" in after and self.quality.code(str(after["code"])) is None:
            known = ", ".join(c.code for c in self.quality.defect_codes)
            problems.append(
                Message("quality.unknown_code", {"code": after["code"], "known": known})
            )
        if "serial" in after and (problem := self.serial_problem(str(after["serial"]))):
            problems.append(problem)
        if problems:
            raise QualityInputError(problems)
        return self._submit_change(actor, defect, "edit", after)

    def void(self, actor: Actor, defect: Defect, reason: str) -> DefectChange:
        """Void ``defect`` with a reason (it stays in the database, marked)."""
        self._require(actor, DEFECT_VOID)
        if not reason.strip():
            raise QualityInputError([Message("quality.void_reason")])
        if defect.voided:
            raise QualityInputError([Message("quality.voided", {"defect": defect.id})])
        return self._submit_change(
            actor, defect, "void", {"voided": 1, "void_reason": reason.strip()}
        )

    def _submit_change(
        self, actor: Actor, defect: Defect, action: str, after: dict[str, Any]
    ) -> DefectChange:
        change = DefectChange(
            uid=new_uid(),
            defect_uid=defect.uid,
            ts=self.clock(),
            actor=actor.name,
            action=action,
            before={},  # filled by the writer from the row it replaces
            after=after,
        )
        self.gateway.submit(self.kind, [change])
        for listener in self.listeners:
            listener(defect, action, after)
        if self.audit is not None:
            audited = DEFECT_VOID if action == "void" else "defect.edit"
            details = {"after": after, "before": {k: getattr(defect, k, None) for k in after}}
            self.audit.record(actor, audited, defect.uid, details)
        return change

    # -- machine records (the reject watcher, scans) ----------------------------------------

    def record_part(
        self,
        ts: float,
        machine: str,
        serial: str,
        measurements: list[tuple[str, float]],
        rejects: list[tuple[str, dict[str, float]]],
    ) -> list[Defect]:
        """A part finished at an inspecting machine: its measurements, its inspection row and a
        defect per reject (code, measured values); submitted together, in this order."""
        shift = self.shift_of(ts)
        part_number = self.part_number_of(serial)
        records: list[Any] = []
        for name, value in measurements:
            char = self.quality.characteristic(name)
            assert char is not None  # the config checked every name
            records.append(
                Measurement(
                    ts=ts,
                    machine=machine,
                    characteristic=name,
                    value=value,
                    serial=serial,
                    part_number=part_number,
                    lsl=char.lsl,
                    usl=char.usl,
                    shift=shift,
                )
            )
        records.append(Inspection(ts, machine, serial, part_number, shift, bool(rejects)))
        made: list[Defect] = []
        station = self.config.station
        for code, measured in rejects:
            entry = self.quality.code(code)
            assert entry is not None
            made.append(
                Defect(
                    uid=new_uid(),
                    ts=ts,
                    station=station.station,
                    line=station.line,
                    machine=machine,
                    part_number=part_number,
                    serial=serial,
                    code=code,
                    severity=str(entry.severity),
                    disposition=str(Disposition.PENDING),
                    inspector=SYSTEM_INSPECTOR,
                    measured=measured,
                    shift=shift,
                    source=str(DefectSource.AUTO),
                )
            )
        self.gateway.submit(self.kind, [*records, *made])
        return made

    def record_scan(self, ts: float, machine: str, serial: str) -> None:
        """A barcode scan at ``machine`` starts or closes the part's record (per the config)."""
        close = machine in self.quality.scan_close
        if not close and machine not in self.quality.scan_start:
            return
        scan = PartScan(ts, serial, self.part_number_of(serial), machine, close)
        self.gateway.submit(self.kind, [scan])

    def shift_of(self, ts: float) -> str:
        return shift_label(self.config.shift_calendar, ts)

    def _require(self, actor: Actor, action: str) -> None:
        require(self.policy, actor, action)  # AccessDenied says who, what and why
