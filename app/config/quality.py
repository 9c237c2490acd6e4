"""The ``[quality]`` table: defect catalogue, serial pattern, characteristics, rejects (the
shifts defects are labelled by are the station's ``[calendar]``).

Example (see ``resources/demo/line.toml``)::

    [quality]
    part_number = "EVH-220"
    serial_pattern = '^EVH220-\\d{4}-\\d{6}$'
    defect_codes = [
      { code = "LEAK", en = "Leak: pressure decay over limit", ko = "누설", severity = "major" },
    ]
    characteristics = [
      { name = "decay", device = "leaktest", tag = "pressure_decay", unit = "Pa", usl = 50 },
    ]
    [[quality.inspections]]
    device = "leaktest"
    part_done = "tested_count"      # counter: +1 per finished part
    serial_tag = "last_serial"
    measure = ["decay"]
    rejects = [{ tag = "last_result", equals = 2, code = "LEAK", measured = ["decay"] }]

A characteristic with ``reject_code`` becomes a defect of that code whenever a measured part is
outside its limits. References to devices and tags are checked in :func:`quality_problems`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from app.config.base import Identifier, StrictModel, repeated
from app.config.errors import LocatedError

CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_\-]*$"
DefectCode = Annotated[str, Field(pattern=CODE_PATTERN, max_length=32)]
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class DefectSeverity(StrEnum):
    """How bad a defect is (AIAG-style classes)."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class DefectCodeConfig(StrictModel):
    """One entry of the defect catalogue, named in English and Korean."""

    code: DefectCode
    en: str = Field(min_length=1, max_length=120)
    ko: str = Field(min_length=1, max_length=120)
    severity: Annotated[DefectSeverity, Field(strict=False)] = DefectSeverity.MAJOR


class ShiftConfig(StrictModel):
    """An older config's shift: the local time of day it starts (it ends where the next one
    starts). Shifts are defined in ``[calendar]`` now; these are read when it is absent."""

    name: str = Field(min_length=1, max_length=16)
    start: str

    @field_validator("start")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not TIME_OF_DAY.match(value):
            raise ValueError(f"'{value}' is not a time of day HH:MM (00:00 to 23:59)")
        return value

    @property
    def start_minute(self) -> int:
        hours, minutes = self.start.split(":")
        return int(hours) * 60 + int(minutes)


class CharacteristicConfig(StrictModel):
    """A measured characteristic of a part with its specification limits."""

    name: Identifier
    device: Identifier
    tag: Identifier
    unit: str = ""
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None
    reject_code: DefectCode | None = None
    """A measurement outside the limits becomes a defect of this code."""
    reject_code_high: DefectCode | None = None
    """The code of a measurement above ``usl`` when it differs (default: ``reject_code``)."""

    def reject_of(self, value: float) -> str | None:
        """The defect code of a measured value (None: within limits or no code)."""
        if self.usl is not None and value > self.usl:
            return self.reject_code_high or self.reject_code
        if self.lsl is not None and value < self.lsl:
            return self.reject_code
        return None

    @model_validator(mode="after")
    def _limits(self) -> CharacteristicConfig:
        if self.lsl is None and self.usl is None:
            raise LocatedError(("usl",), "a characteristic needs at least one of lsl and usl")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise LocatedError(("lsl",), "lsl must be below usl")
        return self


class RejectRule(StrictModel):
    """A reject signal of a machine: when a part finishes and ``tag`` equals ``equals``."""

    tag: Identifier
    equals: float
    code: DefectCode
    measured: list[Identifier] = Field(default_factory=list)
    """Characteristics whose values go into the defect record."""


class InspectionConfig(StrictModel):
    """A machine that finishes parts: what it measures and which of its signals reject."""

    device: Identifier
    part_done: Identifier
    """Counter tag that rises by one for each finished part."""
    serial_tag: Identifier | None = None
    """String tag holding the serial of the part just finished."""
    measure: list[Identifier] = Field(default_factory=list)
    rejects: list[RejectRule] = Field(default_factory=list)


class QualityConfig(StrictModel):
    """Everything quality inspection needs from the station config."""

    part_number: str = Field(default="", max_length=40)
    """Part number of parts whose serial does not say it (``(?P<part_number>...)``)."""
    serial_pattern: str = r"^\S{1,64}$"
    """Regular expression every serial must match (whole string)."""
    photo_max_mb: float = Field(default=20.0, gt=0, le=200)
    defect_codes: list[DefectCodeConfig] = Field(default_factory=list)
    shifts: list[ShiftConfig] | None = Field(default=None, min_length=1)
    """Older configs only: the shifts are ``[calendar]`` now (see ``legacy_calendar``)."""
    characteristics: list[CharacteristicConfig] = Field(default_factory=list)
    inspections: list[InspectionConfig] = Field(default_factory=list)
    scan_start: list[Identifier] = Field(default_factory=list)
    """Devices whose barcode scan starts a part's record."""
    scan_close: list[Identifier] = Field(default_factory=list)
    """Devices whose barcode scan closes a part's record."""

    @field_validator("serial_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> QualityConfig:
        for index, code in repeated(c.code for c in self.defect_codes):
            raise LocatedError(("defect_codes", index, "code"), f"duplicate defect code '{code}'")
        for index, name in repeated(s.name for s in self.shifts or []):
            raise LocatedError(("shifts", index, "name"), f"duplicate shift '{name}'")
        for index, start in repeated(s.start for s in self.shifts or []):
            raise LocatedError(("shifts", index, "start"), f"two shifts start at {start}")
        for index, name in repeated(c.name for c in self.characteristics):
            raise LocatedError(
                ("characteristics", index, "name"), f"duplicate characteristic '{name}'"
            )
        codes = {c.code for c in self.defect_codes}
        known = ", ".join(sorted(codes)) or "none defined"
        chars = {c.name for c in self.characteristics}
        for index, char in enumerate(self.characteristics):
            for key in ("reject_code", "reject_code_high"):
                code = getattr(char, key)
                if code is not None and code not in codes:
                    raise LocatedError(
                        ("characteristics", index, key),
                        f"unknown defect code '{code}' (known: {known})",
                    )
        for i_index, inspection in enumerate(self.inspections):
            for m_index, name in enumerate(inspection.measure):
                if name not in chars:
                    raise LocatedError(
                        ("inspections", i_index, "measure", m_index),
                        f"no characteristic named '{name}'",
                    )
            for r_index, rule in enumerate(inspection.rejects):
                where = ("inspections", i_index, "rejects", r_index)
                if rule.code not in codes:
                    raise LocatedError(
                        (*where, "code"), f"unknown defect code '{rule.code}' (known: {known})"
                    )
                for m_index, name in enumerate(rule.measured):
                    if name not in chars:
                        raise LocatedError(
                            (*where, "measured", m_index), f"no characteristic named '{name}'"
                        )
        return self

    def code(self, code: str) -> DefectCodeConfig | None:
        """The catalogue entry of ``code`` (None when unknown)."""
        for entry in self.defect_codes:
            if entry.code == code:
                return entry
        return None

    def characteristic(self, name: str) -> CharacteristicConfig | None:
        """The characteristic called ``name`` (None when unknown)."""
        for char in self.characteristics:
            if char.name == name:
                return char
        return None
