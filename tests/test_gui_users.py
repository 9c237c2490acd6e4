"""The sign-in strip, the first-admin and sign-in dialogs and the audit trail screen, in a real
window on a real station (offscreen). Passwords are checked on the gateway's reader thread; the
test waits for the strip to say who is signed in."""

from __future__ import annotations

import csv
import time

from app.audit import AuditEntry, AuditFilter, query
from app.security import Actor
from app.users import Role
from tests.alarm_support import Clock, tag_ids
from tests.security_support import PASSWORD
from tests.test_alarm_gui import feed_from_another_thread
from tests.test_alarm_manager import oven_config
from widgets.alarms.actions import AcknowledgeDialog
from widgets.users import FirstAdminDialog, SignInDialog


def test_first_admin_sign_out_sign_in_and_the_audit_screen(open_window, qtbot, tmp_path) -> None:
    window = open_window(oven_config())
    strip = window.sign_in
    assert strip.who.text() == "No users yet"
    assert strip.button.text() == "Create the first admin…"
    relearn = window.devices.relearn_button
    assert relearn.isEnabled()  # no users yet: the station is open as before

    strip.button.click()
    dialog = strip.findChild(FirstAdminDialog)
    assert dialog is not None
    dialog.name.setText("ada")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText("something else")
    dialog.submit()
    assert dialog.error.text() == "The passwords differ."
    dialog.repeat.setText(PASSWORD)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: strip.who.text() == "ada (admin)", timeout=10_000)
    assert strip.button.text() == "Sign out"
    assert "users.manage" in strip.who.toolTip()
    assert relearn.isEnabled()

    # The admin may read the audit trail: the first admin's creation and sign-in are there.
    audit = window.audit
    audit.refresh()
    qtbot.waitUntil(lambda: audit.table.rowCount() >= 3, timeout=10_000)
    actions = [audit.table.item(r, 4).text() for r in range(audit.table.rowCount())]
    assert actions[-3:] == ["signin", "user.add", "config.change"]  # newest first
    audit.verify()
    qtbot.waitUntil(lambda: audit.message.text().startswith("The chain is intact"), timeout=10_000)
    target = tmp_path / "audit.csv"
    audit.export_to(target)
    qtbot.waitUntil(lambda: "exported" in audit.message.text(), timeout=10_000)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0][:5] == ["seq", "time_utc", "station", "actor", "action"]
    assert len(rows) == audit.table.rowCount() + 1

    # Signed out: view-only, and the audit screen shows nothing.
    strip.button.click()
    qtbot.waitUntil(lambda: strip.who.text() == "View only: nobody signed in", timeout=5_000)
    assert audit.table.rowCount() == 0
    assert "Sign in as an inspector" in audit.message.text()
    assert not relearn.isEnabled()  # view-only

    # An operator signs in; a wrong password first.
    window.station.user_admin.add(Actor.named("ada"), "olga", Role.OPERATOR, PASSWORD)
    strip.button.click()
    sign_in = strip.findChild(SignInDialog)
    assert sign_in is not None
    sign_in.name.setText("olga")
    sign_in.password.setText("wrong password")
    sign_in.submit()
    qtbot.waitUntil(lambda: sign_in.error.text() == "wrong user name or password", timeout=10_000)
    sign_in.password.setText(PASSWORD)
    sign_in.submit()
    qtbot.waitUntil(lambda: strip.who.text() == "olga (operator)", timeout=10_000)
    assert not relearn.isEnabled()  # an operator may not relearn baselines
    audit.refresh()
    assert audit.table.rowCount() == 0  # an operator may not read the trail


def test_idle_sign_out_shows_view_only(open_window, qtbot) -> None:
    window = open_window(oven_config())
    station = window.station
    station.user_admin.add(None, "ada", Role.ADMIN, PASSWORD)
    clock = Clock()
    station.session.clock = clock
    station.session.sign_in("ada", PASSWORD)
    window.session.check()
    assert window.sign_in.who.text() == "ada (admin)"
    clock.advance(station.session.idle_timeout_s)
    window.session.check()  # the strip's timer does this every few seconds
    assert window.sign_in.who.text() == "View only: nobody signed in"


