"""Loading a station config: read the TOML file, validate the schema, then the cross-checks.

The schema (:mod:`app.config`) is the leaf every layer may import; this module sits in the core
because two of its checks need the rest of the core: each device's driver validates its own
``connection`` table and tag addressing (found through the registry in :mod:`drivers`), and
:mod:`app.config.checks` looks across tables. A config is checked here once; everything
downstream trusts a :class:`~app.config.StationConfig` that came from here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config import (
    ConfigError,
    DeviceConfig,
    Location,
    StationConfig,
    TagConfig,
    format_location,
    validation_lines,
)
from app.config.checks import station_problems
from app.secrets import plain_secret_problem
from drivers import DriverLoadError, UnknownDriverError, driver_class

#: Deeper nesting than this is no station config (it is a mistake or an attack on the parser).
MAX_NESTING = 32


def read_toml(path: str | Path) -> dict[str, Any]:
    """The TOML document at ``path``; a :class:`ConfigError` for every way a file can be bad."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a UTF-8 BOM (Windows editors) is fine
    except FileNotFoundError:
        raise ConfigError(source, ["file not found"]) from None
    except IsADirectoryError:
        raise ConfigError(source, ["is a directory, not a config file"]) from None
    except UnicodeDecodeError as exc:
        line = text_line_of(path.read_bytes(), exc.start)
        raise ConfigError(source, [f"line {line}: not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise ConfigError(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"TOML syntax error: {exc}"]) from None
    except RecursionError:
        raise ConfigError(source, [f"nested deeper than {MAX_NESTING} levels"]) from None
    return data


def text_line_of(data: bytes, offset: int) -> int:
    """1-based line number of byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _nesting_problem(data: Any) -> str | None:
    """The key path where ``data`` nests deeper than :data:`MAX_NESTING`, or None."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_NESTING:
            return f"{format_location(loc[:MAX_NESTING])}: nested deeper than {MAX_NESTING} levels"
        if isinstance(value, dict):
            stack.extend((v, (*loc, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(value))
    return None


def parse_config(data: dict[str, Any], source: str = "<config>") -> StationConfig:
    """Validate an already-parsed TOML document; raise :class:`ConfigError` on any problem."""
    deep = _nesting_problem(data)
    if deep is not None:
        raise ConfigError(source, [deep])
    try:
        config = StationConfig.model_validate(data)
    except ValidationError as exc:
        # List every problem, not only the schema's: the drivers check what they can.
        raise ConfigError(source, validation_lines(exc) + _partial_driver_problems(data)) from None
    problems = driver_problems(config) + station_problems(config) + secret_problems(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def secret_problems(config: StationConfig) -> list[str]:
    """Credentials must be references (environment, keyring), never written in the file."""
    problems = []
    for key, url in (
        ("storage.url", config.storage.url),
        ("cluster.lead_db", config.cluster.lead_db),
    ):
        problem = plain_secret_problem(url)
        if problem is not None:
            problems.append(f"{key}: {problem}")
    return problems


def driver_problems(config: StationConfig) -> list[str]:
    """Let each device's driver check its connection settings and tag addressing."""
    problems: list[str] = []
    for index, device in enumerate(config.devices):
        try:
            cls = driver_class(device.driver)
        except (UnknownDriverError, DriverLoadError) as exc:
            problems.append(f"devices[{index}].driver: {exc}")
            continue
        for loc, message in cls.check_config(device):
            problems.append(f"{format_location(('devices', index, *loc))}: {message}")
    return problems


def _partial_driver_problems(data: dict[str, Any]) -> list[str]:
    """Driver problems of a document whose schema failed: of each device and tag that is valid.

    Unknown drivers are left to :func:`driver_problems` (they are reported once the schema holds).
    """
    devices = data.get("devices")
    if not isinstance(devices, list):
        return []
    problems: list[tuple[Location, str]] = []
    for index, raw in enumerate(devices):
        if not isinstance(raw, dict) or not isinstance(raw.get("driver"), str):
            continue
        try:
            cls = driver_class(raw["driver"])
        except (UnknownDriverError, DriverLoadError):
            continue
        where: Location = ("devices", index)
        try:
            device = DeviceConfig.model_validate(raw)
        except ValidationError:
            pass
        else:
            problems.extend(((*where, *loc), message) for loc, message in cls.check_config(device))
            continue
        if isinstance(raw.get("connection"), dict):
            problems.extend(
                ((*where, *loc), message)
                for loc, message in cls.connection_problems(raw["connection"])
            )
        tags = raw.get("tags")
        for t_index, raw_tag in enumerate(tags if isinstance(tags, list) else []):
            try:
                tag = TagConfig.model_validate(raw_tag)
            except ValidationError:
                continue  # the schema's report has it
            problems.extend(
                ((*where, "tags", t_index, *loc), message) for loc, message in cls.tag_problems(tag)
            )
    return [f"{format_location(loc)}: {message}" for loc, message in problems]


def load_config(path: str | Path) -> StationConfig:
    """Read and validate a station config file."""
    return parse_config(read_toml(path), str(path))
