"""Credentials stay out of config files and logs: a literal password in the config is an error
naming the key, references resolve from the environment or the keyring, secrets are masked in
log lines, and config and database files readable by others are warned about."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest

from app import secrets
from app.commands.common import warn_exposed
from app.config import ConfigError
from app.config_loader import parse_config
from app.secrets import SecretError, resolve, resolve_url
from app.storage.database import check_database_url

STATION = {"company": "ACME", "site": "P1", "line": "L1", "station": "S1"}
DEVICES = [{"name": "press", "driver": "simulated", "tags": [{"name": "force"}]}]


def config_with_url(url: str):  # type: ignore[no-untyped-def]
    return parse_config({"station": STATION, "storage": {"url": url}, "devices": DEVICES})


def test_a_password_written_in_the_config_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        config_with_url("postgresql://shopfloor:hunter22@db.plant/line1")
    report = caught.value.report()
    assert "storage.url: the password must not be written in the config" in report
    assert "hunter22" not in report


def test_a_referenced_password_is_accepted() -> None:
    url = "postgresql://shopfloor:${env:SHOPFLOOR_DB_PASSWORD}@db.plant/line1"
    assert config_with_url(url).storage.url == url
    config_with_url("sqlite:////var/lib/shopfloor/station.db")  # no password at all


def test_references_resolve_from_the_environment_and_the_keyring() -> None:
    env = {"PGPASS": "s3cret-from-env"}
    vault = {("shopfloor", "db"): "s3cret-from-keyring"}
    assert resolve("${env:PGPASS}", getenv=env.get) == "s3cret-from-env"
    got = resolve("${keyring:shopfloor/db}", keyring_get=lambda s, u: vault.get((s, u)))
    assert got == "s3cret-from-keyring"
    assert resolve("plain", getenv=env.get) == "plain"
    with pytest.raises(SecretError, match="environment variable MISSING is not set"):
        resolve("${env:MISSING}", getenv=env.get)
    with pytest.raises(SecretError, match="no password for shopfloor/other"):
        resolve("${keyring:shopfloor/other}", keyring_get=lambda s, u: None)
    with pytest.raises(SecretError, match="SERVICE/USER"):
        resolve("${keyring:nouser}", keyring_get=lambda s, u: None)


def test_a_database_url_gets_its_password_from_the_reference() -> None:
    url = resolve_url(
        "postgresql://shopfloor:${env:PGPASS}@db.plant/line1", getenv={"PGPASS": "p@ss:w/rd"}.get
    )
    assert url.password == "p@ss:w/rd"  # any characters: never spliced into the text


def test_an_unset_variable_makes_the_database_unusable_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHOPFLOOR_TEST_UNSET", raising=False)
    # SQLite ignores a password, but the check resolves it like any other (the driver of a
    # database server may not be installed here).
    problem = check_database_url("sqlite://u:${env:SHOPFLOOR_TEST_UNSET}@/tmp/x.db")
    assert problem == (
        "'sqlite://u:***@/tmp/x.db': the environment variable SHOPFLOOR_TEST_UNSET is not set"
    )


def test_secrets_never_reach_a_log_line() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.secrets")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        secrets.install_log_filter(logger)
        resolve("${env:TOKEN}", getenv={"TOKEN": "tok-123456"}.get)
        logger.warning("connecting to %s", "postgresql://u:hunter22@db/x")
        logger.warning("broker said: bad token tok-123456")
        try:
            raise RuntimeError("auth failed for tok-123456")
        except RuntimeError:
            logger.exception("sync failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "hunter22" not in text and "tok-123456" not in text
    assert "postgresql://u:***@db/x" in text
    assert "bad token ***" in text and "auth failed for ***" in text


def test_files_readable_by_others_are_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "station.toml"
    config.write_text("x", encoding="utf-8")
    database = tmp_path / "station.db"
    database.write_bytes(b"")
    os.chmod(config, 0o644)
    os.chmod(database, 0o640)
    parsed = config_with_url(f"sqlite:///{database}")
    with caplog.at_level(logging.WARNING, logger="app.secrets"):
        warn_exposed(config, None, parsed)
    warnings = [r.getMessage() for r in caplog.records]
    assert f"{config} can be read by everyone (mode 0644); make it private" in warnings[0]
    assert f"{database} can be read by its group (mode 0640)" in warnings[1]
    os.chmod(config, 0o600)
    os.chmod(database, 0o600)
    assert secrets.exposure_warnings([config, database, None]) == []


def test_the_station_database_is_created_private(tmp_path: Path) -> None:
    from app.storage import open_database

    database = tmp_path / "new" / "station.db"
    open_database(database).dispose()
    assert secrets.exposure(database) is None
