"""Write a station config as TOML (what the new-station setup saves).

Only the shapes a station file uses: tables of scalars, inline tables for a device's
``connection``, arrays of tables for ``devices`` and their ``tags``. The text is checked by
reading it back through :func:`app.config_loader.parse_config` before it is written, so a saved
file always loads.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from app.config import StationConfig
from app.config_loader import parse_config

_BARE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _key(name: str) -> str:
    return name if name and set(name) <= _BARE else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written to a station file")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _table(lines: list[str], header: str, data: dict[str, Any]) -> None:
    lines.append(header)
    for name, value in data.items():
        if value is None or (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        lines.append(f"{_key(name)} = {_value(value)}")


def to_toml(data: dict[str, Any]) -> str:
    """A station document (``station``, optional ``storage``, ``devices`` with ``tags``)."""
    lines: list[str] = ["# Station config written by the ShopFloor Monitor setup."]
    for section in ("station", "storage"):
        if data.get(section):
            lines.append("")
            _table(lines, f"[{section}]", data[section])
    for device in data.get("devices", []):
        lines.append("")
        _table(lines, "[[devices]]", device)
        for tag in device.get("tags", []):
            lines.append("")
            _table(lines, "  [[devices.tags]]", tag)
    return "\n".join(lines) + "\n"


def write_config(data: dict[str, Any], path: str | Path) -> StationConfig:
    """Check ``data`` as a station config, then write it to ``path`` atomically.

    Raises :class:`app.config.ConfigError` (every problem with its key path) and writes nothing
    when the config would not load.
    """
    text = to_toml(data)
    config = parse_config(tomllib.loads(text), str(path))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".station-", suffix=".toml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return config
