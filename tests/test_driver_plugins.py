"""A third-party driver, registered through the ``shopfloor.drivers`` entry-point group.

The plug-in is a real installed distribution (a ``.dist-info`` folder with ``entry_points.txt``
on ``sys.path``), found by :func:`importlib.metadata.entry_points` like any pip-installed one.
It brings its own connection and tag-address models; the station schema knows nothing of them.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import drivers
from app.config import ConfigError
from app.config_loader import parse_config

PLUGIN = '''
"""An OPC UA-like driver: tags are addressed by node id and namespace."""

from collections.abc import Sequence

import numpy as np
from pydantic import Field, field_validator

from app.config import StrictModel, TagConfig
from drivers.base import Driver, Readings


class NodeSettings(StrictModel):
    endpoint: str = Field(pattern=r"^opc\\.tcp://")


class NodeTag(StrictModel):
    node: str
    namespace: int = Field(default=2, ge=0, le=65535)

    @field_validator("node")
    @classmethod
    def _node_id(cls, value: str) -> str:
        if not value.startswith(("i=", "s=")):
            raise ValueError(f"node id {value!r} must start with 'i=' or 's='")
        return value


class NodeDriver(Driver):
    connection_model = NodeSettings
    tag_model = NodeTag

    def connect(self) -> None:
        pass

    def read(self, tags: Sequence[TagConfig]) -> Readings:
        return Readings(values=np.array([float(self.addresses[t.name].namespace) for t in tags]))

    def close(self) -> None:
        pass
'''


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[None]:
    (tmp_path / "nodedriver.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "nodedriver-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nodedriver\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """
            [shopfloor.drivers]
            opc-node = nodedriver:NodeDriver
            """
        )
    )
    sys.path.insert(0, str(tmp_path))
    drivers.available_drivers.cache_clear()
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("nodedriver", None)
        drivers.available_drivers.cache_clear()


def station(*tags: dict[str, object], connection: dict[str, object] | None = None) -> dict:
    return {
        "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
        "devices": [
            {
                "name": "oven",
                "driver": "opc-node",
                "connection": connection or {"endpoint": "opc.tcp://10.0.0.9:4840"},
                "tags": list(tags),
            }
        ],
    }


def test_the_plugin_is_found_through_its_entry_point(installed_plugin: None) -> None:
    assert drivers.available_drivers()["opc-node"] == "nodedriver:NodeDriver"
    config = parse_config(station({"name": "temp", "node": "s=Oven.Temp", "namespace": 3}))
    driver = drivers.driver_class("opc-node")(config.devices[0])
    driver.connect()
    assert driver.read(config.devices[0].tags).values.tolist() == [3.0]


def test_the_plugin_validates_its_own_tag_keys_with_key_paths(installed_plugin: None) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            station(
                {"name": "ok", "node": "i=85"},
                {"name": "typo", "nod": "i=85"},
                {"name": "bad", "node": "x=1", "namespace": 70000},
                {"name": "modbus_key", "node": "i=1", "address": 3},
                connection={"endpoint": "http://nope"},
            )
        )
    assert sorted(info.value.problems) == sorted(
        [
            "devices[0].connection.endpoint: String should match pattern '^opc\\.tcp://'",
            "devices[0].tags[1].node: required key is missing",
            "devices[0].tags[1].nod: unknown key (is it misspelt?)",
            "devices[0].tags[2].node: node id 'x=1' must start with 'i=' or 's='",
            "devices[0].tags[2].namespace: Input should be less than or equal to 65535",
            "devices[0].tags[3].address: unknown key (is it misspelt?)",
        ]
    )


def test_without_the_plugin_the_driver_name_is_unknown() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(station({"name": "temp", "node": "i=1"}))
    (problem,) = info.value.problems
    assert problem.startswith("devices[0].driver: unknown driver 'opc-node' (available: ")
