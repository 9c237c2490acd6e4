"""``shopfloor simulate``: a real run stopped by SIGTERM, and the bad-argument path."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymodbus.client import ModbusTcpClient

from app.cli import main
from tests.conftest import free_tcp_port

REPO = Path(__file__).resolve().parents[1]


def test_simulate_serves_until_sigterm_and_exits_zero() -> None:
    port = free_tcp_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "simulate",
            "--modbus-tcp",
            f"127.0.0.1:{port}",
            "--seed",
            "3",
            "--scenario",
            "none",
            "--speed",
            "2",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = []
        while not banner or not banner[-1].startswith("Running"):
            line = proc.stdout.readline()
            assert line, f"simulate exited early: {proc.stderr.read() if proc.stderr else ''}"
            banner.append(line)
        assert f"Modbus TCP 127.0.0.1:{port}" in "".join(banner)
        client = ModbusTcpClient("127.0.0.1", port=port, timeout=1.0, retries=1)
        assert client.connect()
        try:
            for device_id in (1, 2, 3, 4):
                response = client.read_holding_registers(0, count=1, device_id=device_id)
                assert not response.isError()
                assert response.registers == [1]  # running
        finally:
            client.close()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Stopped after" in out


def test_duration_ends_the_run_and_faults_are_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler_before = signal.getsignal(signal.SIGINT)
    started = time.monotonic()
    argv = ["simulate", "--modbus-tcp", "127.0.0.1:0", "--duration", "1.5", "--speed", "100"]
    code = main([*argv, "--scenario", "bearing_wear"])
    assert code == 0
    assert time.monotonic() - started < 5.0
    out = capsys.readouterr().out
    assert "scenario 'bearing_wear'" in out and "Stopped after" in out
    assert "cnc: bearing_wear begins" in out  # starts at 30 s simulated = 0.3 s here
    assert signal.getsignal(signal.SIGINT) is handler_before  # handlers given back


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--modbus-tcp", "localhost"], "--modbus-tcp 'localhost': expected HOST:PORT"),
        (["--modbus-tcp", "127.0.0.1:70000"], "port 70000 is outside 0..65535"),
        (["--scenario", "earthquake"], "unknown scenario 'earthquake'"),
        (["--scenario", "missing.toml"], "missing.toml: scenario file not found"),
        (["--speed", "fast"], "--speed 'fast' is not a number"),
        (["--speed", "0"], "--speed must be above zero"),
        (["--duration", "-3"], "--duration must be above zero"),
        (["--modbus-rtu", "/dev/no-such-tty"], "serial port /dev/no-such-tty does not exist"),
        (["--ascii", "/dev/no-such-tty"], "serial port /dev/no-such-tty does not exist"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("shopfloor simulate: ")
    assert message in err


def test_port_in_use_gives_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["simulate", "--modbus-tcp", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"shopfloor simulate: TCP port {port} on 127.0.0.1 is already in use"
