"""Alarm states, priorities, definitions and the transitions listeners receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from app.messages import Message


class Priority(IntEnum):
    """Alarm priority; a lower number is more urgent (sorts first)."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4

    @classmethod
    def parse(cls, name: str) -> Priority:
        """``"critical"`` -> ``Priority.CRITICAL``; a clear ValueError otherwise."""
        try:
            return cls[name.upper()]
        except KeyError:
            known = ", ".join(p.name.lower() for p in cls)
            raise ValueError(f"unknown priority '{name}' (known: {known})") from None

    @property
    def label(self) -> str:
        """Lower-case name as written in the config: ``critical``."""
        return self.name.lower()


class AlarmState(StrEnum):
    """What the operator sees for one alarm (ISA-18.2 state model)."""

    NORMAL = "normal"
    UNACK = "unack"
    """Active, not acknowledged."""
    ACKED = "acked"
    """Active, acknowledged."""
    RTN_UNACK = "rtn_unack"
    """Returned to normal, not acknowledged."""
    LATCHED = "latched"
    """Returned to normal but latched: held until an operator resets it (acknowledge)."""
    SHELVED = "shelved"
    SUPPRESSED = "suppressed"
    """Suppressed by design (machine state) or by the device's communication loss."""
    OUT_OF_SERVICE = "out_of_service"

    @property
    def annunciated(self) -> bool:
        """Shown in the banner and the summary."""
        return self in _ANNUNCIATED

    @property
    def needs_ack(self) -> bool:
        """Waiting for an operator (flashes)."""
        return self in _NEEDS_ACK


_ANNUNCIATED = frozenset(
    {AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK, AlarmState.LATCHED}
)
_NEEDS_ACK = frozenset({AlarmState.UNACK, AlarmState.RTN_UNACK, AlarmState.LATCHED})


def custom_message(text: str) -> Message:
    """A user's own words (a configured ``message = "Oven hot"``, an old journal row)."""
    return Message("alarm.custom", {"text": text})


class TransitionKind(StrEnum):
    """Why a transition happened; one journal row each."""

    RAISE = "raise"
    CLEAR = "clear"
    """The condition returned to normal."""
    ACK = "ack"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    SUPPRESS = "suppress"
    UNSUPPRESS = "unsuppress"
    OUT_OF_SERVICE = "out_of_service"
    IN_SERVICE = "in_service"


class Kind(StrEnum):
    """Kind of condition an alarm watches."""

    LIMIT = "limit"
    DEVIATION = "deviation"
    RATE = "rate"
    DISCRETE = "discrete"
    BAD_VALUE = "bad_value"
    """The tag's value is not a finite number though its device answers."""
    COMM = "comm"
    ANOMALY = "anomaly"


@dataclass(frozen=True, slots=True)
class AlarmDefinition:
    """One alarm as the manager runs it, resolved from the station config.

    ``alarm_id`` is stable across restarts: ``device.tag.condition`` for tag alarms,
    ``device.@comm`` for communication loss, ``device.tag.@anomaly.detector`` (or
    ``device.@anomaly.detector``) for anomalies.
    """

    alarm_id: str
    device: str
    tag: str | None
    condition: str
    kind: Kind
    priority: Priority
    message: Message
    response: str = ""
    tag_id: int | None = None
    deadband: float = 0.0
    on_delay_s: float = 0.0
    off_delay_s: float = 0.0
    latched: bool = False
    suppress_key: tuple[int, tuple[float, ...]] | None = None
    """(tag id, values) of the suppress-by-design rule, if any."""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def source(self) -> str:
        """``device.tag`` or ``device``."""
        return f"{self.device}.{self.tag}" if self.tag else self.device


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of one alarm, as journaled and handed to listeners.

    ``flags`` is the alarm's full state after the transition, so that the journal alone
    restores every alarm after a restart.
    """

    seq: int
    timestamp: float
    alarm_id: str
    event: TransitionKind
    state: AlarmState
    previous: AlarmState
    priority: Priority
    device: str
    tag: str | None
    condition: str
    message: Message
    """What the alarm says, as an id and parameters: rendered in the reader's language."""
    value: float | None = None
    actor: str | None = None
    comment: str = ""
    flags: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    journaled: bool = field(default=True, compare=False)
    """False when listeners hear of it before its commit landed (database locked or failing);
    it is written as soon as the database takes it."""


@dataclass(frozen=True, slots=True)
class ShelveInfo:
    """Who shelved an alarm, why, and until when (one-shot: also until it next clears)."""

    actor: str
    reason: str
    since: float
    until: float
    one_shot: bool = False


@dataclass(frozen=True, slots=True)
class AlarmView:
    """Read-only picture of one alarm for views and reports."""

    alarm_id: str
    device: str
    tag: str | None
    condition: str
    kind: Kind
    priority: Priority
    state: AlarmState
    message: Message
    response: str
    tag_id: int | None
    value: float | None
    active_since: float | None
    """When the current occurrence was raised."""
    last_change: float | None
    acked_by: str | None
    ack_comment: str
    shelve: ShelveInfo | None
    suppressed_by: str
    """``design``, ``comm`` or empty."""
    out_of_service_by: str | None
    detail: str = ""
    """Technical detail (a driver's own error text) for the detail dialog, never the message."""
