"""Executing one read request on a pymodbus sync client and classifying what went wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from drivers.base import DeviceError
from drivers.modbus.common import ExceptionAnswer

READ_METHODS = {
    "coil": "read_coils",
    "discrete": "read_discrete_inputs",
    "holding": "read_holding_registers",
    "input": "read_input_registers",
}


class Dropped(Exception):
    """The connection broke during a request (the caller may reconnect and retry once)."""


@contextmanager
def classified(what: str) -> Iterator[None]:
    """Turn pymodbus's failures during the request ``what`` into ours: :class:`Dropped` for a
    broken connection, :class:`DeviceError` ``timeout`` or ``protocol`` otherwise."""
    try:
        yield
    except ConnectionException as exc:
        raise Dropped(str(exc)) from None
    except ModbusIOException as exc:
        raise DeviceError("timeout", f"no answer to {what}: {_short(exc)}") from None
    except ModbusException as exc:
        raise DeviceError("protocol", f"{what}: {_short(exc)}") from None
    except OSError as exc:
        raise Dropped(str(exc)) from None


def execute(client: Any, table: str, start: int, count: int, device_id: int) -> Any:
    """Registers (uint16) or bits (bool) read by one request (numpy arrays with
    :func:`drivers.modbus.pdus.use_numpy_answers`, lists otherwise).

    Raises :class:`ExceptionAnswer` for a Modbus exception response, :class:`Dropped` when the
    connection broke, and :class:`DeviceError` (``timeout`` / ``protocol``) otherwise.
    """
    method = getattr(client, READ_METHODS[table])
    with classified(f"{table} {start}+{count}"):
        response = method(start, count=count, device_id=device_id)
    if response.isError():
        code = getattr(response, "exception_code", 0)
        raise ExceptionAnswer(int(code))
    return response.bits if table in ("coil", "discrete") else response.registers


def execute_write(
    client: Any, function: int, address: int, values: list[int], device_id: int
) -> None:
    """One write (FC 5, 6, 15 or 16) on a pymodbus sync client; raises like :func:`execute`."""
    with classified(f"FC {function} at {address}"):
        if function == 5:
            response = client.write_coil(address, bool(values[0]), device_id=device_id)
        elif function == 15:
            bits = [bool(v) for v in values]
            response = client.write_coils(address, bits, device_id=device_id)
        elif function == 6:
            response = client.write_register(address, values[0], device_id=device_id)
        else:
            response = client.write_registers(address, values, device_id=device_id)
    if response.isError():
        raise ExceptionAnswer(int(getattr(response, "exception_code", 0)))


def _short(exc: Exception) -> str:
    text = str(exc).replace("Modbus Error: ", "")
    return text if len(text) < 160 else text[:157] + "..."
