"""Modbus RTU framing facts: CRC-16, request frames and the length of an answer."""

from __future__ import annotations

import struct

from drivers.modbus.blocks import BIT_TABLES, FUNCTION_CODES

REQUEST_BYTES = 8  # unit, function, address (2), count (2), CRC (2)
#: Function codes whose normal answer echoes address and value / quantity (8 bytes).
WRITE_CODES = frozenset({5, 6, 15, 16})


def crc16(data: bytes) -> int:
    """Modbus RTU CRC-16 (polynomial 0xA001, initial value 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(body: bytes) -> bytes:
    """``body`` followed by its CRC (low byte first)."""
    return body + crc16(body).to_bytes(2, "little")


def crc_ok(frame: bytes) -> bool:
    """True when the last two bytes of ``frame`` are the CRC of the rest."""
    return len(frame) >= 4 and crc16(frame[:-2]) == int.from_bytes(frame[-2:], "little")


def data_bytes(table: str, count: int) -> int:
    """Data bytes of the answer to a read of ``count`` values (bits round up to whole bytes)."""
    return (count + 7) // 8 if table in BIT_TABLES else 2 * count


def answer_bytes(table: str, count: int) -> int:
    """Length of the RTU answer to a read of ``count`` values."""
    return 5 + data_bytes(table, count)  # unit, function, byte count, data, CRC (2)


def read_request(unit: int, table: str, start: int, count: int) -> bytes:
    """The RTU frame of a read (FC 1-4)."""
    return with_crc(struct.pack(">BBHH", unit, FUNCTION_CODES[table], start, count))


def expected_length(frame: bytes) -> int | None:
    """Length of an answer from its first 3 bytes; None if unknown (or fewer than 3 bytes).

    Exception answers are 5 bytes, reads (FC 1-4) carry a byte count, writes (FC 5, 6, 15, 16)
    echo 4 bytes of the request.
    """
    if len(frame) < 3:
        return None
    function = frame[1]
    if function & 0x80:
        return 5
    if function in (1, 2, 3, 4):
        return 3 + frame[2] + 2
    if function in WRITE_CODES:
        return 8
    return None
