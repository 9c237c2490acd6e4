"""The [sync] table: defaults, and every mistake reported with its key path by check-config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.config_loader import load_config
from tests.conftest import CONFIGS


def write(tmp_path: Path, sync: str) -> Path:
    path = tmp_path / "line.toml"
    path.write_text((CONFIGS / "sim_line.toml").read_text(encoding="utf-8") + sync)
    return path


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_minimal_sync_table_and_its_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '\n[sync]\nbroker = "mqtts://broker.example"\n'))
    sync = config.sync
    assert sync is not None and sync.enabled
    assert (sync.host, sync.port, sync.uses_tls) == ("broker.example", 8883, True)
    assert sync.interval_s == 60.0 and sync.topic_prefix == "shopfloor" and sync.protocol == "5"
    assert load_config(CONFIGS / "sim_line.toml").sync is None
    assert sync.https is None and sync.max_message_bytes is None
    table = '\n[sync]\nbroker = "mqtt://b"\n[sync.https]\nurl = "https://cloud.example/in"\n'
    https = load_config(write(tmp_path, table)).sync.https  # type: ignore[union-attr]
    assert https is not None and https.batch_size == 500 and https.token_env is None


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('broker = "http://x"', "sync.broker: 'http://x' is not a broker URL"),
        ('broker = "mqtt://:1883"', "sync.broker: 'mqtt://:1883' names no host"),
        ('broker = "mqtt://h:99999"', "sync.broker: 'mqtt://h:99999': the port must be"),
        ('broker = "mqtt://u:secret@h"', "sync.broker: put no credentials in the broker URL"),
        ('broker = "mqtt://h"\npassword = "secret"', "sync.password: unknown key"),
        ('broker = "mqtt://h"\npassword_env = "my secret!"', "sync.password_env:"),
        ('broker = "mqtt://h"\npassword_keyring = "no-user"', "sync.password_keyring:"),
        (
            'broker = "mqtt://h"\npassword_env = "PW"\npassword_keyring = "svc/user"',
            "sync.password_keyring: name the password once",
        ),
        ('broker = "mqtt://h"\ninterval_s = 0.1', "sync.interval_s:"),
        ('broker = "mqtt://h"\nprotocol = "4"', "sync.protocol:"),
        ('broker = "mqtt://h"\ntopic_prefix = "a/#"', "sync.topic_prefix: the topic prefix"),
        (
            'broker = "mqtt://h"\ntls = { ca_file = "/nowhere/ca.pem" }',
            "sync.tls.ca_file: no such file: /nowhere/ca.pem",
        ),
        (
            'broker = "mqtt://h"\ntls = { cert_file = "/etc/hostname" }',
            "sync.tls.key_file: a client certificate needs both",
        ),
        ("interval_s = 60", "sync.broker: required key is missing"),
        ('broker = "mqtt://h"\nmax_message_bytes = 10', "sync.max_message_bytes:"),
        (
            'broker = "mqtt://h"\n[sync.https]\nurl = "http://cloud.example/in"',
            "sync.https.url: 'http://cloud.example/in' is not an https:// URL",
        ),
        ('broker = "mqtt://h"\n[sync.https]\nbatch_size = 5', "sync.https.url: required key"),
        (
            'broker = "mqtt://h"\n[sync.https]\nurl = "https://c"\nca_file = "/nowhere.pem"',
            "sync.https.ca_file: no such file: /nowhere.pem",
        ),
        (
            'broker = "mqtt://h"\n[sync.https]\nurl = "https://c"\ntoken_env = "a b"',
            "sync.https.token_env:",
        ),
        (
            'broker = "mqtt://h"\n[sync.https]\nurl = "https://c"\nretry_min_s = 9\n'
            "retry_max_s = 2",
            "sync.https.retry_min_s: retry_min_s is larger than retry_max_s",
        ),
        (
            'broker = "mqtt://h"\n[sync.https]\nurl = "https://u:p@c"',
            "sync.https.url: put no credentials in the URL",
        ),
        ('broker = "mqtt://h"\n[sync.https]\nurl = "https://c"\nbatch = 5', "sync.https.batch:"),
        ('broker = "mqtt://h"\n[sync.sparkplug]\nedge_node_id = "x"', "sync.sparkplug.group_id:"),
        (
            'broker = "mqtt://h"\n[sync.sparkplug]\ngroup_id = "a/b"',
            "sync.sparkplug.group_id: 'a/b' may not contain",
        ),
        (
            'broker = "mqtt://h"\n[sync.sparkplug]\ngroup_id = "g"\nprimary_host_id = "scada/#"',
            "sync.sparkplug.primary_host_id: 'scada/#' may not contain",
        ),
        (
            'broker = "mqtt://h"\n[sync.sparkplug]\ngroup_id = "g"\nprimary_host_id = ""',
            "sync.sparkplug.primary_host_id:",
        ),
    ],
)
def test_check_config_names_the_key(tmp_path: Path, table: str, expected: str) -> None:
    result = check(write(tmp_path, f"\n[sync]\n{table}\n"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[[oee.shifts]]\nname = "day"\nstart = "06:00"\nend = "14:00"\n'
            'breaks = [{ start = "05:00", end = "05:30" }]',
            "oee.shifts[0].breaks[0]: the break 05:00-05:30 is not inside the shift 06:00-14:00",
        ),
        (
            '[oee]\ntimezone = "Mars/Olympus"\n[[oee.shifts]]\nname = "d"\nstart = "06:00"\n'
            'end = "14:00"',
            "oee.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            '[[oee.shifts]]\nname = "d"\nstart = "06:00"\nend = "14:00"\n'
            "[[oee.planned_stops]]\nstart = 2026-12-24T10:00:00\nend = 2026-12-24T09:00:00",
            "oee.planned_stops[0].end: a planned stop must end after it starts",
        ),
    ],
)
def test_check_config_names_the_oee_key(tmp_path: Path, table: str, expected: str) -> None:
    result = check(write(tmp_path, f"\n{table}\n"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_shift_calendar_loads(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '\n[oee]\ntimezone = "Asia/Seoul"\nholidays = [2026-12-25]\n'
            '[[oee.shifts]]\nname = "night"\nstart = "22:00"\nend = "06:00"\n',
        )
    )
    assert config.oee is not None and config.oee.shifts[0].length_min == 480


def test_the_example_is_valid() -> None:
    from tests.conftest import REPO

    result = check(REPO / "resources" / "examples" / "cluster_sync.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    config = load_config(REPO / "resources" / "examples" / "cluster_sync.toml")
    assert config.sync is not None and config.calendar is not None
    assert [s.name for s in config.shift_calendar.shifts] == ["day", "swing", "night"]
