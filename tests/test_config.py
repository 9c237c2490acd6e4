"""Station config validation: every user error names its key path, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.config import ConfigError
from app.config_loader import load_config
from tests.conftest import CONFIGS

HEADER = """
[station]
company = "Test Co"
site = "Lab"
line = "L1"
station = "WS-T"
"""

DEVICE = """
[[devices]]
name = "press"
driver = "simulated"
"""


MODBUS_DEVICE = """
[[devices]]
name = "press"
driver = "modbus-tcp"
connection = { host = "127.0.0.1", port = 5020 }
"""


def tag(name: str, extra: str = "") -> str:
    return f'\n  [[devices.tags]]\n  name = "{name}"\n  signal = "constant"\n{extra}\n'


def register(name: str, extra: str = "") -> str:
    """A Modbus tag: its addressing keys belong to the modbus driver."""
    return f'\n  [[devices.tags]]\n  name = "{name}"\n  address = 0\n{extra}\n'


GOOD_DEVICE = DEVICE + tag("force")

# (file body, exact expected problem line)
CASES: list[tuple[str, str]] = [
    (
        HEADER
        + GOOD_DEVICE
        + MODBUS_DEVICE.replace("press", "mill")
        + register("a")
        + register("b")
        + register("c")
        + '\n  [[devices.tags]]\n  name = "d"\n  address = 70000\n',
        "devices[1].tags[3].address: register 70000 is outside 0..65535",
    ),
    (
        HEADER + "stattion_id = 3\n" + GOOD_DEVICE,
        "station.stattion_id: unknown key (is it misspelt?)",
    ),
    (
        HEADER.replace('company = "Test Co"\n', "") + GOOD_DEVICE,
        "station.company: required key is missing",
    ),
    (
        HEADER
        + GOOD_DEVICE.replace(
            'driver = "simulated"', 'driver = "simulated"\npoll_period_s = "fast"'
        ),
        "devices[0].poll_period_s: must be a number, not 'fast'",
    ),
    (
        HEADER
        + GOOD_DEVICE.replace('driver = "simulated"', 'driver = "simulated"\npoll_period_s = -1'),
        "devices[0].poll_period_s: Input should be greater than 0",
    ),
    (
        HEADER + GOOD_DEVICE + tag("force"),
        "devices[0].tags[1].name: duplicate tag name 'force'",
    ),
    (
        HEADER + DEVICE + tag("force", '  poll_group = "fast"'),
        "devices[0].tags[0].poll_group: unknown poll group 'fast' (known: default)",
    ),
    (
        HEADER + DEVICE + tag("force", '  type = "float16"'),
        "devices[0].tags[0].type: 'float16' is not one of 'bool', 'int16', 'uint16', 'int32', "
        "'uint32', 'int64', 'uint64', 'float32', 'float64' or 'string'",
    ),
    (
        HEADER + MODBUS_DEVICE + register("label", '  type = "string"'),
        "devices[0].tags[0].length: a string tag needs 'length' (registers)",
    ),
    (
        HEADER + DEVICE + tag("2nd-axis"),
        "devices[0].tags[0].name: '2nd-axis' is not a valid name: start with a letter, then "
        "letters, digits, '_' or '-'",
    ),
    (
        HEADER
        + GOOD_DEVICE.replace('driver = "simulated"', 'driver = "simulated"\nstate_tag = "status"'),
        "devices[0].state_tag: no tag named 'status' in this device",
    ),
    (
        HEADER + MODBUS_DEVICE + register("force", "  adress = 12"),
        "devices[0].tags[0].adress: unknown key (is it misspelt?)",
    ),
    (
        HEADER + DEVICE + tag("force", "  address = 12"),
        "devices[0].tags[0].address: unknown key (is it misspelt?)",
    ),
    (
        HEADER + MODBUS_DEVICE + register("force", '  type = "bool"\n  bit = 16'),
        "devices[0].tags[0].bit: bit 16 is outside 0..15",
    ),
    (
        HEADER + MODBUS_DEVICE + register("force", '  table = "coil"\n  type = "float32"'),
        "devices[0].tags[0].type: table 'coil' holds bits: type must be 'bool'",
    ),
    (
        HEADER + GOOD_DEVICE.replace('"simulated"', '"modbus-tcpp"'),
        "devices[0].driver: unknown driver 'modbus-tcpp' (available: modbus-rtu, modbus-tcp, "
        "serial-ascii, simulated)",
    ),
    (
        HEADER + GOOD_DEVICE.replace('signal = "constant"', 'signal = "sawtooth"'),
        "devices[0].tags[0].signal: unknown signal shape 'sawtooth' (shapes: sine, square, ramp, "
        "noise, random_walk, counter, constant)",
    ),
    (
        HEADER
        + GOOD_DEVICE.replace(
            'driver = "simulated"', 'driver = "simulated"\nconnection = { sed = 1 }'
        ),
        "devices[0].connection.sed: unknown key (is it misspelt?)",
    ),
    (HEADER, "devices: required key is missing"),
    (
        HEADER + "[[devices]\n",
        "TOML syntax error: Expected ']]' at the end of an array declaration "
        "(at line 7, column 10)",
    ),
]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[c[1].split(":")[0] for c in CASES])
def test_each_problem_is_reported_with_its_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"  {expected}\n" in err
    assert "Traceback" not in err


def test_every_problem_is_listed_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        HEADER
        + MODBUS_DEVICE
        + '\n  [[devices.tags]]\n  name = "a"\n  address = 70000\n  type = "bool"\n  bit = 20\n'
        + register("b", "  unit = 5")
    )
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"{path}: 3 problems"
    assert "devices[0].tags[0].address: register 70000 is outside 0..65535" in err
    assert "devices[0].tags[0].bit: bit 20 is outside 0..15" in err
    assert "devices[0].tags[1].unit: must be text in quotes, not 5" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml: 1 problem\n  file not found" in capsys.readouterr().err


def test_valid_config_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(CONFIGS / "sim_line.toml")]) == 0
    assert "OK (2 devices, 4 tags)" in capsys.readouterr().out


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(CASES[0][0], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "app", "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "devices[1].tags[3].address: register 70000 is outside 0..65535" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_error_object_carries_problems(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(CASES[0][0], encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == ["devices[1].tags[3].address: register 70000 is outside 0..65535"]
