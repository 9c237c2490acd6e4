"""Modbus RTU framing facts: CRC-16 and the length of a read answer."""

from __future__ import annotations

from drivers.modbus.blocks import BIT_TABLES

REQUEST_BYTES = 8  # unit, function, address (2), count (2), CRC (2)


def crc16(data: bytes) -> int:
    """Modbus RTU CRC-16 (polynomial 0xA001, initial value 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def answer_bytes(table: str, count: int) -> int:
    """Length of the RTU answer to a read of ``count`` values."""
    data = (count + 7) // 8 if table in BIT_TABLES else 2 * count
    return 5 + data  # unit, function, byte count, data, CRC (2)


def expected_length(frame: bytes) -> int | None:
    """Length of a read (FC 1-4) or exception answer from its first 3 bytes; None if unknown."""
    if len(frame) < 3:
        return None
    if frame[1] & 0x80:
        return 5
    return 3 + frame[2] + 2
