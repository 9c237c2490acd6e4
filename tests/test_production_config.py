"""A machine's part counters (``production``): validated with key paths, shown on the tile."""

from __future__ import annotations

from typing import Any

import pytest

from app.config import ConfigError
from app.config_loader import load_config, parse_config
from resources import DEMO_CONFIG


def station(production: dict[str, Any], reject_type: str = "uint32") -> dict[str, Any]:
    return {
        "station": {"company": "c", "site": "s", "line": "l", "station": "st"},
        "devices": [
            {
                "name": "press",
                "driver": "simulated",
                "production": production,
                "tags": [
                    {"name": "parts_good", "type": "uint32", "signal": "counter"},
                    {"name": "parts_reject", "type": reject_type, "signal": "counter"},
                ],
            }
        ],
    }


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return caught.value.report().splitlines()[1:]


def test_a_production_table_names_its_counters_and_target() -> None:
    config = parse_config(
        station({"good": "parts_good", "reject": "parts_reject", "target_per_hour": 120})
    )
    production = config.device("press").production
    assert production is not None
    assert (production.good, production.reject, production.target_per_hour) == (
        "parts_good",
        "parts_reject",
        120,
    )
    assert parse_config(station({"good": "parts_good"})).device("press").production is not None


@pytest.mark.parametrize(
    ("production", "reject_type", "expected"),
    [
        ({"good": "parts_ok"}, "uint32", "devices[0].production.good: no tag named 'parts_ok'"),
        (
            {"good": "parts_good", "reject": "scrap"},
            "uint32",
            "devices[0].production.reject: no tag named 'scrap' in device 'press'",
        ),
        (
            {"good": "parts_good", "reject": "parts_reject"},
            "string",
            "devices[0].production.reject: tag 'parts_reject' is a string, not a count",
        ),
        (
            {"good": "parts_good", "target_per_hour": 0},
            "uint32",
            "devices[0].production.target_per_hour:",
        ),
        ({"good": "parts_good", "goal": 5}, "uint32", "devices[0].production.goal: unknown key"),
        ({"reject": "parts_reject"}, "uint32", "devices[0].production.good:"),
    ],
)
def test_bad_production_tables_are_reported_with_their_key_path(
    production: dict[str, Any], reject_type: str, expected: str
) -> None:
    lines = problems(station(production, reject_type))
    assert any(line.strip().startswith(expected) for line in lines), lines


def test_the_demo_machines_count_their_parts() -> None:
    config = load_config(DEMO_CONFIG)
    for device in config.devices:
        assert device.production is not None, device.name
        names = {t.name for t in device.tags}
        assert device.production.good in names and device.production.reject in names
