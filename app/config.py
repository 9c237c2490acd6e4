"""Station configuration: a TOML file validated with pydantic.

Every user error is reported as ``key.path[index].key: problem`` so that a technician can find it
in the file. Unknown keys are errors: a typo must never pass silently.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from app.alarms.config import TagAlarms
from app.detectors.config import DeviceDetectors, TagDetectors

IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_\-]*$"
Identifier = Annotated[str, Field(pattern=IDENTIFIER, max_length=64)]

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
Table = Literal["coil", "discrete", "input", "holding"]
ByteOrder = Literal["ABCD", "CDAB", "BADC", "DCBA", "EFGHABCD"]

#: Registers each data type occupies (strings take ``length`` registers).
REGISTER_COUNT: dict[str, int] = {
    "bool": 1,
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "float32": 2,
    "int64": 4,
    "uint64": 4,
    "float64": 4,
}


class ConfigError(Exception):
    """A station config that cannot be used; ``problems`` lists every ``path: message``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))

    def report(self) -> str:
        """Human-readable report, one problem per line."""
        count = len(self.problems)
        head = f"{self.source}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class StrictModel(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
    retention_days: float = Field(default=30, gt=0)


class TagConfig(StrictModel):
    """One signal of a device."""

    name: Identifier
    description: str = ""
    unit: str = ""
    data_type: DataType = Field(default="float32", alias="type")
    # Modbus addressing
    table: Table = "holding"
    address: int | None = None
    bit: int | None = None
    length: int | None = Field(default=None, ge=1, le=125)
    byte_order: ByteOrder = "ABCD"
    # Serial ASCII instruments: the named regex group that carries the value
    field: str | None = None
    # In-process simulated driver: the signal shape
    signal: str | None = None
    # Engineering value = raw * scale + offset
    scale: float = 1.0
    offset: float = 0.0
    poll_group: str = "default"
    display_min: float | None = None
    display_max: float | None = None
    key: bool = False
    """Shown on the machine's overview tile."""
    alarms: TagAlarms | None = None
    detectors: TagDetectors | None = None

    @field_validator("address")
    @classmethod
    def _address_in_range(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 65535:
            raise ValueError(f"register {value} is outside 0..65535")
        return value

    @field_validator("bit")
    @classmethod
    def _bit_in_range(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 15:
            raise ValueError(f"bit {value} is outside 0..15")
        return value

    @field_validator("field")
    @classmethod
    def _field_is_group_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(f"{value!r} is not a valid regex group name")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TagConfig:
        if self.data_type == "string" and self.length is None and self.field is None:
            # Register strings need their size; a serial instrument's text field does not.
            raise ValueError("a string tag needs 'length' (registers)")
        if self.bit is not None and self.table in ("coil", "discrete"):
            raise ValueError(
                "'bit' selects a bit of a register; coils and discrete inputs are bits"
            )
        if self.table in ("coil", "discrete") and self.data_type != "bool":
            raise ValueError(f"table '{self.table}' holds bits: type must be 'bool'")
        if self.address is not None and self.data_type != "string":
            end = self.address + self.register_count - 1
            if self.table in ("input", "holding") and end > 65535:
                raise ValueError(f"{self.data_type} at {self.address} runs past register 65535")
        if (
            self.display_min is not None
            and self.display_max is not None
            and self.display_min >= self.display_max
        ):
            raise ValueError("display_min must be below display_max")
        return self

    @property
    def register_count(self) -> int:
        """Registers this tag occupies in a register table."""
        if self.data_type == "string":
            return self.length or 1
        return REGISTER_COUNT[self.data_type]


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
    states: dict[str, str] = Field(default_factory=dict)
    """Machine state value -> label, e.g. ``{"0" = "Stopped", "1" = "Running"}``."""
    enabled: bool = True
    detectors: DeviceDetectors | None = None
    tags: list[TagConfig] = Field(min_length=1)

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
                raise _located(("tags", index, "name"), f"duplicate tag name '{tag.name}'")
            seen.add(tag.name)
            if tag.poll_group != "default" and tag.poll_group not in self.poll_groups:
                known = ", ".join(["default", *self.poll_groups]) or "default"
                raise _located(
                    ("tags", index, "poll_group"),
                    f"unknown poll group '{tag.poll_group}' (known: {known})",
                )
        if self.state_tag is not None and self.state_tag not in seen:
            raise _located(("state_tag",), f"no tag named '{self.state_tag}' in this device")
        return self


class StationConfig(StrictModel):
    """The whole station: identity, storage and devices."""

    station: StationInfo
    storage: StorageConfig = Field(default_factory=StorageConfig)
    devices: list[DeviceConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_devices(self) -> StationConfig:
        seen: set[str] = set()
        for index, device in enumerate(self.devices):
            if device.name in seen:
                raise _located(("devices", index, "name"), f"duplicate device name '{device.name}'")
            seen.add(device.name)
        return self

    def device(self, name: str) -> DeviceConfig:
        """The device called ``name``."""
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(name)


class _LocatedError(ValueError):
    """A cross-field problem that knows the key path it belongs to (relative to its model)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _located(loc: tuple[str | int, ...], message: str) -> _LocatedError:
    return _LocatedError(loc, message)


def format_location(loc: tuple[str | int, ...]) -> str:
    """``('devices', 1, 'tags', 3, 'address')`` -> ``devices[1].tags[3].address``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


_ALIASES = {"data_type": "type"}


def _problems_from_validation(error: ValidationError) -> list[str]:
    problems: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(_ALIASES.get(str(p), p) if isinstance(p, str) else p for p in item["loc"])
        ctx_error = (item.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _LocatedError):
            loc = loc + ctx_error.loc
            message = ctx_error.message
        elif item["type"] == "extra_forbidden":
            message = "unknown key (is it misspelt?)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "string_pattern_mismatch" and item["ctx"].get("pattern") == IDENTIFIER:
            message = (
                f"{item['input']!r} is not a valid name: start with a letter, then letters, "
                "digits, '_' or '-'"
            )
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{format_location(loc)}: {message}")
    return problems


def _driver_problems(raw: dict[str, Any], config: StationConfig) -> list[str]:
    """Let each device's driver check its connection settings and tag addressing."""
    from drivers import DriverLoadError, UnknownDriverError, driver_class

    problems: list[str] = []
    for index, device in enumerate(config.devices):
        try:
            cls = driver_class(device.driver)
        except UnknownDriverError as exc:
            problems.append(f"devices[{index}].driver: {exc}")
            continue
        except DriverLoadError as exc:
            problems.append(f"devices[{index}].driver: {exc}")
            continue
        for loc, message in cls.check_config(device):
            problems.append(f"{format_location(('devices', index, *loc))}: {message}")
    return problems


def parse_config(data: dict[str, Any], source: str = "<config>") -> StationConfig:
    """Validate an already-parsed TOML document; raise :class:`ConfigError` on any problem."""
    try:
        config = StationConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _problems_from_validation(exc)) from None
    from app.alarms.definitions import reference_problems
    from app.detectors.monitor import check_detectors

    problems = _driver_problems(data, config) + reference_problems(config) + check_detectors(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: str | Path) -> StationConfig:
    """Read and validate a station config file."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [f"cannot read the file: {exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"TOML syntax error: {exc}"]) from None
    return parse_config(data, source)
