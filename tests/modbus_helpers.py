"""Helpers shared by the Modbus tests: device configs and a reference tag map."""

from __future__ import annotations

from typing import Any

from app.config import DeviceConfig

ORDERS = ("ABCD", "CDAB", "BADC", "DCBA")
NUMERIC = {
    "int16": -12345,
    "uint16": 54321,
    "int32": -123456789,
    "uint32": 3123456789,
    "int64": -1234567890123,
    "uint64": 9007199254740991,
    "float32": -1234.5,
    "float64": 3.141592653589793,
}


def reference_tags() -> list[dict[str, Any]]:
    """Every data type in every order, plus bits, coils, discrete inputs and strings.

    Each tag carries its expected value under ``expect`` (removed before validation).
    """
    tags: list[dict[str, Any]] = []
    address = 0
    for data_type, value in NUMERIC.items():
        for order in ORDERS:
            size = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}.get(
                data_type, 4
            )
            tags.append(
                {
                    "name": f"{data_type}_{order}",
                    "type": data_type,
                    "address": address,
                    "byte_order": order,
                    "expect": value,
                }
            )
            address += size
        address += 3  # a small gap, read through
    for table in ("holding", "input"):
        base = 500 if table == "holding" else 600
        tags.append(
            {
                "name": f"{table}_word",
                "type": "uint16",
                "table": table,
                "address": base,
                "expect": 0b1010_0000_0000_0101,
            }
        )
        for bit in (0, 1, 2, 15):
            tags.append(
                {
                    "name": f"{table}_bit{bit}",
                    "type": "bool",
                    "table": table,
                    "address": base,
                    "bit": bit,
                    "expect": float(bit in (0, 2, 15)),
                }
            )
    for order in ("ABCD", "BADC"):
        tags.append(
            {
                "name": f"text_{order}",
                "type": "string",
                "length": 5,
                "address": 700 + (0 if order == "ABCD" else 10),
                "byte_order": order,
                "expect": "SN-12345",
            }
        )
    for table, base in (("coil", 0), ("discrete", 40)):
        for i in range(20):
            tags.append(
                {
                    "name": f"{table}{i}",
                    "type": "bool",
                    "table": table,
                    "address": base + i,
                    "expect": float(i % 3 == 0),
                }
            )
    return tags


def device_config(
    driver: str,
    connection: dict[str, Any],
    tags: list[dict[str, Any]],
    name: str = "dev",
    **extra: Any,
) -> DeviceConfig:
    """A validated device config; ``expect`` keys are dropped."""
    clean = [{k: v for k, v in tag.items() if k != "expect"} for tag in tags]
    return DeviceConfig.model_validate(
        {"name": name, "driver": driver, "connection": connection, "tags": clean, **extra}
    )
