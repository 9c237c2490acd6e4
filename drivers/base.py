"""The driver interface every device driver implements.

A driver is owned by exactly one worker thread (pymodbus clients are not thread safe). The worker
calls :meth:`Driver.connect`, then :meth:`Driver.read` once per due poll group, and
:meth:`Driver.close` on shutdown or after a failure. Drivers return *raw* values; the worker
applies each tag's scale and offset in one vectorised step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from app.config import DeviceConfig, TagConfig, format_location
from app.model import Event, FloatArray

Location = tuple[str | int, ...]


class DeviceError(Exception):
    """The device as a whole did not answer; every tag of the request goes bad.

    ``kind`` is a short category used in diagnostics: ``timeout``, ``refused``, ``dropped``,
    ``crc``, ``exception``, ``protocol`` or ``io``.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(slots=True)
class Readings:
    """What one read of a group of tags returned, aligned with the requested tags.

    ``values`` holds raw numbers (NaN where a tag failed or is a string); ``errors`` maps the
    index of every failed tag to its reason; ``fresh`` marks which tags got a new value (a
    streaming instrument may send only some fields); ``texts`` carries string values;
    ``integers`` the exact raw value of 64-bit integer tags (``values`` holds them as float64,
    exact only up to 2**53).
    """

    values: FloatArray
    errors: dict[int, str] = field(default_factory=dict)
    fresh: np.ndarray | None = None
    texts: dict[int, str] = field(default_factory=dict)
    integers: dict[int, int] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    requests: int = 1
    timestamp: float | None = None

    @classmethod
    def empty(cls, count: int) -> Readings:
        """No fresh value for any of ``count`` tags."""
        return cls(
            values=np.full(count, np.nan),
            fresh=np.zeros(count, dtype=bool),
            requests=0,
        )


class NoConnectionSettings(BaseModel):
    """For drivers that need no connection settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Driver(ABC):
    """Base class of every device driver."""

    #: Pydantic model of the device's ``connection`` table.
    connection_model: ClassVar[type[BaseModel]] = NoConnectionSettings
    #: True for instruments that push data (the worker calls ``read`` continuously).
    streaming: ClassVar[bool] = False

    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        self.settings: Any = self.connection_model.model_validate(device.connection)

    @classmethod
    def check_config(cls, device: DeviceConfig) -> list[tuple[Location, str]]:
        """Every problem with this device's connection settings and tag addressing."""
        problems: list[tuple[Location, str]] = []
        try:
            cls.connection_model.model_validate(device.connection)
        except ValidationError as exc:
            for item in exc.errors(include_url=False):
                if item["type"] == "extra_forbidden":
                    message = "unknown key (is it misspelt?)"
                elif item["type"] == "missing":
                    message = "required key is missing"
                else:
                    message = str(item["msg"]).removeprefix("Value error, ")
                problems.append((("connection", *item["loc"]), message))
        for index, tag in enumerate(device.tags):
            for field_name, message in cls.check_tag(tag):
                problems.append((("tags", index, field_name), message))
        return problems

    @classmethod
    def check_tag(cls, tag: TagConfig) -> list[tuple[str, str]]:
        """Problems with one tag's addressing for this driver, as ``(key, message)``."""
        return []

    @abstractmethod
    def connect(self) -> None:
        """Open the connection; raise :class:`DeviceError` when it cannot be opened."""

    @abstractmethod
    def read(self, tags: Sequence[TagConfig]) -> Readings:
        """Read ``tags`` once; raise :class:`DeviceError` when the device does not answer."""

    def write(self, tag: TagConfig, raw: float | int | str | bool) -> None:
        """Write one tag's *raw* value (before scale and offset) to the device.

        Raise :class:`DeviceError` when the device does not take it (kind ``config`` when the
        driver or the tag cannot be written at all) and :class:`ValueError` for a value the
        tag's type cannot hold. Callers read the tag back to confirm.
        """
        raise DeviceError("config", f"driver '{self.device.driver}' cannot write to devices")

    @abstractmethod
    def close(self) -> None:
        """Release the connection; must not raise."""


__all__ = [
    "DeviceError",
    "Driver",
    "Location",
    "NoConnectionSettings",
    "Readings",
    "format_location",
]
