"""The station config: schema, error report and cross-table checks (the leaf of the core).

Nothing here imports the engine, the drivers or the views. Reading a file and letting each
device's driver check its own settings is :func:`app.config_loader.load_config`.
"""

from app.config.base import IDENTIFIER, Identifier, StrictModel
from app.config.calendar import CalendarConfig
from app.config.errors import (
    ConfigError,
    LocatedError,
    Location,
    format_location,
    validation_lines,
    validation_problems,
)
from app.config.oee import OeeConfig
from app.config.schema import (
    DataType,
    DeviceConfig,
    MachineState,
    ProductionConfig,
    SecurityConfig,
    StateCategory,
    StationConfig,
    StationInfo,
    StorageConfig,
    TagConfig,
    implied_category,
)
from app.config.sync import SyncConfig, TlsConfig

__all__ = [
    "IDENTIFIER",
    "CalendarConfig",
    "ConfigError",
    "DataType",
    "DeviceConfig",
    "Identifier",
    "LocatedError",
    "Location",
    "MachineState",
    "OeeConfig",
    "ProductionConfig",
    "SecurityConfig",
    "StateCategory",
    "StationConfig",
    "StationInfo",
    "StorageConfig",
    "StrictModel",
    "SyncConfig",
    "TagConfig",
    "TlsConfig",
    "format_location",
    "implied_category",
    "validation_lines",
    "validation_problems",
]
