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
from pydantic import BaseModel, ValidationError

from app.config import DeviceConfig, Location, StrictModel, TagConfig, validation_problems
from app.model import Event, FloatArray


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


class NoConnectionSettings(StrictModel):
    """For drivers that need no connection settings."""


class NoTagAddress(StrictModel):
    """For drivers whose tags need no addressing keys (any such key is an error)."""


class Driver(ABC):
    """Base class of every device driver."""

    #: Pydantic model of the device's ``connection`` table.
    connection_model: ClassVar[type[BaseModel]] = NoConnectionSettings
    #: Pydantic model of a tag's driver-specific keys (validated with the tag's ``data_type``
    #: in the context); derive it from :class:`app.config.StrictModel`.
    tag_model: ClassVar[type[BaseModel]] = NoTagAddress
    #: True for instruments that push data (the worker calls ``read`` continuously).
    streaming: ClassVar[bool] = False

    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        self.settings: Any = self.connection_model.model_validate(device.connection)
        #: Each tag's validated addressing, by tag name.
        self.addresses: dict[str, Any] = {tag.name: self.parse_tag(tag) for tag in device.tags}

    @classmethod
    def parse_tag(cls, tag: TagConfig) -> BaseModel:
        """A tag's driver-specific keys as this driver's :attr:`tag_model`."""
        return cls.tag_model.model_validate(tag.addressing, context={"data_type": tag.data_type})

    @classmethod
    def check_config(cls, device: DeviceConfig) -> list[tuple[Location, str]]:
        """Every problem with this device's connection settings and tag addressing."""
        problems = cls.connection_problems(device.connection)
        for index, tag in enumerate(device.tags):
            problems.extend(
                (("tags", index, *loc), message) for loc, message in cls.tag_problems(tag)
            )
        if not problems:
            settings = cls.connection_model.model_validate(device.connection)
            problems.extend(cls.check_device(device, settings))
        return problems

    @classmethod
    def connection_problems(cls, connection: dict[str, Any]) -> list[tuple[Location, str]]:
        """Problems with a ``connection`` table, as ``(key path, sentence)``."""
        try:
            cls.connection_model.model_validate(connection)
        except ValidationError as exc:
            return validation_problems(exc, ("connection",))
        return []

    @classmethod
    def tag_problems(cls, tag: TagConfig) -> list[tuple[Location, str]]:
        """Problems with one tag's addressing keys, as ``(key path below the tag, sentence)``."""
        try:
            cls.parse_tag(tag)
        except ValidationError as exc:
            return validation_problems(exc)
        return []

    @classmethod
    def check_device(cls, device: DeviceConfig, settings: Any) -> list[tuple[Location, str]]:
        """Problems that span the device's tags and settings (override where needed)."""
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
    "NoTagAddress",
    "Readings",
]
