"""The station config schema: what a station TOML file may say, checked with pydantic.

This is the leaf of the core: it imports nothing of the project but the other config models, so
that drivers, the engine and the views can all depend on it. Checks that need the driver
registry (connection settings, tag addressing) live in :mod:`app.config_loader`.

Every user error is reported as ``key.path[index].key: problem`` so that a technician can find it
in the file. Unknown keys are errors: a typo must never pass silently. A tag's addressing keys
(``table``, ``address``, ``field``, ``signal`` ...) belong to its device's driver, which
validates them with its own model (:attr:`drivers.base.Driver.tag_model`).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from app.config.alarms import TagAlarms
from app.config.base import Identifier, StrictModel, repeated
from app.config.calendar import CalendarConfig, default_calendar, legacy_calendar
from app.config.cluster import ClusterConfig
from app.config.detectors import DeviceDetectors, TagDetectors
from app.config.errors import LocatedError
from app.config.layout import LayoutConfig
from app.config.oee import OeeConfig
from app.config.quality import QualityConfig
from app.config.sharing import SharingConfig
from app.config.stock import StockItem
from app.config.sync import SyncConfig

DataType = Literal[
    "bool",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float32",
    "float64",
    "string",
]


class StateCategory(StrEnum):
    """What a machine state means for the line, whatever its label says (ISA-101, OEE).

    The category, never the label's words, decides a tile's colour: a Korean "고장" is a fault
    because the config says so.
    """

    RUNNING = "running"
    IDLE = "idle"
    FAULT = "fault"
    PLANNED_STOP = "planned_stop"
    SETUP = "setup"
    MAINTENANCE = "maintenance"
    OFF = "off"


#: English words that let a plain ``"3" = "Fault"`` label imply its category; any other label
#: must give its category explicitly (``{ label = "고장", category = "fault" }``).
_IMPLIED_CATEGORIES: tuple[tuple[StateCategory, tuple[str, ...]], ...] = (
    (StateCategory.FAULT, ("fault", "alarm", "error", "trip", "e-stop", "estop", "emergency")),
    (StateCategory.MAINTENANCE, ("maint", "service", "repair")),
    (StateCategory.SETUP, ("setup", "set-up", "changeover", "warm")),
    (StateCategory.PLANNED_STOP, ("planned", "break", "pause")),
    (StateCategory.OFF, ("off", "power down")),
    (StateCategory.RUNNING, ("run", "auto", "produc", "cycl")),
    (StateCategory.IDLE, ("idle", "stop", "wait", "ready", "blocked", "starved", "hold")),
)


def implied_category(label: str) -> StateCategory | None:
    """The category an English state label implies, or None."""
    lowered = label.lower()
    for category, words in _IMPLIED_CATEGORIES:
        if any(word in lowered for word in words):
            return category
    return None


class MachineState(StrictModel):
    """One value of a machine's state tag: its label for people and its category."""

    label: str = Field(min_length=1)
    category: Annotated[StateCategory, Field(strict=False)]  # written as text in TOML


class StationInfo(StrictModel):
    """Who and where this station is within the digital cluster."""

    company: str = Field(min_length=1)
    site: str = Field(min_length=1)
    line: str = Field(min_length=1)
    station: str = Field(min_length=1)


class StorageConfig(StrictModel):
    """Where samples, events and alarms are kept."""

    url: str | None = None
    """SQLAlchemy URL; default: an SQLite file in the user data directory."""
    flush_interval_s: float = Field(default=0.5, gt=0, le=10)
    retention_days: float = Field(default=90, gt=0)
    """Raw samples are kept this long; their 1-minute and 1-hour roll-ups are kept."""
    fold_interval_s: float = Field(default=600, gt=0, le=86_400)
    """Recent samples wait this long in the write-ahead table before they are compressed."""
    max_buffered_samples: int = Field(default=1_000_000, ge=1_000, le=100_000_000)
    """While the database refuses writes (a full disk) at most this many samples wait in
    memory; beyond it the oldest unsaved ones are dropped, counted and reported."""


class SecurityConfig(StrictModel):
    """Signing in at this station (docs/SECURITY.md)."""

    idle_sign_out_s: float = Field(default=900, gt=0, le=86_400)
    """A signed-in user is signed out after this long without input."""
    max_failures: int = Field(default=5, ge=1, le=100)
    """Wrong passwords in a row that lock a user ..."""
    lockout_s: float = Field(default=300, gt=0, le=86_400)
    """... for this long."""
    badge_reader: str | None = None
    """A device whose scans (``scan_field``) of a known badge sign its user in."""
    kiosk: bool = False
    """Full screen that only a signed-in engineer or admin can leave (operator stations)."""


