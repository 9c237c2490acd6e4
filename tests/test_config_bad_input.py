"""Bad config input: a clear message with its key path, never a traceback, never a blind alarm."""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.config import ConfigError
from app.config_loader import load_config, parse_config
from tests.conftest import CONFIGS, REPO

HEADER = """
[station]
company = "Test Co"
site = "Lab"
line = "L1"
station = "WS-T"

[[devices]]
name = "press"
driver = "modbus-tcp"
connection = { host = "127.0.0.1", port = 5020 }
"""


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str) -> list[str]:
    """Run ``check-config`` on ``body``; exit 2 and the problem lines, never a traceback."""
    path = tmp_path / "station.toml"
    path.write_text(body, encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line.strip() for line in err.splitlines()[1:]]


@pytest.mark.parametrize(
    ("tag_keys", "expected"),
    [
        ("scale = nan", "devices[0].tags[0].scale: must be a finite number, not nan"),
        ("offset = -inf", "devices[0].tags[0].offset: must be a finite number, not -inf"),
        (
            "scale = 0.0",
            "devices[0].tags[0].scale: scale 0 would turn every reading into the offset",
        ),
        (
            "alarms = { h = { limit = nan } }",
            "devices[0].tags[0].alarms.h.limit: must be a finite number, not nan",
        ),
        (
            "alarms = { deadband = inf, l = { limit = 1 } }",
            "devices[0].tags[0].alarms.deadband: must be a finite number, not inf",
        ),
        (
            "detectors = { limits = { max = inf } }",
            "devices[0].tags[0].detectors.limits.max: must be a finite number, not inf",
        ),
        ("display_max = inf", "devices[0].tags[0].display_max: must be a finite number, not inf"),
    ],
)
def test_non_finite_numbers_are_config_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tag_keys: str, expected: str
) -> None:
    body = HEADER + f'\n[[devices.tags]]\nname = "force"\naddress = 0\n{tag_keys}\n'
    assert expected in check(tmp_path, capsys, body)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('enabled = "yes"', "devices[0].enabled: must be true or false, not 'yes'"),
        ("poll_period_s = true", "devices[0].poll_period_s: must be a number, not True"),
        ('timeout_s = "1"', "devices[0].timeout_s: must be a number, not '1'"),
    ],
)
def test_types_are_strict_no_silent_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    body = HEADER.replace('driver = "modbus-tcp"', f'driver = "modbus-tcp"\n{line}')
    body += '\n[[devices.tags]]\nname = "force"\naddress = 0\n'
    assert expected in check(tmp_path, capsys, body)


def test_an_address_written_as_a_float_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = HEADER + '\n[[devices.tags]]\nname = "force"\naddress = 0.0\n'
    assert check(tmp_path, capsys, body) == [
        "devices[0].tags[0].address: must be a whole number, not 0.0"
    ]


def test_messages_carry_no_class_names_and_no_empty_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = HEADER + '\n[[devices.tags]]\nname = "force"\naddress = 0\n"" = 3\n'
    assert check(tmp_path, capsys, body) == ['devices[0].tags[0]."": unknown key (is it misspelt?)']
    body = HEADER.replace("[[devices]]", "[[devices]]\ntags = [5]")
    problems = check(tmp_path, capsys, body)
    assert problems == ["devices[0].tags[0]: must be a table { ... }, not 5"]
    assert not any("TagConfig" in p or "instance of" in p for p in problems)


def test_deeply_nested_toml_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = HEADER + "x = " + "[" * 500 + "]" * 500 + "\n"
    assert check(tmp_path, capsys, body) == ["nested deeper than 32 levels"]
    nested: Any = 1
    for _ in range(40):
        nested = [nested]
    data = {"station": {"company": nested}}
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.problems[0].endswith("nested deeper than 32 levels")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (CONFIGS / "sim_line.toml").read_bytes())
    assert load_config(path).station.station


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_bytes((CONFIGS / "sim_line.toml").read_bytes() + b'\n# caf\xe9 = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = (CONFIGS / "sim_line.toml").read_bytes().count(b"\n") + 2
    assert info.value.problems == [f"line {lines}: not UTF-8 text (invalid continuation byte)"]


def test_a_real_process_reports_deep_nesting_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text(HEADER + "x = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "app", "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 2
    assert "nested deeper than 32 levels" in result.stderr
    assert "Traceback" not in result.stderr


# -- property: any mutation of a valid config is either valid or a list of clear problems ------

BASE: dict[str, Any] = tomllib.loads((REPO / "resources" / "demo" / "line.toml").read_text())

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = _paths(BASE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(PATHS), ODD_VALUES, st.sampled_from(["set", "delete", "key"])),
        min_size=1,
        max_size=4,
    )
)
def test_a_mutated_config_is_valid_or_clearly_wrong(
    mutations: list[tuple[tuple[Any, ...], Any, str]],
) -> None:
    data = copy.deepcopy(BASE)
    for path, value, how in mutations:
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            last = path[-1]
            if how == "set":
                parent[last] = value
            elif how == "delete":
                del parent[last]
            elif isinstance(parent, dict):
                parent[str(value)] = parent.pop(last)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    try:
        config = parse_config(data, "mutated.toml")
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            location, sep, message = problem.partition(": ")
            assert sep and location and message.strip(), problem
            assert "instance of" not in message and "Value error" not in message, problem
    else:
        assert config.devices
