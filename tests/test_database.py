"""The one database opener: file permissions and the start-up check of the database URL."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.storage.database import check_database_url, open_database
from tests.conftest import CONFIGS, REPO


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "station.db"
    db = open_database(path)
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with db.connect() as conn:  # a reader: the -shm file exists while a connection is open
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        assert mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            assert side.exists() and mode(side) == 0o600, suffix
    db.dispose()
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == mode(tmp_path)  # untouched: it existed


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    open_database(shared / "station.db").dispose()
    assert mode(shared) == 0o755
    assert mode(shared / "station.db") == 0o600


def test_the_default_database_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db = open_database()
    path = Path(db.url.database or "")
    db.dispose()
    assert path.parent == tmp_path / "data" / "ShopFloorMonitor"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nosuch://x", "unknown database kind 'nosuch'"),
        ("://x", "'://x' is not a database URL"),
        ("postgresql://anna@db:port/station", "is not a database URL"),
        ("postgresql://anna@db.example/station", "needs the Python database driver 'psycopg2'"),
        ("sqlite:////proc/x.db", "cannot write to the database directory /proc"),
        ("sqlite:////proc/sub/x.db", "cannot create the database directory /proc/sub"),
    ],
)
def test_unusable_urls_are_explained_in_one_sentence(url: str, expected: str) -> None:
    problem = check_database_url(url)
    assert problem is not None and expected in problem
    assert "\n" not in problem


def test_usable_urls_pass_and_nothing_is_created(tmp_path: Path) -> None:
    assert check_database_url(f"sqlite:///{tmp_path / 'a' / 'b' / 'station.db'}") is None
    assert not (tmp_path / "a").exists()
    assert check_database_url(tmp_path / "station.db") is None
    assert check_database_url("sqlite://") is None


def test_a_file_in_place_of_the_directory(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    problem = check_database_url(f"sqlite:///{tmp_path / 'plain' / 'station.db'}")
    assert problem is not None and "is a file" in problem


def test_a_read_only_database_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "station.db"
    open_database(path).dispose()
    path.chmod(0o444)
    if os.geteuid() == 0:
        # root writes to any file; see the file as the station's (non-root) user would.
        real_access = os.access
        monkeypatch.setattr(
            os,
            "access",
            lambda p, m: real_access(p, m) and not (m & os.W_OK and not mode(Path(p)) & 0o200),
        )
    problem = check_database_url(path)
    assert problem == f"the database file {path} is read-only; the station must write to it"


def shopfloor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def config_with_url(tmp_path: Path, url: str) -> Path:
    text = (CONFIGS / "sim_line.toml").read_text()
    path = tmp_path / "station.toml"
    path.write_text(text.replace("[[devices]]", f'[storage]\nurl = "{url}"\n\n[[devices]]', 1))
    return path


def test_check_config_reports_an_unusable_database_url(tmp_path: Path) -> None:
    config = config_with_url(tmp_path, "nosuch://x")
    result = shopfloor("check-config", str(config))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{config}: 1 problem",
        "  storage.url: 'nosuch://x': unknown database kind 'nosuch'",
    ]
    usable = config_with_url(tmp_path, f"sqlite:///{tmp_path / 'ok.db'}")
    assert shopfloor("check-config", str(usable)).returncode == 0


@pytest.mark.parametrize("command", [["run", "--headless"], ["gui"], ["run"]])
def test_run_and_gui_refuse_an_unusable_database_without_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    result = shopfloor(
        *command, "--config", str(CONFIGS / "sim_line.toml"), "--db", "sqlite:////proc/x.db"
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "shopfloor: cannot use the station database (--db): cannot write to the database "
        "directory /proc: " + result.stderr.split("/proc: ")[1].strip()
    ]


def test_demo_refuses_an_unusable_database(tmp_path: Path) -> None:
    result = shopfloor("demo", "--db", "postgresql://anna@db.example/station", "--quit-after", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "needs the Python database driver 'psycopg2', which is not installed" in result.stderr


def test_run_cannot_create_its_tables_in_a_locked_database_and_says_so(tmp_path: Path) -> None:
    from tests.db_support import LockHolder

    db = tmp_path / "station.db"
    open_database(db).dispose()  # an empty database: the station must create its tables
    with LockHolder(db, 30.0):
        result = shopfloor(
            "run",
            "--headless",
            "--duration",
            "1",
            "--config",
            str(CONFIGS / "sim_line.toml"),
            "--db",
            f"sqlite:///{db}",
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "shopfloor: cannot open the station database: database is locked"
    )
