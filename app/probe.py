"""A test read of one device, for the Devices screen: a fresh driver, every tag read once.

Also what ``shopfloor poll`` runs (build the device's driver, connect, read each poll group
once, scale as the station does), with no effect on the running station: its worker keeps its
own connection. Blocking: call it from a worker thread, never from the GUI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from app.config import DeviceConfig
from app.scaling import engineering_values
from app.tags import TagTable
from app.worker import (
    DriverFactory,
    PollGroup,
    build_groups,
    default_driver_factory,
    exact_integers,
)
from drivers.base import DeviceError, Driver

#: How long a streaming instrument is listened to at most.
STREAM_WAIT_S = 2.0


@dataclass(frozen=True, slots=True)
class TagReading:
    """One tag's answer to the test read."""

    tag: str
    value: float | int | str | None
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
    device: DeviceConfig,
    table: TagTable,
    driver_factory: DriverFactory = default_driver_factory,
    wait_s: float | None = None,
) -> ProbeReport:
    """Read every tag of ``device`` once with a new driver instance (blocking).

    A streaming instrument is listened to until every tag has a value or ``wait_s`` passes
    (default: three of its periods, at least :data:`STREAM_WAIT_S`). Values are scaled as the
    station scales them: a NaN or infinite result is a bad reading with its reason.
    """
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
            report.readings.extend(_read_group(driver, group, wait_s))
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


def _read_group(driver: Driver, group: PollGroup, wait_s: float | None) -> list[TagReading]:
    count = len(group.tags)
    values = np.full(count, np.nan)
    texts: dict[int, str] = {}
    integers: dict[int, int] = {}
    errors: dict[int, str] = {}
    got = np.zeros(count, dtype=bool)
    wait = wait_s if wait_s is not None else max(STREAM_WAIT_S, 3 * group.period_s)
    deadline = time.monotonic() + wait
    while True:
        readings = driver.read(group.tags)
        fresh = readings.fresh if readings.fresh is not None else np.ones(count, dtype=bool)
        values[fresh] = readings.values[fresh]
        for index in np.flatnonzero(fresh).tolist():
            got[index] = True
            errors.pop(index, None)
            if index in readings.texts:
                texts[index] = readings.texts[index]
        integers.update(exact_integers(group, readings))
        for index, reason in readings.errors.items():
            if fresh[index]:
                errors[index] = reason
        if not driver.streaming or got.all() or time.monotonic() >= deadline:
            break
    scaled, _, unusable = engineering_values(
        values, group.scale, group.offset, group.tag_ids, texts, got
    )
    out: list[TagReading] = []
    for index, tag in enumerate(group.tags):
        tag_id = int(group.tag_ids[index])
        if not got[index]:
            out.append(TagReading(tag.name, None, f"no value within {wait:g} s"))
        elif index in errors:
            out.append(TagReading(tag.name, None, errors[index]))
        elif tag_id in unusable:
            out.append(TagReading(tag.name, None, unusable[tag_id]))
        else:
            value: float | int | str | None = texts.get(index, integers.get(index))
            out.append(TagReading(tag.name, float(scaled[index]) if value is None else value))
    return out
