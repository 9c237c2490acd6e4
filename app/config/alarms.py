"""Alarm definitions as they appear under a tag in the station config.

A tag's ``alarms`` table holds up to four limit alarms (``hh``, ``h``, ``l``, ``ll``), one
deviation alarm, one rate-of-change alarm, any number of discrete alarms and a bad-value alarm
(``bad``, on by default when any other alarm is defined), plus defaults
(deadband, delays, latching, suppression) that every alarm of the tag inherits unless it sets
its own::

    [devices.tags.alarms]
    deadband = 2.0
    on_delay_s = 2
    suppress_when = { tag = "state", in = [0, 4] }
    h = { limit = 700, priority = "high", message = "Oven hot" }

    [devices.tags.alarms.hh]
    limit = 720
    priority = "critical"
    message = "Oven far too hot"
    response = "Stop the line, open the oven door"

docs/ALARMS.md describes every key.

Cross references (setpoint and suppression tags) are checked against the whole station by
:func:`app.config.checks.reference_problems`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.config.base import Identifier, StrictModel, repeated
from app.config.errors import LocatedError

Priority = Literal["critical", "high", "medium", "low"]
Direction = Literal["both", "above", "below"]

#: Condition names a discrete alarm may not take (they name the built-in conditions).
RESERVED_NAMES = frozenset({"hh", "h", "l", "ll", "deviation", "rate", "bad"})

NonNegative = Annotated[float, Field(ge=0)]
Delay = Annotated[float, Field(ge=0, le=3600)]
TagRef = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z][A-Za-z0-9_\-]*)?$")]


class SuppressWhen(StrictModel):
    """Suppress by design while another tag (usually the machine state) holds one of ``in``."""

    tag: TagRef
    """Tag name in the same device, or ``device.tag``."""
    values: list[float] = Field(alias="in", min_length=1)


class AlarmOptions(StrictModel):
    """What every alarm of a tag has; unset values inherit the tag-level default."""

    priority: Priority = "medium"
    message: str = ""
    """What is wrong, as the operator reads it; a default is made from the tag and condition."""
    response: str = ""
    """What maintenance should do about it."""
    deadband: NonNegative | None = None
    on_delay_s: Delay | None = None
    off_delay_s: Delay | None = None
    latched: bool | None = None
    suppress_when: SuppressWhen | None = None
    enabled: bool = True


class LimitAlarm(AlarmOptions):
    """Active while the value is beyond ``limit`` (above for hh/h, below for l/ll)."""

    limit: float


class DeviationAlarm(AlarmOptions):
    """Active while the value is more than ``limit`` away from the value of a setpoint tag."""

    setpoint: TagRef
    limit: float = Field(gt=0)
    direction: Direction = "both"


class RateAlarm(AlarmOptions):
    """Active while the value changes faster than ``limit`` units per second or per minute."""

    limit: float = Field(gt=0)
    per: Literal["s", "min"] = "s"
    direction: Direction = "both"


class DiscreteAlarm(AlarmOptions):
    """Active while the value equals one value, is in a set, or has a bit set (fault words)."""

    name: Identifier
    equals: float | None = None
    values: list[float] | None = Field(default=None, alias="in", min_length=1)
    bit: int | None = Field(default=None, ge=0, le=63)

    @model_validator(mode="after")
    def _one_test(self) -> DiscreteAlarm:
        given = [key for key in ("equals", "values", "bit") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("a discrete alarm needs exactly one of 'equals', 'in' or 'bit'")
        if self.name in RESERVED_NAMES:
            raise LocatedError(("name",), f"'{self.name}' is reserved for the built-in conditions")
        return self


class BadValueAlarm(AlarmOptions):
    """ISA-18.2 bad-measurement alarm: active while the device answers but the tag's value is not
    a finite number (NaN, or infinite after scaling); the tag's other alarms hold meanwhile.

    Every tag with another enabled alarm has one unless ``enabled = false``; its priority is
    by default the most urgent of the alarms it leaves blind.
    """

    priority: Priority | None = None  # type: ignore[assignment]
    response: str = "Check the instrument and its wiring, then the tag's data type and scale."


_URGENCY: tuple[Priority, ...] = ("critical", "high", "medium", "low")


class TagAlarms(StrictModel):
    """Alarm definitions of one tag, with defaults shared by all of them."""

    hh: LimitAlarm | None = None
    h: LimitAlarm | None = None
    l: LimitAlarm | None = None  # noqa: E741 - the ISA name of the low alarm
    ll: LimitAlarm | None = None
    deviation: DeviationAlarm | None = None
    rate: RateAlarm | None = None
    discrete: list[DiscreteAlarm] = Field(default_factory=list)
    bad: BadValueAlarm | None = None
    # Defaults inherited by every alarm of this tag
    deadband: NonNegative = 0.0
    on_delay_s: Delay = 0.0
    off_delay_s: Delay = 0.0
    latched: bool = False
    suppress_when: SuppressWhen | None = None

    @model_validator(mode="after")
    def _limits_ordered(self) -> TagAlarms:
        # Highest first: each present limit must be above every lower one that is present.
        order = [("hh", self.hh), ("h", self.h), ("l", self.l), ("ll", self.ll)]
        present = [(name, alarm) for name, alarm in order if alarm is not None]
        for index, (name, alarm) in enumerate(present):
            for lower_name, lower in present[index + 1 :]:
                if alarm.limit <= lower.limit:
                    raise LocatedError(
                        (name, "limit"),
                        f"{name.upper()} limit {alarm.limit:g} must be above the "
                        f"{lower_name.upper()} limit {lower.limit:g}",
                    )
        for index, name in repeated(d.name for d in self.discrete):
            raise LocatedError(("discrete", index, "name"), f"duplicate discrete alarm '{name}'")
        return self

    def conditions(self) -> list[tuple[str, AlarmOptions]]:
        """Every condition as ``(name, definition)``: hh, h, l, ll, deviation, rate, discrete
        ones, then ``bad`` (present by default, see :class:`BadValueAlarm`)."""
        found: list[tuple[str, AlarmOptions]] = []
        for name in ("hh", "h", "l", "ll", "deviation", "rate"):
            alarm = getattr(self, name)
            if alarm is not None:
                found.append((name, alarm))
        found.extend((d.name, d) for d in self.discrete)
        bad = self.bad_value_alarm(found)
        if bad is not None:
            found.append(("bad", bad))
        return found

    def bad_value_alarm(self, others: list[tuple[str, AlarmOptions]]) -> BadValueAlarm | None:
        """The tag's bad-value alarm, with its priority resolved; None when it has none."""
        enabled = [alarm for _, alarm in others if alarm.enabled]
        bad = self.bad if self.bad is not None else (BadValueAlarm() if enabled else None)
        if bad is None or bad.priority is not None:
            return bad
        ranks = [_URGENCY.index(alarm.priority) for alarm in enabled]
        return bad.model_copy(update={"priority": _URGENCY[min(ranks, default=2)]})
