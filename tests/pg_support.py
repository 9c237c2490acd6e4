"""A real PostgreSQL server for the tests, started from Debian's ``postgresql`` package.

``initdb`` and ``pg_ctl`` put a throw-away cluster in a temporary directory, listening on a free
loopback port (trust authentication, fsync off: it only lives for the session). PostgreSQL
refuses to run as root, and the tests run as root here and in CI, so as root the server runs as
the package's ``postgres`` user, or a system user ``shopfloor-pg`` made with ``useradd`` when
that is missing. ``history_url`` runs a test once on SQLite and once on PostgreSQL, each time in
a fresh database. Without PostgreSQL the PostgreSQL runs are skipped with the reason, except in
CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import free_tcp_port

FALLBACK_USER = "shopfloor-pg"
_names = itertools.count()


def postgres_bin() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<version>/bin`` with initdb and pg_ctl."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found and (found[-1].parent / "initdb").exists():
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def server_user() -> str | None:
    """Who runs the server: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_USER):
        if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        check=True,
        capture_output=True,
    )
    return FALLBACK_USER


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the PostgreSQL tests (run.sh installs postgresql)")
    pytest.skip(reason)


class PostgresServer:
    """A cluster in ``root`` on ``port``; :meth:`new_database` gives each test its own."""

    def __init__(self, bin_dir: Path, user: str | None) -> None:
        self.bin = bin_dir
        self.user = user
        self.root = Path(tempfile.mkdtemp(prefix="shopfloor-pg-"))
        self.data = self.root / "data"
        self.port = free_tcp_port()
        if user is not None:
            shutil.chown(self.root, user)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                         "-E", "UTF8", "--no-sync")  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        # -w: pg_ctl returns once the server accepts connections (the readiness signal).
        done = self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60",
                         "-l", str(self.root / "server.log"), "start")  # fmt: skip
        if done.returncode:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(_names)}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (skipped outside CI, failing in CI, if missing)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing("PostgreSQL is not installed (Debian package 'postgresql': initdb, pg_ctl)")
    assert bin_dir is not None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("the PostgreSQL driver psycopg is not installed (pip install -e '.[test]')")
    server = PostgresServer(bin_dir, server_user())
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        with contextlib.suppress(Exception):
            server.stop()
        missing(f"PostgreSQL did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: an SQLite file, then a database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'station.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
