"""``shopfloor users`` and ``shopfloor write`` with users, in child processes with real stdin:
the first admin without sign-in, every later change signed in, exit codes, and passwords never
echoed on stdout or stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PW = "admin-secret-1"
NEW_PW = "operator-secret-2"


def shopfloor(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "app", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    for secret in (ADMIN_PW, NEW_PW):
        assert secret not in result.stdout + result.stderr
    return result


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'station.db'}"
    first = shopfloor(
        "users", "add", "ada", "--role", "admin", "--password-stdin", "--db", url,
        stdin=f"{ADMIN_PW}\n",
    )  # fmt: skip
    assert (first.returncode, first.stdout.strip()) == (0, "user ada added as admin")
    return url


def test_no_users_yet(tmp_path: Path) -> None:
    listed = shopfloor("users", "list", "--db", str(tmp_path / "new.db"))
    assert listed.returncode == 0
    assert "create the first admin" in listed.stdout


def test_the_first_user_must_be_an_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'station.db'}"
    result = shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--db", url,
        stdin=f"{NEW_PW}\n",
    )  # fmt: skip
    assert result.returncode == 2
    assert "first user must be an admin" in result.stderr


def test_changes_need_a_signed_in_admin(db: str) -> None:
    anonymous = shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--db", db,
        stdin=f"{NEW_PW}\n",
    )  # fmt: skip
    assert anonymous.returncode == 2
    assert "nobody is signed in (sign in with --as ADMIN)" in anonymous.stderr
    wrong = shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--as", "ada",
        "--db", db, stdin=f"not the password\n{NEW_PW}\n",
    )  # fmt: skip
    assert wrong.returncode == 2
    assert "sign-in refused: wrong user name or password" in wrong.stderr
    added = shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--as", "ada",
        "--db", db, stdin=f"{ADMIN_PW}\n{NEW_PW}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = shopfloor("users", "list", "--db", db)
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["ada", "admin"],
        ["olga", "operator"],
    ]


def test_an_operator_may_not_promote_herself(db: str) -> None:
    shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--as", "ada",
        "--db", db, stdin=f"{ADMIN_PW}\n{NEW_PW}\n",
    )  # fmt: skip
    result = shopfloor(
        "users", "set-role", "olga", "admin", "--password-stdin", "--as", "olga", "--db", db,
        stdin=f"{NEW_PW}\n",
    )  # fmt: skip
    assert result.returncode == 2
    assert "the role operator does not allow it" in result.stderr
    trail = shopfloor("audit", "list", "--db", db)
    assert "olga: user.set_role olga [denied]" in trail.stdout


def test_disable_set_role_reset_and_verify(db: str) -> None:
    as_ada = ("--password-stdin", "--as", "ada", "--db", db)
    assert (
        shopfloor(
            "users", "add", "max", "--role", "operator", *as_ada, stdin=f"{ADMIN_PW}\n{NEW_PW}\n"
        ).returncode
        == 0
    )
    role = shopfloor("users", "set-role", "max", "maintenance", *as_ada, stdin=f"{ADMIN_PW}\n")
    assert role.stdout.strip() == "max is now maintenance"
    reset = shopfloor(
        "users", "reset-password", "max", *as_ada, stdin=f"{ADMIN_PW}\nanother secret\n"
    )
    assert reset.stdout.strip() == "password of max reset"
    off = shopfloor("users", "disable", "max", *as_ada, stdin=f"{ADMIN_PW}\n")
    assert off.stdout.strip() == "user max disabled"
    assert (
        "max                      maintenance  (disabled)"
        in shopfloor("users", "list", "--db", db).stdout
    )
    bad_role = shopfloor("users", "set-role", "max", "wizard", *as_ada, stdin=f"{ADMIN_PW}\n")
    assert bad_role.returncode == 2 and "unknown role 'wizard'" in bad_role.stderr
    checked = shopfloor("audit", "verify", "--db", db)
    assert checked.returncode == 0 and "audit trail OK" in checked.stdout


def test_weak_password_is_refused(db: str) -> None:
    result = shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--as", "ada",
        "--db", db, stdin=f"{ADMIN_PW}\nshort\n",
    )  # fmt: skip
    assert result.returncode == 2 and "at least 8 characters" in result.stderr


def test_audit_verify_of_a_bad_database_url_is_bad_input(tmp_path: Path) -> None:
    result = shopfloor("audit", "verify", "--db", "nosuchdb://x")
    assert result.returncode == 2 and "cannot use the station database" in result.stderr


def test_write_needs_a_sign_in_once_there_are_users(db: str, tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        '[station]\ncompany = "ACME"\nsite = "P1"\nline = "L1"\nstation = "S1"\n'
        f'[storage]\nurl = "{db}"\n'
        '[[devices]]\nname = "press"\ndriver = "simulated"\n'
        '[[devices.tags]]\nname = "sp"\nsignal = "constant:mean=0"\n',
        encoding="utf-8",
    )
    argv = ("write", "--config", str(config), "--device", "press", "--tag", "sp", "--value", "5")
    forged = shopfloor(*argv, "--user", "mallory", "--role", "engineer", "--password-stdin")
    assert forged.returncode == 2 and "sign-in refused" in forged.stderr
    shopfloor(
        "users", "add", "olga", "--role", "operator", "--password-stdin", "--as", "ada",
        "--db", db, stdin=f"{ADMIN_PW}\n{NEW_PW}\n",
    )  # fmt: skip
    operator = shopfloor(*argv, "--user", "olga", "--role", "engineer", "--password-stdin",
                         stdin=f"{NEW_PW}\n")  # fmt: skip
    assert operator.returncode == 2 and "role operator does not allow it" in operator.stderr
    trail = shopfloor("audit", "list", "--db", db).stdout
    assert "mallory: signin [failed]" in trail
    assert "olga: device.write press.sp [denied]" in trail
