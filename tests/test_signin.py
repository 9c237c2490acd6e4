"""Signing in: passwords, badges, lockout after repeated failures and the idle sign-out, on a
clock the test moves by hand; each attempt is an audit entry."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.audit import AuditFilter, query, verify
from app.config import ConfigError
from app.config_loader import parse_config
from app.model import Event, EventKind
from app.security import Actor
from app.station import Station
from app.users import Role, SignInError, UserError, UserStore, WeakPasswordError
from tests.alarm_support import open_gateway
from tests.security_support import PASSWORD, Users, make_users
from tests.test_gateway import wait_for

ADA = Actor.named("ada")


@pytest.fixture
def users(tmp_path: Path) -> Users:
    return make_users(tmp_path / "station.db")


def test_sign_in_gives_the_stored_role(users: Users) -> None:
    actor = users.auth.sign_in("  Olga ", PASSWORD)  # names match without case or spaces
    assert actor == Actor.named("olga", ["operator"])
    last = users.entries(action="signin")[-1]
    assert (last.actor, last.outcome, last.details["method"]) == ("olga", "ok", "password")


def test_wrong_password_and_unknown_name_say_the_same(users: Users) -> None:
    with pytest.raises(SignInError) as wrong:
        users.auth.sign_in("olga", "not it at all")
    with pytest.raises(SignInError) as unknown:
        users.auth.sign_in("nobody", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "wrong user name or password"
    failed = [e for e in users.entries(action="signin") if e.outcome == "failed"]
    assert [(e.actor, e.details["reason"]) for e in failed] == [
        ("olga", "wrong password"),
        ("nobody", "unknown user"),
    ]
    assert all("not it at all" not in str(e.details) for e in users.entries())


def test_lockout_after_repeated_failures_and_its_end(users: Users) -> None:
    for _ in range(2):
        with pytest.raises(SignInError, match="wrong"):
            users.auth.sign_in("olga", "guess guess")
    with pytest.raises(SignInError, match="locked for 5 min after 3 failures") as locked:
        users.auth.sign_in("olga", "guess guess")
    assert locked.value.locked_until == users.clock.now + 300
    # While locked even the right password is refused.
    users.clock.advance(299)
    with pytest.raises(SignInError, match="locked"):
        users.auth.sign_in("olga", PASSWORD)
    users.clock.advance(1)
    assert users.auth.sign_in("olga", PASSWORD).name == "olga"
    assert users.store.get("olga").failures == 0  # type: ignore[union-attr]
    assert [e.target for e in users.entries(action="signin.locked")] == ["olga"]


def test_a_success_resets_the_failure_count(users: Users) -> None:
    for _ in range(2):
        with pytest.raises(SignInError):
            users.auth.sign_in("olga", "guess guess")
    users.auth.sign_in("olga", PASSWORD)
    for _ in range(2):
        with pytest.raises(SignInError, match="wrong"):  # not locked: the count started again
            users.auth.sign_in("olga", "guess guess")


def test_lockout_survives_a_restart(tmp_path: Path, users: Users) -> None:
    for _ in range(3):
        with pytest.raises(SignInError):
            users.auth.sign_in("olga", "guess guess")
    users.gateway.close()
    reopened = UserStore(open_gateway(tmp_path / "station.db"))
    locked_until = reopened.get("olga").locked_until  # type: ignore[union-attr]
    assert locked_until == users.clock.now + 300


def test_reset_password_lifts_a_lockout(users: Users) -> None:
    for _ in range(3):
        with pytest.raises(SignInError):
            users.auth.sign_in("olga", "guess guess")
    users.admin.reset_password(ADA, "olga", "a new secret")
    assert users.auth.sign_in("olga", "a new secret").name == "olga"
    with pytest.raises(SignInError):
        users.auth.sign_in("olga", PASSWORD)


def test_disabled_user_cannot_sign_in(users: Users) -> None:
    users.admin.set_enabled(ADA, "ivan", False)
    with pytest.raises(SignInError, match="disabled"):
        users.auth.sign_in("ivan", PASSWORD)


def test_idle_sign_out_on_a_controlled_clock(users: Users) -> None:
    session = users.session(idle_timeout_s=600)
    assert session.actor is None  # nobody signed in: view-only
    session.sign_in("max", PASSWORD)
    users.clock.advance(599)
    assert session.actor == Actor.named("max", ["maintenance"])
    session.touch()  # activity: the idle time starts again
    users.clock.advance(599)
    assert session.actor is not None
    users.clock.advance(1)
    assert session.actor is None
    assert not session.check_idle()  # already out
    out = users.entries(action="signout")
    assert [(e.actor, e.details["reason"]) for e in out] == [("max", "idle")]


def test_explicit_sign_out_and_a_new_user_replacing_the_last(users: Users) -> None:
    session = users.session()
    session.sign_in("max", PASSWORD)
    session.sign_in("olga", PASSWORD)  # the next shift signs in over the last one
    session.sign_out()
    reasons = [(e.actor, e.details["reason"]) for e in users.entries(action="signout")]
    assert reasons == [("max", "replaced"), ("olga", "user")]
    assert session.actor is None


def test_badge_sign_in(users: Users) -> None:
    users.admin.set_badge(ADA, "max", " 0004711 ")
    session = users.session()
    assert session.sign_in_badge("0004711\r\n") == Actor.named("max", ["maintenance"])
    with pytest.raises(SignInError, match="unknown badge"):
        users.auth.sign_in_badge("0004712")
    with pytest.raises(SignInError, match="unknown badge"):
        users.auth.sign_in_badge("   ")
    # The badge code is stored only as a digest, and never audited.
    assert "0004711" not in (users.store.get("max").badge or "")  # type: ignore[union-attr]
    assert all("0004711" not in str(e.details) for e in users.entries())


def test_a_badge_belongs_to_one_user(users: Users) -> None:
    users.admin.set_badge(ADA, "max", "0004711")
    with pytest.raises(UserError, match="another user"):
        users.admin.set_badge(ADA, "olga", "0004711")


def test_locked_user_cannot_use_the_badge_either(users: Users) -> None:
    users.admin.set_badge(ADA, "olga", "777")
    for _ in range(3):
        with pytest.raises(SignInError):
            users.auth.sign_in("olga", "guess guess")
    with pytest.raises(SignInError, match="locked"):
        users.auth.sign_in_badge("777")


def test_weak_passwords_are_refused(users: Users) -> None:
    with pytest.raises(WeakPasswordError, match="at least 8"):
        users.admin.add(ADA, "tim", Role.OPERATOR, "short")
    with pytest.raises(WeakPasswordError, match="control"):
        users.admin.add(ADA, "tim", Role.OPERATOR, "long enough\x00")
    assert users.store.get("tim") is None


def test_the_trail_of_a_busy_shift_verifies(users: Users) -> None:
    session = users.session(idle_timeout_s=60)
    for name in ("olga", "ivan", "max"):
        session.sign_in(name, PASSWORD)
        users.clock.advance(61)
        assert session.check_idle()
    assert users.gateway.flush()
    result = verify(users.gateway.db)
    assert result.ok, result.problem
    assert result.entries == len(users.entries(limit=100_000))


def reader_station(tmp_path: Path, **security: object):  # type: ignore[no-untyped-def]
    return parse_config(
        {
            "station": {"company": "ACME", "site": "P1", "line": "L1", "station": "S1"},
            "security": {"badge_reader": "reader", "idle_sign_out_s": 60, **security},
            "devices": [
                {"name": "reader", "driver": "simulated", "tags": [{"name": "x"}]},
                {"name": "press", "driver": "simulated", "tags": [{"name": "force"}]},
            ],
        }
    )


def test_a_badge_scanned_by_the_configured_reader_signs_in(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    users = make_users(db)
    users.admin.set_badge(ADA, "max", "0004711")
    users.gateway.close()
    station = Station(reader_station(tmp_path), db_url=f"sqlite:///{db}")
    assert station.session.idle_timeout_s == 60
    station.start()
    try:

        def scan(source: str, code: str) -> None:
            station.engine.post_event(
                Event(time.time(), EventKind.PART_SCANNED, source, {"serial": code})
            )

        scan("reader", "PART-0001")  # a part, not a badge: ignored by the sign-in
        scan("press", "0004711")  # a badge, but not from the badge reader
        scan("reader", " 0004711 ")
        wait_for(lambda: station.session.actor is not None, what="badge sign-in")
        assert station.session.actor == Actor.named("max", ["maintenance"])
        assert station.gateway.flush()
        signins = query(station.db, AuditFilter(action="signin"))
        assert [(e.actor, e.outcome, e.details.get("method")) for e in signins] == [
            ("max", "ok", "badge")
        ]
    finally:
        station.stop()


def test_the_badge_reader_must_be_a_device(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        reader_station(tmp_path, badge_reader="scanner")
    assert "security.badge_reader: no device named 'scanner'" in caught.value.report()
    with pytest.raises(ConfigError) as caught:
        reader_station(tmp_path, max_failures=0)
    assert "security.max_failures" in caught.value.report()