class TagConfig(StrictModel):
    """One signal of a device.

    The keys listed here are common to every driver. Any other key is the driver's tag
    addressing (Modbus ``table``/``address``/``byte_order``, a serial ``field``, a simulated
    ``signal``...), kept in :attr:`addressing` and validated by the driver's own ``tag_model``.
    """

    model_config = ConfigDict(extra="allow")

    name: Identifier
    description: str = ""
    unit: str = ""
    data_type: DataType = Field(default="float32", alias="type")
    # Engineering value = raw * scale + offset
    scale: float = 1.0
    offset: float = 0.0
    decimals: int | None = Field(default=None, ge=0, le=9)
    """Digits after the point on screen; default: from the display range (0..120 -> 1)."""
    poll_group: str = "default"
    display_min: float | None = None
    display_max: float | None = None
    key: bool = False
    """Shown on the machine's overview tile."""
    alarms: TagAlarms | None = None
    detectors: TagDetectors | None = None

    @field_validator("scale")
    @classmethod
    def _scale_not_zero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("scale 0 would turn every reading into the offset")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TagConfig:
        if (
            self.display_min is not None
            and self.display_max is not None
            and self.display_min >= self.display_max
        ):
            raise ValueError("display_min must be below display_max")
        return self

    @property
    def addressing(self) -> dict[str, Any]:
        """The driver-specific keys of this tag, as written in the file."""
        return dict(self.model_extra or {})


class ProductionConfig(StrictModel):
    """A machine's part counters, shown on its tile as counts, rate and target."""

    good: Identifier
    """Tag counting good parts (cumulative; a reset to a lower value starts a new count)."""
    reject: Identifier | None = None
    """Tag counting rejected parts."""
    target_per_hour: float | None = Field(default=None, gt=0)
    """Planned output in good parts per hour."""
    ideal_cycle_s: float | None = Field(default=None, gt=0)
    """Fastest possible time for one part (OEE performance)."""


class DeviceConfig(StrictModel):
    """One machine, PLC, drive or instrument, and the tags read from it."""

    name: Identifier
    title: str = ""
    driver: str = Field(min_length=1)
    poll_period_s: float = Field(default=1.0, gt=0, le=3600)
    timeout_s: float = Field(default=1.0, gt=0, le=60)
    poll_groups: dict[str, Annotated[float, Field(gt=0, le=3600)]] = Field(default_factory=dict)
    """Extra poll periods by name (``fast = 0.1``); ``default`` is ``poll_period_s``."""
    connection: dict[str, Any] = Field(default_factory=dict)
    """Driver-specific settings, validated by the driver's own model."""
    state_tag: str | None = None
    """Tag that carries the machine state (drives the tile colour)."""
    states: dict[str, MachineState] = Field(default_factory=dict)
    """Machine state value -> label and category: ``{"0" = "Stopped", "3" = { label = "고장",
    category = "fault" }}``; a plain English label implies its category."""
    enabled: bool = True
    detectors: DeviceDetectors | None = None
    production: ProductionConfig | None = None
    """Part counters: ``{good = "parts_good", reject = "parts_reject", target_per_hour = 80}``."""
    tags: list[TagConfig] = Field(min_length=1)

    @field_validator("states", mode="before")
    @classmethod
    def _states_have_categories(cls, states: Any) -> Any:
        if not isinstance(states, dict):
            return states  # pydantic reports the wrong type
        resolved: dict[str, Any] = {}
        for value, state in states.items():
            try:
                number = float(value)
            except ValueError:
                raise LocatedError((value,), f"state value '{value}' is not a number") from None
            key = str(int(number)) if number.is_integer() else repr(number)
            if isinstance(state, str):
                category = implied_category(state)
                if category is None:
                    choices = ", ".join(c.value for c in StateCategory)
                    raise LocatedError(
                        (value,),
                        f"say which category '{state}' is: "
                        f'{{ label = "{state}", category = "..." }} with one of {choices}',
                    )
                state = {"label": state, "category": category.value}
            resolved[key] = state
        return resolved

    def state_of(self, value: float) -> MachineState | None:
        """The configured state for a state-tag value (None when not configured or NaN)."""
        if value != value:  # NaN: no state known
            return None
        key = str(int(value)) if float(value).is_integer() else repr(float(value))
        return self.states.get(key)

    @property
    def display_name(self) -> str:
        """Title for people, falling back to the name."""
        return self.title or self.name

    def period_of(self, group: str) -> float:
        """Poll period of a group in seconds."""
        if group == "default":
            return self.poll_groups.get("default", self.poll_period_s)
        return self.poll_groups[group]

    @model_validator(mode="after")
    def _consistent(self) -> DeviceConfig:
        seen: set[str] = set()
        for index, tag in enumerate(self.tags):
            if tag.name in seen:
                raise LocatedError(("tags", index, "name"), f"duplicate tag name '{tag.name}'")
            seen.add(tag.name)
            if tag.poll_group != "default" and tag.poll_group not in self.poll_groups:
                known = ", ".join(["default", *self.poll_groups]) or "default"
                raise LocatedError(
                    ("tags", index, "poll_group"),
                    f"unknown poll group '{tag.poll_group}' (known: {known})",
                )
        if self.state_tag is not None and self.state_tag not in seen:
            raise LocatedError(("state_tag",), f"no tag named '{self.state_tag}' in this device")
        return self


