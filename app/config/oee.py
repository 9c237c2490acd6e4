"""The ``[oee]`` table: micro-stops and downtime reasons (the shift calendar is ``[calendar]``,
:mod:`app.config.calendar`).

Example::

    [oee]
    micro_stop_s = 120          # stops shorter than this are micro-stops (small stops)
    reason_after_s = 300        # the operator is asked why a machine stopped this long
    [[oee.reasons]]
    code = "MECH"
    en = "Mechanical"
    ko = "기계"
    reasons = [{ code = "BEARING", en = "Bearing", ko = "베어링" }]

A reason is named by its path of codes (``MECH/BEARING``); only a leaf can be chosen.

Older configs kept the calendar here (``timezone``, ``[[oee.shifts]]``, ``holidays``,
``planned_stops``); that is still read when there is no ``[calendar]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from app.config.base import StrictModel, repeated
from app.config.calendar import (
    WEEKDAYS,
    BreakConfig,
    CalendarConfig,
    PlannedStopConfig,
    ShiftConfig,
    Weekday,
    check_zone,
    clock,
    minutes,
)
from app.config.errors import LocatedError

__all__ = [
    "WEEKDAYS",
    "BreakConfig",
    "CalendarConfig",
    "DowntimeReason",
    "OeeConfig",
    "PlannedStopConfig",
    "ShiftConfig",
    "Weekday",
    "clock",
    "minutes",
]

REASON_CODE = r"^[A-Z0-9][A-Z0-9_\-]*$"
#: Deepest reason tree (Mechanical > Spindle > Bearing).
MAX_REASON_DEPTH = 3


class DowntimeReason(StrictModel):
    """A node of the reason tree, named in English and Korean."""

    code: Annotated[str, Field(pattern=REASON_CODE, max_length=32)]
    en: str = Field(min_length=1, max_length=80)
    ko: str = Field(min_length=1, max_length=80)
    reasons: list[DowntimeReason] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> DowntimeReason:
        for index, code in repeated(r.code for r in self.reasons):
            raise LocatedError(("reasons", index, "code"), f"duplicate reason code '{code}'")
        return self

    def depth(self) -> int:
        return 1 + max((r.depth() for r in self.reasons), default=0)


class OeeConfig(StrictModel):
    """OEE settings (docs/SYNC.md, "OEE")."""

    interval_s: float = Field(default=60.0, ge=1, le=3600)
    """How often the OEE figures close without ``[sync]`` (with it: the sync interval)."""
    micro_stop_s: float = Field(default=120.0, gt=0, le=3600)
    """Stops shorter than this count as micro-stops (small stops), not breakdowns."""
    reason_after_s: float = Field(default=300.0, gt=0, le=86400)
    """A stop that lasts this long asks the operator for a reason."""
    reasons: list[DowntimeReason] = Field(default_factory=list)
    # Older configs: the calendar lived here (moved to [calendar]).
    timezone: str | None = None
    shifts: list[ShiftConfig] = Field(default_factory=list)
    holidays: list[Annotated[date, Field(strict=False)]] = Field(default_factory=list)
    planned_stops: list[PlannedStopConfig] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value)

    @model_validator(mode="after")
    def _consistent(self) -> OeeConfig:
        if self.reason_after_s < self.micro_stop_s:
            raise LocatedError(
                ("reason_after_s",),
                f"must not be shorter than micro_stop_s ({self.micro_stop_s:g} s): a micro-stop "
                "needs no reason",
            )
        for index, name in repeated(s.name for s in self.shifts):
            raise LocatedError(("shifts", index, "name"), f"duplicate shift '{name}'")
        for index, code in repeated(r.code for r in self.reasons):
            raise LocatedError(("reasons", index, "code"), f"duplicate reason code '{code}'")
        for index, reason in enumerate(self.reasons):
            if reason.depth() > MAX_REASON_DEPTH:
                raise LocatedError(
                    ("reasons", index),
                    f"the reason tree under '{reason.code}' is deeper than "
                    f"{MAX_REASON_DEPTH} levels",
                )
        return self

    @property
    def has_legacy_calendar(self) -> bool:
        return bool(self.shifts or self.holidays or self.planned_stops or self.timezone)

    def leaf_reasons(self) -> Iterator[tuple[str, list[DowntimeReason]]]:
        """``(path, nodes from the root)`` of every reason an operator can choose."""

        def walk(
            nodes: list[DowntimeReason], above: list[DowntimeReason]
        ) -> Iterator[tuple[str, list[DowntimeReason]]]:
            for node in nodes:
                chain = [*above, node]
                if node.reasons:
                    yield from walk(node.reasons, chain)
                else:
                    yield "/".join(n.code for n in chain), chain

        return walk(self.reasons, [])

    def reason(self, path: str) -> list[DowntimeReason] | None:
        """The nodes of a leaf reason's path (None: not a leaf of the tree)."""
        for leaf, chain in self.leaf_reasons():
            if leaf == path:
                return chain
        return None
