"""The ``simulated`` driver: a signal generator, deterministic, no I/O, for tests and benchmarks.

Each tag's ``signal`` names a shape and its parameters, e.g. ``"sine:mean=50,amplitude=10,
period=60"``; the shapes are ``sine``, ``square``, ``ramp``, ``noise``, ``random_walk``,
``counter`` and ``constant``. The plant simulator in :mod:`drivers.simulator` is the realistic
one; this driver is registered exactly like real hardware so that the engine cannot tell.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from app.config import StrictModel, TagConfig
from drivers.base import DeviceError, Driver, Readings

SHAPES = ("sine", "square", "ramp", "noise", "random_walk", "counter", "constant")
DEFAULTS = {"mean": 0.0, "amplitude": 1.0, "period": 60.0, "noise": 0.0, "step": 1.0}


class SimulatedSettings(StrictModel):
    """Connection settings of the simulated driver."""

    seed: int = 0
    fail: bool = False
    """Refuse every connection, to exercise the fault path."""
    latency_s: float = Field(default=0.0, ge=0, le=10)
    """Time each read takes, to imitate a slow device."""


def parse_signal(spec: str) -> tuple[str, dict[str, float]]:
    """``"sine:mean=5,period=2"`` -> ``("sine", {"mean": 5.0, "period": 2.0, ...})``."""
    shape, _, rest = spec.partition(":")
    shape = shape.strip()
    if shape not in SHAPES:
        raise ValueError(f"unknown signal shape '{shape}' (shapes: {', '.join(SHAPES)})")
    params = dict(DEFAULTS)
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in DEFAULTS:
            raise ValueError(f"bad signal parameter '{item}' (known: {', '.join(DEFAULTS)})")
        try:
            params[key] = float(value)
        except ValueError:
            raise ValueError(f"signal parameter '{key}' is not a number: {value!r}") from None
        if not math.isfinite(params[key]):
            raise ValueError(f"signal parameter '{key}' must be a finite number, not {value!r}")
    if params["period"] <= 0:
        raise ValueError("signal period must be positive")
    return shape, params


class SignalTag(StrictModel):
    """A generated tag's one key: the shape of its signal."""

    signal: str = "sine"
    """e.g. ``"sine:mean=50,amplitude=5,period=60"``; see :func:`parse_signal`."""

    @field_validator("signal")
    @classmethod
    def _parses(cls, value: str) -> str:
        parse_signal(value)  # a ValueError becomes a key-path error at 'signal'
        return value


class SignalGeneratorDriver(Driver):
    """Generates every tag's value from its signal spec and the wall clock."""

    connection_model = SimulatedSettings
    tag_model = SignalTag

    def __init__(self, device: Any) -> None:
        super().__init__(device)
        self._shapes = {name: parse_signal(tag.signal) for name, tag in self.addresses.items()}
        self._state: dict[str, float] = {}
        seed = self.settings.seed ^ zlib.crc32(device.name.encode())
        self._rng = np.random.default_rng(seed)
        self._connected = False
        self._start = time.time()

    def connect(self) -> None:
        if self.settings.fail:
            raise DeviceError("refused", "simulated device refuses connections")
        self._connected = True

    def read(self, tags: Sequence[TagConfig]) -> Readings:
        if not self._connected:
            raise DeviceError("io", "not connected")
        if self.settings.latency_s:
            time.sleep(self.settings.latency_s)
        now = time.time() - self._start
        values = np.empty(len(tags))
        for index, tag in enumerate(tags):
            values[index] = self._value(tag.name, now)
        return Readings(values=values)

    def _value(self, name: str, t: float) -> float:
        shape, p = self._shapes[name]
        mean, amplitude, period = p["mean"], p["amplitude"], p["period"]
        if shape == "sine":
            value = mean + amplitude * math.sin(2 * math.pi * t / period)
        elif shape == "square":
            value = mean + (amplitude if (t % period) < period / 2 else -amplitude)
        elif shape == "ramp":
            value = mean + amplitude * ((t % period) / period)
        elif shape == "noise":
            value = mean
        elif shape == "random_walk":
            value = self._state.get(name, mean) + float(self._rng.normal(0.0, p["step"]))
            self._state[name] = value
        elif shape == "counter":
            value = self._state.get(name, mean) + p["step"]
            self._state[name] = value
        else:
            value = mean
        if p["noise"]:
            value += float(self._rng.normal(0.0, p["noise"]))
        return value

    def close(self) -> None:
        self._connected = False
