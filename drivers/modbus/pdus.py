"""Read answers decoded straight into numpy arrays.

pymodbus decodes every register with its own ``struct.unpack`` call and every bit into a Python
bool; for a 125-register block that is most of the time a read takes on the client side. These
subclasses of pymodbus's response PDUs keep the data as numpy views of the answer bytes and are
registered per client with the public ``client.register()`` (other clients are unaffected).
pymodbus formats every decoded PDU for a debug line even when debug logging is off, so
``__str__`` stays short instead of printing every value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pymodbus.exceptions import ModbusIOException
from pymodbus.pdu.bit_message import ReadCoilsResponse, ReadDiscreteInputsResponse
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersResponse,
    ReadInputRegistersResponse,
)


def _registers(pdu: Any, data: bytes) -> None:
    size = int(data[0])
    if size >= len(data) or size % 2:
        raise ModbusIOException(
            f"byte_count {size} does not fit a packet of {len(data)}",
            function_code=pdu.function_code,
        )
    pdu.registers = np.frombuffer(data, dtype=">u2", count=size // 2, offset=1)


def _bits(pdu: Any, data: bytes) -> None:
    packed = np.frombuffer(data, dtype=np.uint8, offset=1)
    pdu.bits = np.unpackbits(packed, bitorder="little").astype(bool)


def _summary(pdu: Any) -> str:
    values = pdu.registers if len(pdu.registers) else pdu.bits
    return (
        f"{type(pdu).__name__}(dev_id={pdu.dev_id}, transaction_id={pdu.transaction_id}, "
        f"values={len(values)})"
    )


class FastHoldingResponse(ReadHoldingRegistersResponse):
    """FC 3 answer with ``registers`` as a big-endian uint16 array."""

    def decode(self, data: bytes) -> None:
        _registers(self, data)

    def __str__(self) -> str:
        return _summary(self)


class FastInputResponse(ReadInputRegistersResponse):
    """FC 4 answer with ``registers`` as a big-endian uint16 array."""

    def decode(self, data: bytes) -> None:
        _registers(self, data)

    def __str__(self) -> str:
        return _summary(self)


class FastCoilsResponse(ReadCoilsResponse):
    """FC 1 answer with ``bits`` as a bool array (padded to whole bytes)."""

    def decode(self, data: bytes) -> None:
        _bits(self, data)

    def __str__(self) -> str:
        return _summary(self)


class FastDiscreteResponse(ReadDiscreteInputsResponse):
    """FC 2 answer with ``bits`` as a bool array (padded to whole bytes)."""

    def decode(self, data: bytes) -> None:
        _bits(self, data)

    def __str__(self) -> str:
        return _summary(self)


def use_numpy_answers(client: Any) -> None:
    """Make ``client`` decode read answers (FC 1-4) into numpy arrays."""
    for pdu in (FastHoldingResponse, FastInputResponse, FastCoilsResponse, FastDiscreteResponse):
        client.register(pdu)
