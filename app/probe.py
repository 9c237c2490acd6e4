"""A test read of one device, for the Devices screen: a fresh driver, every tag read once.

The same steps as ``shopfloor poll`` (build the device's driver, connect, read each poll group
once, apply scale and offset), with no effect on the running station: its worker keeps its
own connection. Blocking: call it from a worker thread, never from the GUI thread.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from app.config import DeviceConfig
from app.tags import TagTable
from app.worker import DriverFactory, build_groups, default_driver_factory
from drivers.base import DeviceError

#: How long a streaming instrument is listened to at most.
STREAM_WAIT_S = 3.0


@dataclass(frozen=True, slots=True)
class TagReading:
    """One tag's answer to the test read."""

    tag: str
    value: float | str | None
    error: str = ""

    @property
    def good(self) -> bool:
        """True when the tag answered with a value."""
        return not self.error


@dataclass(slots=True)
class ProbeReport:
    """What a test read found."""

    device: str
    started: float
    seconds: float = 0.0
    error: str = ""
    """Why the device could not be read at all (empty when it answered)."""
    readings: list[TagReading] = field(default_factory=list)

    @property
    def good_count(self) -> int:
        """Tags that answered."""
        return sum(1 for r in self.readings if r.good)


def read_once(
    device: DeviceConfig, table: TagTable, driver_factory: DriverFactory = default_driver_factory
) -> ProbeReport:
    """Read every tag of ``device`` once with a new driver instance (blocking)."""
    report = ProbeReport(device.name, time.time())
    started = time.monotonic()
    try:
        driver = driver_factory(device)
    except Exception as exc:  # settings the driver rejects: a result, never a crash
        report.error = f"driver could not be created: {exc}"
        report.seconds = time.monotonic() - started
        return report
    try:
        driver.connect()
        for group in build_groups(device, table):
            readings = driver.read(group.tags)
            deadline = time.monotonic() + STREAM_WAIT_S
            while driver.streaming and readings.fresh is not None and not readings.fresh.all():
                if time.monotonic() >= deadline:
                    break
                more = driver.read(group.tags)
                fresh = more.fresh if more.fresh is not None else np.ones(len(group.tags), bool)
                readings.values[fresh] = more.values[fresh]
                readings.texts.update(more.texts)
                readings.fresh = readings.fresh | fresh
            values = readings.values * group.scale + group.offset
            for index, tag in enumerate(group.tags):
                if readings.fresh is not None and not readings.fresh[index]:
                    report.readings.append(TagReading(tag.name, None, "no value"))
                elif index in readings.errors:
                    report.readings.append(TagReading(tag.name, None, readings.errors[index]))
                else:
                    value: float | str | None = readings.texts.get(index)
                    if value is None:
                        number = float(values[index])
                        value = None if math.isnan(number) else number
                    report.readings.append(TagReading(tag.name, value))
    except DeviceError as exc:
        report.error = f"{exc.kind}: {exc.message}"
    except Exception as exc:  # a driver bug or an OS error: reported like a device error
        report.error = f"io: {exc}"
    finally:
        try:
            driver.close()
        except Exception as exc:  # closing must not hide what the read found
            report.error = report.error or f"io: {exc}"
    report.seconds = time.monotonic() - started
    order = {t.name: i for i, t in enumerate(device.tags)}
    report.readings.sort(key=lambda r: order.get(r.tag, 0))
    return report
