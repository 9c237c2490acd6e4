"""Quality records as plain data: parts, measurements, defects and their edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Disposition(StrEnum):
    """What is done with a defective part."""

    PENDING = "pending"
    SCRAP = "scrap"
    REWORK = "rework"
    USE_AS_IS = "use_as_is"


class DefectSource(StrEnum):
    """Who created a defect: an inspector, or a machine's reject signal."""

    MANUAL = "manual"
    AUTO = "auto"


#: Fields of a defect an edit may change (the rest is fixed at creation).
EDITABLE = ("code", "severity", "disposition", "notes", "part_number", "serial", "machine")


@dataclass(frozen=True, slots=True)
class Defect:
    """One defect record as stored (``uid`` is its stable identity)."""

    uid: str
    ts: float
    station: str
    line: str
    machine: str
    part_number: str
    serial: str
    code: str
    severity: str
    disposition: str
    inspector: str
    notes: str = ""
    measured: dict[str, float] = field(default_factory=dict)
    photos: tuple[str, ...] = ()
    shift: str = ""
    source: str = DefectSource.MANUAL
    voided: bool = False
    void_reason: str = ""
    id: int = 0
    """Row id (0 before it is written)."""

    def editable(self) -> dict[str, Any]:
        """The values an edit may change."""
        return {name: getattr(self, name) for name in EDITABLE}


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured characteristic of one part."""

    ts: float
    machine: str
    characteristic: str
    value: float
    serial: str = ""
    part_number: str = ""
    lsl: float | None = None
    usl: float | None = None
    shift: str = ""

    @property
    def in_spec(self) -> bool:
        low_ok = self.lsl is None or self.value >= self.lsl
        high_ok = self.usl is None or self.value <= self.usl
        return low_ok and high_ok


@dataclass(frozen=True, slots=True)
class PartScan:
    """A scan that starts (``close=False``) or closes a part's record at a machine."""

    ts: float
    serial: str
    part_number: str
    machine: str
    close: bool


@dataclass(frozen=True, slots=True)
class DefectChange:
    """An edit or void of a defect, kept forever in its history."""

    uid: str
    defect_uid: str
    ts: float
    actor: str
    action: str
    """``edit`` or ``void``."""
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Inspection:
    """A part finished at an inspecting machine (passed or rejected)."""

    ts: float
    machine: str
    serial: str = ""
    part_number: str = ""
    shift: str = ""
    rejected: bool = False


#: Everything the quality write kind accepts, written in the order submitted.
QualityRecord = PartScan | Inspection | Measurement | Defect | DefectChange
