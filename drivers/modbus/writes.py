"""Raw values -> registers for writes: the checks a value must pass before it is sent."""

from __future__ import annotations

import numpy as np

from drivers.modbus.addressing import ModbusPoint
from drivers.modbus.codec import NUMPY_TYPES, encode_string, encode_value


def as_bool(raw: float | int | str | bool) -> bool:
    """A bool from 1/0, true/false, on/off, yes/no; ValueError otherwise."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in ("1", "true", "on", "yes"):
            return True
        if text in ("0", "false", "off", "no"):
            return False
        raise ValueError(f"not a bool: {raw!r} (use 1/0, true/false, on/off)")
    if raw not in (0, 1):
        raise ValueError(f"not a bool: {raw!r} (use 1 or 0)")
    return bool(raw)


def encode_raw(tag: ModbusPoint, raw: float | int | str | bool, encoding: str) -> list[int]:
    """Registers holding ``raw`` as ``tag``'s type and order; ValueError if it cannot."""
    if tag.data_type == "string":
        text = str(raw)
        data = text.encode(encoding)
        if len(data) > 2 * tag.register_count:
            raise ValueError(f"{text!r} is longer than {2 * tag.register_count} bytes")
        return encode_string(text, tag.register_count, tag.byte_order, encoding)
    if tag.data_type == "bool":
        return [int(as_bool(raw))]
    if tag.data_type in ("float32", "float64"):
        number = float(raw)
        if tag.data_type == "float32" and np.isfinite(number) and abs(number) > 3.4028235e38:
            raise ValueError(f"{number} does not fit a float32")
        return encode_value(number, tag.data_type, tag.byte_order)
    if isinstance(raw, str):
        raw = int(raw) if raw.strip().lstrip("+-").isdigit() else float(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(f"{raw} is not a whole number ({tag.data_type})")
        raw = int(raw)
    info = np.iinfo(NUMPY_TYPES[tag.data_type])
    if not info.min <= raw <= info.max:
        raise ValueError(f"{raw} is outside {tag.data_type} ({info.min}..{info.max})")
    return encode_value(int(raw), tag.data_type, tag.byte_order)
