"""Alarm definitions in the station config: natural TOML, clear key-path errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from app.alarms.definitions import build_definitions
from app.alarms.model import Kind, Priority
from app.config import ConfigError, StationConfig
from app.config.checks import reference_problems
from app.config_loader import load_config, parse_config
from app.messages import Message
from app.security import ALARM_OUT_OF_SERVICE, ALARM_SHELVE, Actor, StationUserPolicy, require
from app.tags import TagTable


def doc(alarms: dict[str, Any], extra_tags: list[dict[str, Any]] | None = None) -> dict:
    tags = [{"name": "state"}, {"name": "temp", "alarms": alarms}, *(extra_tags or [])]
    return {
        "station": {"company": "c", "site": "s", "line": "l", "station": "x"},
        "devices": [{"name": "oven", "driver": "simulated", "tags": tags}],
    }


def problems(alarms: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(doc(alarms))
    return info.value.problems


@pytest.mark.parametrize(
    ("alarms", "expected"),
    [
        (
            {"hh": {"limit": 700}, "h": {"limit": 720}},
            "devices[0].tags[1].alarms.hh.limit: HH limit 700 must be above the H limit 720",
        ),
        (
            {"h": {"limit": 50}, "ll": {"limit": 50}},
            "devices[0].tags[1].alarms.h.limit: H limit 50 must be above the LL limit 50",
        ),
        (
            {"deadband": -1},
            "devices[0].tags[1].alarms.deadband: Input should be greater than or equal to 0",
        ),
        (
            {"h": {"limit": 1, "deadband": -0.5}},
            "devices[0].tags[1].alarms.h.deadband: Input should be greater than or equal to 0",
        ),
        (
            {"h": {"limit": 1, "priority": "urgent"}},
            "devices[0].tags[1].alarms.h.priority: 'urgent' is not one of 'critical', 'high', "
            "'medium' or 'low'",
        ),
        ({"h": {"limit": 1, "bogus": 2}}, "devices[0].tags[1].alarms.h.bogus: unknown key"),
        ({"h": {"priority": "low"}}, "devices[0].tags[1].alarms.h.limit: required key is missing"),
        (
            {"discrete": [{"name": "jam"}]},
            "devices[0].tags[1].alarms.discrete[0]: a discrete alarm needs exactly one of "
            "'equals', 'in' or 'bit'",
        ),
        (
            {"discrete": [{"name": "h", "equals": 1}]},
            "devices[0].tags[1].alarms.discrete[0].name: 'h' is reserved",
        ),
        (
            {"discrete": [{"name": "j", "equals": 1}, {"name": "j", "bit": 3}]},
            "devices[0].tags[1].alarms.discrete[1].name: duplicate discrete alarm 'j'",
        ),
        (
            {"discrete": [{"name": "j", "bit": 64}]},
            "devices[0].tags[1].alarms.discrete[0].bit: Input should be less than or equal to 63",
        ),
        (
            {"rate": {"limit": 0}},
            "devices[0].tags[1].alarms.rate.limit: Input should be greater than 0",
        ),
        (
            {"rate": {"limit": 1, "per": "hour"}},
            "devices[0].tags[1].alarms.rate.per: 'hour' is not one of 's' or 'min'",
        ),
        (
            {"on_delay_s": -2},
            "devices[0].tags[1].alarms.on_delay_s: Input should be greater than or equal to 0",
        ),
        (
            {"suppress_when": {"tag": "state", "in": []}},
            "devices[0].tags[1].alarms.suppress_when.in: List should have at least 1 item",
        ),
    ],
)
def test_invalid_definitions_name_their_key(alarms: dict[str, Any], expected: str) -> None:
    found = problems(alarms)
    assert any(p.startswith(expected) for p in found), found


def test_references_to_missing_tags_are_reported_with_paths() -> None:
    data = doc(
        {
            "deviation": {"setpoint": "sp", "limit": 2},
            "suppress_when": {"tag": "press.state", "in": [0]},
            "h": {"limit": 5, "suppress_when": {"tag": "mode", "in": [1]}},
        }
    )
    expected = [
        "devices[0].tags[1].alarms.suppress_when.tag: no tag 'press.state' in this station",
        "devices[0].tags[1].alarms.h.suppress_when.tag: no tag 'oven.mode' in this station",
        "devices[0].tags[1].alarms.deviation.setpoint: no tag 'oven.sp' in this station",
    ]
    with pytest.raises(ConfigError) as info:
        parse_config(data)  # what check-config and every command see
    assert info.value.problems == expected
    config = StationConfig.model_validate(data)  # structurally valid, references broken
    assert reference_problems(config) == expected  # checked once, by the loader


def test_own_setpoint_is_refused() -> None:
    data = doc({"deviation": {"setpoint": "temp", "limit": 2}})
    expected = ["devices[0].tags[1].alarms.deviation.setpoint: a tag cannot be its own setpoint"]
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.problems == expected
    assert reference_problems(StationConfig.model_validate(data)) == expected


def _memory_gateway():
    from tests.alarm_support import open_gateway

    return open_gateway("sqlite://")


TOML = """
[station]
company = "ACME"
site = "Plant 1"
line = "Line 2"
station = "Oven"