def test_badge_sign_in_from_the_dialog(open_window, qtbot) -> None:
    window = open_window(oven_config())
    admin = window.station.user_admin
    admin.add(None, "ada", Role.ADMIN, PASSWORD)
    admin.set_badge(Actor.named("ada"), "ada", "0004711")
    window.session.check()
    window.sign_in.button.click()
    dialog = window.sign_in.findChild(SignInDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.badge, "0004711")
    dialog.badge.returnPressed.emit()
    qtbot.waitUntil(lambda: window.sign_in.who.text() == "ada (admin)", timeout=10_000)


def test_alarm_dialogs_act_for_the_signed_in_user_only(open_window, qtbot) -> None:
    """Once the station has users, the acknowledge dialog shows who is signed in (not a typed
    name); with nobody signed in it refuses; the acknowledgement is audited under that user."""
    window = open_window(oven_config())
    station = window.station
    station.user_admin.add(None, "ada", Role.ADMIN, PASSWORD)
    station.user_admin.add(Actor.named("ada"), "olga", Role.OPERATOR, PASSWORD)
    manager = station.alarms
    temp = tag_ids(station.config)["oven.temp"]
    feed_from_another_thread(manager, "oven", temp, 730, time.time())
    assert manager.view("oven.temp.hh").acked_by is None
    users = window.alarms.users

    nobody = AcknowledgeDialog(manager, ["oven.temp.hh"], users, window)
    assert not nobody.user.isEnabled()
    assert nobody.error.text() == "Nobody is signed in at this station: sign in first."
    nobody.accept()
    assert nobody.result() == 0
    assert manager.view("oven.temp.hh").acked_by is None

    station.session.sign_in("olga", PASSWORD)
    window.session.check()
    dialog = AcknowledgeDialog(manager, ["oven.temp.hh"], users, window)
    assert dialog.user.currentText() == "olga"
    assert not dialog.user.isEnabled()  # shown, not chosen
    dialog.accept()
    assert dialog.result() == 1
    assert manager.view("oven.temp.hh").acked_by == "olga"

    def audited() -> list[AuditEntry]:
        wanted = AuditFilter(since=0.0, actor="olga", action="alarm.", limit=10)
        return station.gateway.read(lambda db: query(db, wanted)).result(timeout=10)

    qtbot.waitUntil(lambda: len(audited()) == 1, timeout=10_000)
    entry = audited()[0]
    assert (entry.action, entry.target, entry.outcome) == (
        "alarm.acknowledge",
        "oven.temp.hh",
        "ok",
    )


def kiosk_config():  # type: ignore[no-untyped-def]
    config = oven_config()
    return config.model_copy(
        update={"security": config.security.model_copy(update={"kiosk": True})}
    )


def test_kiosk_only_a_signed_in_engineer_leaves_it(open_window, qtbot) -> None:
    """Closing the kiosk window is refused for an operator (the reason in the status bar, the
    refusal audited) and allowed for an engineer; the station keeps running until then."""
    window = open_window(kiosk_config())
    window.show_restored()
    qtbot.waitUntil(window.isFullScreen, timeout=5_000)
    station = window.station
    station.user_admin.add(None, "ada", Role.ADMIN, PASSWORD)
    station.user_admin.add(Actor.named("ada"), "olga", Role.OPERATOR, PASSWORD)
    station.user_admin.add(Actor.named("ada"), "emil", Role.ENGINEER, PASSWORD)

    assert not window.close()  # nobody signed in
    refused = "Kiosk mode: only a signed-in engineer or admin can leave it."
    assert window.statusBar().currentMessage() == refused
    station.session.sign_in("olga", PASSWORD)
    window.session.check()
    assert not window.close()
    assert window.isVisible() and window.isFullScreen()
    assert window.stop_seconds is None  # the station still runs
    window.full_screen_action.setChecked(False)  # F11 does not leave the kiosk either
    assert window.isFullScreen() and window.full_screen_action.isChecked()

    station.session.sign_in("emil", PASSWORD)
    window.session.check()
    window.leave_kiosk_action.trigger()
    assert window.kiosk is not None and not window.kiosk.active
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=5_000)
    assert window.close()

    def kiosk_entries() -> list[AuditEntry]:
        wanted = AuditFilter(since=0.0, action="kiosk.", limit=10)
        return station.gateway.read(lambda db: query(db, wanted)).result(timeout=10)

    qtbot.waitUntil(lambda: len(kiosk_entries()) == 4, timeout=10_000)
    outcomes = [(e.actor, e.outcome) for e in reversed(kiosk_entries())]
    assert outcomes == [
        ("station", "denied"),
        ("olga", "denied"),
        ("olga", "denied"),
        ("emil", "ok"),
    ]
