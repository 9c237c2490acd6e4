"""Device drivers, looked up by name and imported only when a device uses them.

Like python-can's interface table: built-in drivers are listed here as ``module:Class`` strings,
third-party packages add theirs through the ``shopfloor.drivers`` entry-point group, and an
import failure is wrapped in one exception that names the driver.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.base import Driver

ENTRY_POINT_GROUP = "shopfloor.drivers"

BUILTIN_DRIVERS: dict[str, str] = {
    "simulated": "drivers.signal_generator:SignalGeneratorDriver",
    "modbus-tcp": "drivers.modbus.tcp:ModbusTcpDriver",
    "modbus-rtu": "drivers.modbus.rtu:ModbusRtuDriver",
    "serial-ascii": "drivers.serial_ascii:SerialAsciiDriver",
}


class UnknownDriverError(LookupError):
    """No driver is registered under that name."""


class DriverLoadError(ImportError):
    """A driver is registered but its module or class cannot be loaded."""


@cache
def available_drivers() -> dict[str, str]:
    """Every driver name with its ``module:Class`` target, built-ins first."""
    table = dict(BUILTIN_DRIVERS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        table.setdefault(ep.name, ep.value)
    return table


def driver_class(name: str) -> type[Driver]:
    """Import and return the driver class registered as ``name``."""
    table = available_drivers()
    target = table.get(name)
    if target is None:
        known = ", ".join(sorted(table))
        raise UnknownDriverError(f"unknown driver '{name}' (available: {known})")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise DriverLoadError(f"driver '{name}' cannot be loaded: {exc}") from exc
    return cls