[[devices]]
name = "oven"
title = "Curing oven"
driver = "simulated"
state_tag = "state"

[[devices.tags]]
name = "state"

[[devices.tags]]
name = "sp"
unit = "°C"

[[devices.tags]]
name = "temp"
unit = "°C"
description = "Zone 1 temperature"

[devices.tags.alarms]
deadband = 2.0
on_delay_s = 2
suppress_when = { tag = "state", in = [0, 4] }
h = { limit = 700, priority = "high" }
l = { limit = 150, priority = "low", on_delay_s = 30 }
deviation = { setpoint = "sp", limit = 15, priority = "medium" }
rate = { limit = 20, per = "min", direction = "above" }

[devices.tags.alarms.hh]
limit = 720
priority = "critical"
message = "Zone 1 far too hot"
response = "Stop the line and open the oven door"
latched = true

[[devices.tags.alarms.discrete]]
name = "burner_fault"
bit = 3
priority = "high"
response = "Reset the burner controller; call the gas fitter if it trips again"

[[devices.tags]]
name = "door"
type = "bool"
alarms = { discrete = [{ name = "open", equals = 1, priority = "low", off_delay_s = 5 }] }
"""


def test_documented_toml_shape_builds_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "oven.toml"
    path.write_text(TOML, encoding="utf-8")
    tomllib.loads(TOML)
    config = load_config(path)
    ids = TagTable(config).ids()
    defs = {d.alarm_id: d for d in build_definitions(config, ids)}
    assert sorted(defs) == [
        "oven.door.bad",
        "oven.door.open",
        "oven.temp.bad",
        "oven.temp.burner_fault",
        "oven.temp.deviation",
        "oven.temp.h",
        "oven.temp.hh",
        "oven.temp.l",
        "oven.temp.rate",
    ]
    hh = defs["oven.temp.hh"]
    assert (hh.priority, hh.latched, hh.deadband, hh.on_delay_s) == (
        Priority.CRITICAL,
        True,
        2.0,
        2.0,
    )
    assert hh.message == Message("alarm.custom", {"text": "Zone 1 far too hot"})
    assert hh.message.render() == "Zone 1 far too hot"
    assert hh.suppress_key == (ids["oven.state"], (0.0, 4.0))
    assert defs["oven.temp.l"].on_delay_s == 30
    assert defs["oven.temp.h"].message.id == "alarm.limit.h"
    assert defs["oven.temp.h"].message.render() == "Zone 1 temperature high: above 700 °C"
    assert defs["oven.temp.deviation"].params["setpoint_id"] == ids["oven.sp"]
    assert defs["oven.temp.rate"].params["limit"] == pytest.approx(20 / 60)
    assert defs["oven.temp.burner_fault"].kind == Kind.DISCRETE
    door = defs["oven.door.open"]
    assert (door.off_delay_s, door.suppress_key, door.priority) == (5.0, None, Priority.LOW)
    # Every alarmed tag has a bad-value alarm, as urgent as the most urgent alarm it blinds.
    assert (defs["oven.temp.bad"].kind, defs["oven.temp.bad"].priority) == (
        Kind.BAD_VALUE,
        Priority.CRITICAL,
    )
    assert defs["oven.door.bad"].priority == Priority.LOW


def test_disabled_alarms_and_devices_are_left_out() -> None:
    data = doc({"h": {"limit": 5, "enabled": False}, "l": {"limit": 1}})
    config = parse_config(data)
    assert [d.alarm_id for d in build_definitions(config, TagTable(config).ids())] == [
        "oven.temp.l",
        "oven.temp.bad",
    ]
    data["devices"][0]["enabled"] = False
    config = parse_config(data)
    assert build_definitions(config, TagTable(config).ids()) == []


def test_station_user_policy() -> None:
    policy = StationUserPolicy()
    anna = Actor.named(" anna ")
    assert anna.name == "anna"
    assert policy.may(anna, ALARM_SHELVE)
    assert not policy.may(anna, ALARM_OUT_OF_SERVICE)
    assert policy.may(Actor.named("bea", ["supervisor"]), ALARM_OUT_OF_SERVICE)
    assert not policy.may(anna, "station.delete")
    with pytest.raises(PermissionError, match=r"anna may not perform 'station\.delete'"):
        require(policy, anna, "station.delete")
    listed = StationUserPolicy(users=["Anna"])
    assert listed.may(anna, ALARM_SHELVE)  # names compare without case
    assert listed.why_not(Actor.named("eve"), ALARM_SHELVE) == "not a user of this station"
    with pytest.raises(ValueError, match="longer than 64"):
        Actor.named("x" * 65)
    with pytest.raises(ValueError, match="control characters"):
        Actor.named("an\nna")
