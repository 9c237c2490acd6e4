"""``shopfloor poll`` against real servers: values, scaling, quality, JSON and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from app.cli import main
from tests.conftest import REPO, free_tcp_port
from tests.servers.modbus_server import ModbusTcpServer
from tests.servers.ptypair import PtyPair

STATION = """
[station]
company = "ACME"
site = "Plant 1"
line = "L1"
station = "S1"
"""


def modbus_device(name: str, port: int) -> str:
    return f"""
[[devices]]
name = "{name}"
driver = "modbus-tcp"
timeout_s = 0.3
connection = {{ host = "127.0.0.1", port = {port}, device_id = 1 }}
tags = [
  {{ name = "temp", type = "int16", address = 0, scale = 0.1, unit = "degC" }},
  {{ name = "speed", type = "float32", address = 2, byte_order = "CDAB", unit = "rpm" }},
  {{ name = "running", type = "bool", table = "coil", address = 7 }},
  {{ name = "recipe", type = "string", address = 10, length = 4 }},
]
"""


@pytest.fixture
def server() -> Iterator[ModbusTcpServer]:
    with ModbusTcpServer() as srv:
        srv.memory.set_value("holding", 0, 215, "int16")
        srv.memory.set_value("holding", 2, 1450.5, "float32", "CDAB")
        srv.memory.set_value("coil", 7, True, "bool")
        srv.memory.set_value("holding", 10, "PX-7", "string", length=4)
        yield srv


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(STATION + text)
    return path


def test_all_good_prints_scaled_values(
    server: ModbusTcpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, modbus_device("press", server.port))
    assert main(["poll", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line.split() for line in out.splitlines()[1:]}
    assert lines["temp"][2:5] == ["21.5", "degC", "good"]
    assert lines["speed"][2:5] == ["1450.5", "rpm", "good"]
    assert lines["running"][2:4] == ["1", "good"]
    assert lines["recipe"][2:4] == ["PX-7", "good"]


def test_json_and_exit_1_when_a_device_is_down(
    server: ModbusTcpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.faults.exceptions = [("holding", 10, 13, 4)]
    text = modbus_device("press", server.port) + modbus_device("dead", free_tcp_port())
    config = write(tmp_path, text)
    assert main(["poll", "--config", str(config), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert all(set(r) == {"device", "tag", "value", "unit", "quality", "error"} for r in rows)
    by_key = {(r["device"], r["tag"]): r for r in rows}
    assert by_key[("press", "temp")]["value"] == pytest.approx(21.5)
    assert by_key[("press", "temp")]["error"] is None
    assert by_key[("press", "recipe")]["quality"] == "bad"
    assert "exception 04" in by_key[("press", "recipe")]["error"]
    dead = [r for r in rows if r["device"] == "dead"]
    assert len(dead) == 4
    assert all(r["quality"] == "bad" and r["error"].startswith("refused") for r in dead)


def test_one_device_only(
    server: ModbusTcpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = modbus_device("press", server.port) + modbus_device("dead", free_tcp_port())
    config = write(tmp_path, text)
    assert main(["poll", "--config", str(config), "--device", "press", "--json"]) == 0
    assert {r["device"] for r in json.loads(capsys.readouterr().out)} == {"press"}
    assert main(["poll", "--config", str(config), "--device", "nope"]) == 2
    assert "no device named 'nope' (devices: press, dead)" in capsys.readouterr().err


def test_disabled_devices_are_skipped_unless_named(
    server: ModbusTcpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = modbus_device("dead", free_tcp_port()).replace(
        'driver = "modbus-tcp"', 'driver = "modbus-tcp"\nenabled = false'
    )
    config = write(tmp_path, modbus_device("press", server.port) + dead)
    assert main(["poll", "--config", str(config), "--json"]) == 0
    assert {r["device"] for r in json.loads(capsys.readouterr().out)} == {"press"}
    assert main(["poll", "--config", str(config), "--device", "dead"]) == 1
    assert "refused" in capsys.readouterr().out


def test_missing_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_bad_config_exits_2_with_key_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = """
[[devices]]
name = "press"
driver = "modbus-tcp"
connection = { port = 502, device_id = 300 }
tags = [ { name = "temp", type = "int16" } ]
"""
    config = write(tmp_path, text)
    assert main(["poll", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "devices[0].connection.host: required key is missing" in err
    assert "devices[0].connection.device_id:" in err
    assert "devices[0].tags[0].address: a Modbus tag needs 'address'" in err


def test_streaming_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with PtyPair() as pty:
        text = f"""
[[devices]]
name = "scale"
driver = "serial-ascii"
poll_period_s = 0.2
connection = {{ port = "{pty.a}", template = "{{status}},GS,{{weight}}kg" }}
tags = [
  {{ name = "weight", type = "float64", unit = "kg" }},
  {{ name = "status", type = "string" , field = "status"}},
]
"""
        config = write(tmp_path, text)
        instrument = serial.Serial(pty.b, 9600)
        stop = threading.Event()

        def stream() -> None:
            while not stop.wait(0.05):
                instrument.write(b"ST,GS,  2.5kg\r\n")

        thread = threading.Thread(target=stream)
        thread.start()
        try:
            assert main(["poll", "--config", str(config), "--json"]) == 0
        finally:
            stop.set()
            thread.join()
            instrument.close()
    rows = json.loads(capsys.readouterr().out)
    assert [(r["tag"], r["value"]) for r in rows] == [("weight", 2.5), ("status", "ST")]


def test_console_entry_point(server: ModbusTcpServer, tmp_path: Path) -> None:
    config = write(tmp_path, modbus_device("press", server.port))
    done = subprocess.run(
        [sys.executable, "-m", "app", "poll", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 4