class StationConfig(StrictModel):
    """The whole station: identity, storage and devices."""

    station: StationInfo
    storage: StorageConfig = Field(default_factory=StorageConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    devices: list[DeviceConfig] = Field(min_length=1)
    layout: LayoutConfig = Field(default_factory=LayoutConfig)
    """Where the machines stand on the line screen (default: in device order)."""
    sharing: SharingConfig = Field(default_factory=SharingConfig)
    """What each partner of the cluster may see (default: nothing)."""
    stock: list[StockItem] = Field(default_factory=list)
    """Finished goods and materials counted at this station, with low-stock warnings."""
    quality: QualityConfig = Field(default_factory=QualityConfig)
    sync: SyncConfig | None = None
    """Publishing to the cluster (``[sync]``); none: the station keeps its data to itself."""
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    """The cluster lead's view of its partners; orders received from the lead."""
    calendar: CalendarConfig | None = None
    """The shift calendar (``[calendar]``); see :attr:`shift_calendar` for the one in force."""
    oee: OeeConfig = Field(default_factory=OeeConfig)
    """Micro-stops and downtime reasons (``[oee]``)."""

    @cached_property
    def shift_calendar(self) -> CalendarConfig:
        """The calendar quality, OEE, orders and the trend use: ``[calendar]``, else what an
        older config meant (``[[oee.shifts]]`` or ``[quality].shifts``), else three
        eight-hour shifts every day (every hour planned)."""
        if self.calendar is not None:
            return self.calendar
        return legacy_calendar(self.quality.shifts, self.oee) or default_calendar()

    @model_validator(mode="after")
    def _unique_devices(self) -> StationConfig:
        for index, name in repeated(d.name for d in self.devices):
            raise LocatedError(("devices", index, "name"), f"duplicate device name '{name}'")
        for index, name in repeated(s.item for s in self.stock):
            raise LocatedError(("stock", index, "item"), f"'{name}' is listed twice")
        self._one_calendar()
        reader = self.security.badge_reader
        if reader is not None and all(d.name != reader for d in self.devices):
            known = ", ".join(d.name for d in self.devices)
            raise LocatedError(
                ("security", "badge_reader"), f"no device named '{reader}' (devices: {known})"
            )
        return self

    def _one_calendar(self) -> None:
        """Shifts are defined once: an older key beside ``[calendar]``, or two older lists,
        would label defects by one calendar and OEE by another."""
        moved = "shifts are defined once now, in [calendar] (docs/SYNC.md, 'Shift calendar')"
        if self.calendar is not None:
            if self.quality.shifts is not None:
                raise LocatedError(("quality", "shifts"), f"{moved}: remove quality.shifts")
            if self.oee.has_legacy_calendar:
                raise LocatedError(
                    ("oee", "shifts"),
                    f"{moved}: move timezone, shifts, holidays and planned_stops out of [oee]",
                )
        elif self.quality.shifts is not None and self.oee.shifts:
            raise LocatedError(
                ("quality", "shifts"),
                f"{moved}: rename [[oee.shifts]] to [[calendar.shifts]] (with the timezone, "
                "holidays and planned_stops) and remove quality.shifts",
            )

    def device(self, name: str) -> DeviceConfig:
        """The device called ``name``."""
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(name)
