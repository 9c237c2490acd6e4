"""Every permission refusal at the core API (not the GUI): the alarm manager, the station's
relearn, device writes and user management refuse, and the refusal is an audit entry.

Each test is one denial, made with real parts: a real SQLite file behind the production
gateway, the production alarm manager and station.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app import security
from app.alarms.manager import AlarmManager
from app.audit import AuditFilter, query
from app.commands.write import write_tag
from app.config_loader import parse_config
from app.security import AccessDenied, Actor
from app.station import Station
from app.users import MATRIX, PERMISSIONS, Role, UserAdmin, UserError
from tests.alarm_support import batch, make_plain_manager
from tests.security_support import FAST, PASSWORD, Users, make_users
from tests.test_alarm_manager import TEMP, feed, oven_config
from tests.test_gateway import sine_station

OLGA, IVAN, MAX, ERIN, ADA = (Actor.named(n) for n in ("olga", "ivan", "max", "erin", "ada"))


@pytest.fixture
def users(tmp_path: Path) -> Users:
    return make_users(tmp_path / "station.db")


@pytest.fixture
def oven(tmp_path: Path, users: Users) -> AlarmManager:
    """An oven whose high temperature alarm is active and unacknowledged."""
    manager = make_plain_manager(
        oven_config(), tmp_path / "alarms.db", users.clock, policy=users.guard
    )
    feed(manager, users.clock, TEMP, 710)
    return manager


def press_with_detector():  # type: ignore[no-untyped-def]
    return parse_config(
        {
            "station": {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"},
            "devices": [
                {
                    "name": "press",
                    "driver": "simulated",
                    "tags": [{"name": "force", "signal": "sine", "detectors": {"robust": {}}}],
                }
            ],
        }
    )


def refused(users: Users, actor: str, action: str) -> bool:
    """True when the audit trail holds the refusal of ``action`` to ``actor``."""
    return any(
        e.outcome == "denied" and e.actor == actor and e.action == action for e in users.entries()
    )


# -- the matrix itself ------------------------------------------------------------------------


def test_the_matrix_as_the_issue_states_it() -> None:
    assert MATRIX[Role.ADMIN] == set(PERMISSIONS)
    assert MATRIX[Role.ENGINEER] == set(PERMISSIONS) - {security.USERS_MANAGE}
    operator = MATRIX[Role.OPERATOR]
    assert security.CONFIG_EDIT not in operator  # "an operator must not change limits"
    assert security.DEFECT_VOID not in operator  # "... or void defects"
    assert security.DEFECT_DISPOSITION not in operator
    assert {security.ALARM_ACKNOWLEDGE, security.DEFECT_ENTER} <= operator
    assert security.DEFECT_VOID in MATRIX[Role.INSPECTOR]
    assert security.DEVICE_WRITE in MATRIX[Role.MAINTENANCE]
    assert all(security.VIEW in granted for granted in MATRIX.values())


def test_operator_may_not_edit_limits_or_void_defects(users: Users) -> None:
    # No core service edits limits or defects yet (the quality work); the policy it will ask
    # refuses already, with the roles that may.
    assert not users.policy.may(OLGA, security.CONFIG_EDIT)
    assert "allowed: engineer, admin" in users.policy.why_not(OLGA, security.CONFIG_EDIT)
    assert not users.policy.may(OLGA, security.DEFECT_VOID)
    assert users.policy.may(IVAN, security.DEFECT_VOID)


# -- alarms -----------------------------------------------------------------------------------


def test_unknown_name_may_not_acknowledge(oven: AlarmManager, users: Users) -> None:
    with pytest.raises(AccessDenied, match="not a user of this station"):
        oven.acknowledge(["oven.temp.h"], Actor.named("mallory"))
    assert oven.view("oven.temp.h").acked_by is None
    assert refused(users, "mallory", security.ALARM_ACKNOWLEDGE)


def test_disabled_user_may_not_acknowledge(oven: AlarmManager, users: Users) -> None:
    users.admin.set_enabled(ADA, "olga", False)
    with pytest.raises(AccessDenied, match="disabled"):
        oven.acknowledge(["oven.temp.h"], OLGA)
    assert refused(users, "olga", security.ALARM_ACKNOWLEDGE)


def test_inspector_may_not_shelve(oven: AlarmManager, users: Users) -> None:
    with pytest.raises(AccessDenied, match="role inspector"):
        oven.shelve(["oven.temp.h"], IVAN, "noisy")
    assert oven.view("oven.temp.h").shelve is None
    assert refused(users, "ivan", security.ALARM_SHELVE)


def test_inspector_may_not_unshelve(oven: AlarmManager, users: Users) -> None:
    oven.shelve(["oven.temp.h"], OLGA, "sensor cleaning", 600)
    with pytest.raises(AccessDenied):
        oven.unshelve(["oven.temp.h"], IVAN)
    assert refused(users, "ivan", security.ALARM_UNSHELVE)


def test_operator_may_not_take_an_alarm_out_of_service(oven: AlarmManager, users: Users) -> None:
    with pytest.raises(AccessDenied, match="allowed: maintenance, engineer, admin"):
        oven.set_out_of_service(["oven.temp.h"], OLGA, "broken sensor")
    assert refused(users, "olga", security.ALARM_OUT_OF_SERVICE)


def test_operator_may_not_return_an_alarm_to_service(oven: AlarmManager, users: Users) -> None:
    oven.set_out_of_service(["oven.temp.h"], MAX, "broken sensor")
    with pytest.raises(AccessDenied):
        oven.return_to_service(["oven.temp.h"], OLGA)
    assert refused(users, "olga", security.ALARM_OUT_OF_SERVICE)


def test_claimed_roles_count_for_nothing(oven: AlarmManager, users: Users) -> None:
    forged = Actor.named("olga", ["admin", "supervisor"])  # anyone can type a role
    with pytest.raises(AccessDenied, match="role operator"):
        oven.set_out_of_service(["oven.temp.h"], forged, "broken sensor")


# -- station and devices ----------------------------------------------------------------------


def test_operator_may_not_relearn_baselines(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    make_users(db).gateway.close()  # the users exist in the station's database
    station = Station(press_with_detector(), db_url=f"sqlite:///{db}")
    try:
        with pytest.raises(AccessDenied, match="role operator"):
            station.relearn("press", actor=OLGA)
        with pytest.raises(AccessDenied, match="not a user"):
            station.relearn("press")  # nobody signed in
        with pytest.raises(AccessDenied, match="nobody is signed in at this station"):
            station.relearn("press", actor=MAX)  # his name is not enough
        station.session.sign_in("max", PASSWORD)
        station.relearn("press", actor=MAX)
        assert station.gateway.flush()
        found = [(e.actor, e.action, e.outcome) for e in query(station.db, AuditFilter())]
        assert ("olga", security.BASELINE_RELEARN, "denied") in found
        assert ("max", security.BASELINE_RELEARN, "ok") in found
    finally:
        station.gateway.close()


def test_inspector_may_not_write_to_devices(users: Users) -> None:
    config = sine_station()
    device = config.devices[0]
    record, event = write_tag(device, device.tags[0], "1", IVAN, users.guard)
    assert event.kind == "device_write_refused"
    assert "role inspector" in (record.error or "")
    assert record.before is None  # the device was never touched
    assert refused(users, "ivan", security.DEVICE_WRITE)


# -- user management --------------------------------------------------------------------------


def test_engineer_may_not_add_users(users: Users) -> None:
    with pytest.raises(AccessDenied, match="role engineer"):
        users.admin.add(ERIN, "eve", Role.ADMIN, PASSWORD)
    assert users.store.get("eve") is None
    assert refused(users, "erin", "user.add")


def test_operator_may_not_change_roles(users: Users) -> None:
    with pytest.raises(AccessDenied):
        users.admin.set_role(OLGA, "olga", Role.ADMIN)
    assert users.store.get("olga").role is Role.OPERATOR  # type: ignore[union-attr]
    assert refused(users, "olga", "user.set_role")


def test_maintenance_may_not_reset_passwords(users: Users) -> None:
    with pytest.raises(AccessDenied):
        users.admin.reset_password(MAX, "ada", "taken over!")
    assert refused(users, "max", "user.reset_password")


def test_nobody_may_add_users_once_there_is_an_admin(users: Users) -> None:
    with pytest.raises(AccessDenied, match="nobody is signed in"):
        users.admin.add(None, "eve", Role.ADMIN, PASSWORD)
    assert refused(users, "system", "user.add")


def test_the_first_user_must_be_an_admin(tmp_path: Path) -> None:
    fresh = make_users(tmp_path / "fresh.db", with_staff=False)
    with pytest.raises(UserError, match="first user must be an admin"):
        fresh.admin.add(None, "olga", Role.OPERATOR, PASSWORD)
    fresh.admin.add(None, "ada", Role.ADMIN, PASSWORD)
    assert not fresh.admin.first_run


def test_the_last_admin_cannot_be_demoted_or_disabled(users: Users) -> None:
    with pytest.raises(UserError, match="last enabled admin"):
        users.admin.set_role(ADA, "ada", Role.ENGINEER)
    with pytest.raises(UserError, match="last enabled admin"):
        users.admin.set_enabled(ADA, "ada", False)


def test_user_changes_are_audited_with_before_and_after(users: Users) -> None:
    users.admin.set_role(ADA, "olga", Role.INSPECTOR)
    (entry,) = [e for e in users.entries() if e.action == "user.set_role"]
    assert (entry.actor, entry.target, entry.details) == (
        "ada",
        "olga",
        {"before": "operator", "after": "inspector"},
    )
    assert all(PASSWORD not in str(e.details) for e in users.entries())


def test_open_station_until_its_first_user(tmp_path: Path) -> None:
    """A station without users works as before (any name acknowledges) until its first
    admin is created; from then on only users count."""
    db = tmp_path / "station.db"
    station = Station(oven_config(), db_url=f"sqlite:///{db}")
    try:
        anyone = Actor.named("somebody")
        assert station.policy.may(anyone, security.ALARM_ACKNOWLEDGE)
        assert not station.policy.may(anyone, security.ALARM_OUT_OF_SERVICE)
        UserAdmin(station.users, station.policy, station.audit, FAST).add(
            None, "ada", Role.ADMIN, PASSWORD
        )
        assert not station.policy.may(anyone, security.ALARM_ACKNOWLEDGE)
        assert station.policy.may(ADA, security.ALARM_OUT_OF_SERVICE)
    finally:
        station.gateway.close()


def test_clock_is_the_users_clock(users: Users) -> None:
    users.clock.advance(5)
    users.audit.record(ADA, "test.tick")
    assert users.entries(action="test.tick")[0].ts == users.clock.now


def test_the_documented_matrix_is_the_matrix() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md").read_text("utf-8")
    documented: dict[Role, set[str]] = {role: set() for role in Role}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or "(`" not in cells[0]:
            continue
        action = cells[0].split("(`")[1].split("`)")[0]
        for role, cell in zip(Role, cells[1:], strict=True):
            if cell == "✓":
                documented[role].add(action)
    assert documented == {role: set(granted) for role, granted in MATRIX.items()}


def test_a_users_name_is_not_enough_to_act_at_the_station(tmp_path: Path) -> None:
    """The station's services act only for the user signed in at the workstation: typing the
    name of a real user into a dialog does not act as that user."""
    db = tmp_path / "station.db"
    make_users(db).gateway.close()
    station = Station(oven_config(), db_url=f"sqlite:///{db}")
    try:
        station.alarms.on_batch(batch("oven", [TEMP], [710.0], time.time()))
        with pytest.raises(AccessDenied, match="nobody is signed in at this station"):
            station.alarms.acknowledge(["oven.temp.h"], ADA)
        station.session.sign_in("olga", PASSWORD)
        with pytest.raises(AccessDenied, match="olga is signed in at this station, not ada"):
            station.alarms.acknowledge(["oven.temp.h"], ADA)
        assert station.alarms.acknowledge(["oven.temp.h"], OLGA) == ["oven.temp.h"]
        station.session.sign_out()
        with pytest.raises(AccessDenied):
            station.alarms.acknowledge(["oven.temp.h"], OLGA)  # view-only again
        assert station.gateway.flush()
        denied = [
            (e.actor, e.details["reason"])
            for e in query(station.db, AuditFilter(action=security.ALARM_ACKNOWLEDGE))
            if e.outcome == "denied"
        ]
        assert ("ada", "olga is signed in at this station, not ada") in denied
    finally:
        station.gateway.close()
