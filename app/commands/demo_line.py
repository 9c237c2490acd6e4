"""The demo line for a window: the plant simulator on a free local port and the demo config
aimed at it (shared by ``shopfloor demo`` and the first start of ``shopfloor gui``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.config import StationConfig
from app.config_loader import load_config
from resources import DEMO_CONFIG

if TYPE_CHECKING:
    from drivers.simulator import PlantSimulator


def point_at(config: StationConfig, host: str, port: int) -> StationConfig:
    """The demo config with every Modbus TCP device aimed at the simulator's port."""
    devices = [
        device.model_copy(update={"connection": {**device.connection, "host": host, "port": port}})
        if device.driver == "modbus-tcp"
        else device
        for device in config.devices
    ]
    return config.model_copy(update={"devices": devices})


def start_demo_line(
    seed: int = 1, scenario: str = "default", speed: float = 1.0
) -> tuple[PlantSimulator, StationConfig]:
    """Start the simulator serving Modbus TCP on 127.0.0.1 (a free port); the config that
    reads it. Raises ConfigError, ScenarioError or ValueError; stop the simulator after use."""
    from drivers.simulator import PlantSimulator

    config = load_config(DEMO_CONFIG)
    sim = PlantSimulator(seed=seed, scenario=scenario, speed=speed)
    sim.start()
    try:
        server = sim.serve_modbus_tcp("127.0.0.1", 0)
    except BaseException:
        sim.stop()
        raise
    return sim, point_at(config, "127.0.0.1", server.port)
