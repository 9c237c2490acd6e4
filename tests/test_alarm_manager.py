"""ISA-18.2 state machine of the alarm manager, on a hand-driven clock and a real SQLite journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.alarms.manager import AlarmManager, AlarmSettings, UnknownAlarmError
from app.alarms.model import AlarmState, Priority
from app.messages import Message
from app.model import Quality
from app.security import AccessDenied, Actor, StationUserPolicy
from tests.alarm_support import Clock, Recorder, batch, make_manager, station

ANNA = Actor.named("anna")
BOSS = Actor.named("bea", ["supervisor"])

# Tag ids follow config order: oven.state=0, oven.temp=1, oven.sp=2, oven.speed=3,
# oven.level=4, oven.faults=5, oven.door=6
STATE, TEMP, SP, SPEED, LEVEL, FAULTS, DOOR = range(7)


def oven_config(**temp_alarms: object):
    temp = {
        "hh": {"limit": 720, "priority": "critical", "response": "Stop the line"},
        "h": {"limit": 700, "priority": "high"},
        "l": {"limit": 100, "priority": "low"},
        "ll": {"limit": 50, "priority": "medium"},
        "deadband": 2.0,
        **temp_alarms,
    }
    return station(
        {
            "oven": [
                {"name": "state"},
                {"name": "temp", "unit": "°C", "alarms": temp},
                {"name": "sp"},
                {"name": "speed", "alarms": {"deviation": {"setpoint": "sp", "limit": 5}}},
                {"name": "level", "alarms": {"rate": {"limit": 6, "per": "min"}}},
                {
                    "name": "faults",
                    "type": "uint16",
                    "alarms": {
                        "discrete": [
                            {"name": "motor_trip", "bit": 2, "priority": "critical"},
                            {"name": "jam", "equals": 3},
                            {"name": "guard", "in": [7, 8], "latched": True},
                        ]
                    },
                },
                {"name": "door", "type": "bool"},
            ]
        }
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def oven(tmp_path: Path, clock: Clock) -> tuple[AlarmManager, Recorder]:
    return make_manager(oven_config(), tmp_path / "station.db", clock)


def feed(manager: AlarmManager, clock: Clock, tag: int, value: float, dt: float = 1.0) -> None:
    clock.advance(dt)
    manager.on_batch(batch("oven", [tag], [value], clock.now))


def state(manager: AlarmManager, alarm_id: str) -> AlarmState:
    return manager.view(alarm_id).state


def test_raise_acknowledge_and_return_to_normal(oven, clock) -> None:
    manager, rec = oven
    feed(manager, clock, TEMP, 710)
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    assert state(manager, "oven.temp.hh") == AlarmState.NORMAL
    raised = rec.transitions[-1]
    assert (raised.event.value, raised.value, raised.priority) == ("raise", 710, Priority.HIGH)
    assert raised.timestamp == clock.now

    assert manager.acknowledge(["oven.temp.h"], ANNA, "  checking burner  ") == ["oven.temp.h"]
    view = manager.view("oven.temp.h")
    assert (view.state, view.acked_by, view.ack_comment) == (
        AlarmState.ACKED,
        "anna",
        "checking burner",
    )
    assert rec.transitions[-1].actor == "anna"
    assert manager.acknowledge(["oven.temp.h"], ANNA) == []  # nothing left to acknowledge

    feed(manager, clock, TEMP, 690)
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL
    assert rec.events("oven.temp.h") == [
        ("oven.temp.h", "raise", "unack"),
        ("oven.temp.h", "ack", "acked"),
        ("oven.temp.h", "clear", "normal"),
    ]


def test_return_to_normal_unacknowledged_then_acknowledged(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, TEMP, 730)
    feed(manager, clock, TEMP, 500)
    assert state(manager, "oven.temp.hh") == AlarmState.RTN_UNACK
    assert state(manager, "oven.temp.h") == AlarmState.RTN_UNACK
    manager.acknowledge(["oven.temp.hh", "oven.temp.h"], ANNA)
    assert state(manager, "oven.temp.hh") == AlarmState.NORMAL
    # Raised again while returned-to-normal-unacknowledged: unacknowledged active again.
    feed(manager, clock, TEMP, 30)
    feed(manager, clock, TEMP, 500)
    feed(manager, clock, TEMP, 30)
    assert state(manager, "oven.temp.ll") == AlarmState.UNACK
    assert state(manager, "oven.temp.l") == AlarmState.UNACK


def test_deadband_holds_the_alarm_until_the_value_is_clear_of_it(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, TEMP, 700.0)
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL  # at the limit is not beyond
    feed(manager, clock, TEMP, 700.5)
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    feed(manager, clock, TEMP, 698.5)  # inside the 2.0 deadband
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    feed(manager, clock, TEMP, 698.0)
    assert state(manager, "oven.temp.h") == AlarmState.RTN_UNACK
    # Low side: clears only at limit + deadband.
    feed(manager, clock, TEMP, 99)
    feed(manager, clock, TEMP, 101.9)
    assert state(manager, "oven.temp.l") == AlarmState.UNACK
    feed(manager, clock, TEMP, 102)
    assert state(manager, "oven.temp.l") == AlarmState.RTN_UNACK


def test_on_delay_raises_only_after_the_value_stayed_beyond(tmp_path, clock) -> None:
    manager, rec = make_manager(oven_config(on_delay_s=2), tmp_path / "s.db", clock)
    feed(manager, clock, TEMP, 710)
    start = clock.now
    manager.tick(clock.advance(1.0))
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL
    manager.tick(clock.advance(1.0))
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    assert rec.transitions[-1].timestamp == start + 2.0
    # A blip shorter than the delay never raises.
    feed(manager, clock, TEMP, 500)
    manager.acknowledge(["oven.temp.h"], ANNA)
    feed(manager, clock, TEMP, 710, dt=1.0)
    feed(manager, clock, TEMP, 690, dt=1.0)
    manager.tick(clock.advance(5.0))
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL
    assert [e for _, e, _ in rec.events("oven.temp.h")].count("raise") == 1


def test_on_delay_fires_within_a_batch_from_sample_time(tmp_path, clock) -> None:
    manager, rec = make_manager(oven_config(on_delay_s=2), tmp_path / "s.db", clock)
    t0 = clock.now
    manager.on_batch(batch("oven", [TEMP, TEMP, TEMP], [710, 711, 712], [t0, t0 + 1, t0 + 3]))
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    assert rec.transitions[-1].timestamp == t0 + 2


def test_off_delay_keeps_the_alarm_active(tmp_path, clock) -> None:
    manager, rec = make_manager(
        oven_config(h={"limit": 700, "off_delay_s": 3}), tmp_path / "s.db", clock
    )
    feed(manager, clock, TEMP, 710)
    feed(manager, clock, TEMP, 600)
    manager.tick(clock.advance(1.0))
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    feed(manager, clock, TEMP, 710)  # back before the off-delay ran out: still one occurrence
    manager.tick(clock.advance(10))
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    feed(manager, clock, TEMP, 600)
    manager.tick(clock.advance(3.0))
    assert state(manager, "oven.temp.h") == AlarmState.RTN_UNACK
    assert [e for _, e, _ in rec.events("oven.temp.h")] == ["raise", "clear"]


def test_latched_alarm_holds_until_reset(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, FAULTS, 7)
    assert state(manager, "oven.faults.guard") == AlarmState.UNACK
    feed(manager, clock, FAULTS, 0)
    assert state(manager, "oven.faults.guard") == AlarmState.LATCHED
    manager.acknowledge(["oven.faults.guard"], ANNA, "guard closed, reset")
    assert state(manager, "oven.faults.guard") == AlarmState.NORMAL
    # Acknowledged while active: still latched after the condition clears.
    feed(manager, clock, FAULTS, 8)
    manager.acknowledge(["oven.faults.guard"], ANNA)
    assert state(manager, "oven.faults.guard") == AlarmState.ACKED
    feed(manager, clock, FAULTS, 0)
    assert state(manager, "oven.faults.guard") == AlarmState.LATCHED
    feed(manager, clock, FAULTS, 8)  # raised again while latched
    assert state(manager, "oven.faults.guard") == AlarmState.UNACK


def test_discrete_bit_equals_and_set(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, FAULTS, 0b100)
    assert state(manager, "oven.faults.motor_trip") == AlarmState.UNACK
    assert state(manager, "oven.faults.jam") == AlarmState.NORMAL
    feed(manager, clock, FAULTS, 3)  # 0b011: bit 2 clear, equals 3
    assert state(manager, "oven.faults.motor_trip") == AlarmState.RTN_UNACK
    assert state(manager, "oven.faults.jam") == AlarmState.UNACK
    feed(manager, clock, FAULTS, 0b111)  # 7: bit 2 again and in {7, 8}
    assert state(manager, "oven.faults.motor_trip") == AlarmState.UNACK
    assert state(manager, "oven.faults.guard") == AlarmState.UNACK
    assert state(manager, "oven.faults.jam") == AlarmState.RTN_UNACK


def test_deviation_from_a_setpoint_tag(oven, clock) -> None:
    manager, _ = oven
    clock.advance(1)
    manager.on_batch(batch("oven", [SP, SPEED], [100, 104], clock.now))
    assert state(manager, "oven.speed.deviation") == AlarmState.NORMAL
    feed(manager, clock, SPEED, 94)
    assert state(manager, "oven.speed.deviation") == AlarmState.UNACK
    feed(manager, clock, SP, 95)  # the setpoint follows; the next sample clears
    feed(manager, clock, SPEED, 94)
    assert state(manager, "oven.speed.deviation") == AlarmState.RTN_UNACK


def test_deviation_without_a_known_setpoint_never_raises(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, SPEED, 1e6)
    assert state(manager, "oven.speed.deviation") == AlarmState.NORMAL


def test_rate_of_change_per_minute(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, LEVEL, 10.0, dt=10)
    feed(manager, clock, LEVEL, 10.5, dt=10)  # 3 per minute
    assert state(manager, "oven.level.rate") == AlarmState.NORMAL
    feed(manager, clock, LEVEL, 12.0, dt=10)  # 9 per minute
    assert state(manager, "oven.level.rate") == AlarmState.UNACK
    feed(manager, clock, LEVEL, 11.0, dt=60)  # -1 per minute
    assert state(manager, "oven.level.rate") == AlarmState.RTN_UNACK


def test_bad_quality_and_nan_hold_the_state(oven, clock) -> None:
    manager, rec = oven
    feed(manager, clock, TEMP, 710)
    clock.advance(1)
    manager.on_batch(batch("oven", [TEMP], [0.0], clock.now, quality=[Quality.BAD]))
    assert len(rec.transitions) == 1
    manager.on_batch(batch("oven", [TEMP], [float("nan")], clock.now))
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    assert state(manager, "oven.temp.l") == AlarmState.NORMAL
    # ... while the NaN, a value no limit can judge, raises the tag's bad-value alarm.
    assert [t.alarm_id for t in rec.transitions] == ["oven.temp.h", "oven.temp.bad"]


def test_many_samples_of_one_tag_in_one_batch(oven, clock) -> None:
    manager, rec = oven
    t0 = clock.now
    values = [690, 710, 699, 697, 705, 650]
    manager.on_batch(batch("oven", [TEMP] * 6, values, [t0 + i for i in range(6)]))
    assert rec.events("oven.temp.h") == [
        ("oven.temp.h", "raise", "unack"),
        ("oven.temp.h", "clear", "rtn_unack"),
        ("oven.temp.h", "raise", "unack"),
        ("oven.temp.h", "clear", "rtn_unack"),
    ]
    assert [t.timestamp - t0 for t in rec.transitions] == [1, 3, 4, 5]
    assert rec.calls == 1  # one batch, one journal transaction, one delivery


def test_timed_shelve_expires_and_reannunciates(oven, clock) -> None:
    manager, rec = oven
    feed(manager, clock, TEMP, 710)
    manager.shelve(["oven.temp.h"], ANNA, "sensor being recalibrated", duration_s=60)
    view = manager.view("oven.temp.h")
    assert view.state == AlarmState.SHELVED
    assert view.shelve is not None and view.shelve.until == clock.now + 60
    assert view.shelve.actor == "anna" and view.shelve.reason == "sensor being recalibrated"
    assert manager.acknowledge(["oven.temp.h"], ANNA) == []  # not shown, not acknowledged
    manager.tick(clock.advance(59))
    assert state(manager, "oven.temp.h") == AlarmState.SHELVED
    manager.tick(clock.advance(1))
    assert state(manager, "oven.temp.h") == AlarmState.UNACK  # still beyond the limit
    last = rec.transitions[-1]
    assert (last.event.value, last.actor, last.comment) == (
        "unshelve",
        None,
        "shelve time expired",
    )


def test_shelved_alarm_that_cleared_comes_back_normal(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, TEMP, 710)
    manager.shelve(["oven.temp.h"], ANNA, "known", duration_s=30)
    feed(manager, clock, TEMP, 500)
    manager.unshelve(["oven.temp.h"], ANNA, "done")
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL


def test_one_shot_shelve_ends_when_the_alarm_clears(oven, clock) -> None:
    manager, rec = oven
    feed(manager, clock, TEMP, 710)
    manager.shelve(["oven.temp.h"], ANNA, "known issue", duration_s=3600, one_shot=True)
    feed(manager, clock, TEMP, 500)
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL
    assert rec.transitions[-1].event.value == "unshelve"
    feed(manager, clock, TEMP, 710)
    assert state(manager, "oven.temp.h") == AlarmState.UNACK


def test_shelve_rules(oven, clock) -> None:
    manager, _ = oven
    with pytest.raises(ValueError, match="reason is required"):
        manager.shelve(["oven.temp.h"], ANNA, "   ")
    with pytest.raises(ValueError, match="exceeds the maximum of 28800 s"):
        manager.shelve(["oven.temp.h"], ANNA, "long", duration_s=9 * 3600)
    with pytest.raises(ValueError, match="above zero"):
        manager.shelve(["oven.temp.h"], ANNA, "x", duration_s=0)
    with pytest.raises(UnknownAlarmError, match=r"unknown alarm\(s\): oven.temp.hhh"):
        manager.shelve(["oven.temp.h", "oven.temp.hhh"], ANNA, "typo")
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL  # nothing half done


def test_policy_refuses_unknown_users_and_out_of_service_without_role(
    tmp_path: Path, clock: Clock
) -> None:
    from tests.alarm_support import open_gateway, tag_ids

    config = oven_config()
    manager = AlarmManager(
        config,
        tag_ids(config),
        open_gateway(tmp_path / "s.db"),
        clock=clock,
        policy=StationUserPolicy(users=["anna", "bea"]),
    )
    feed(manager, clock, TEMP, 710)
    with pytest.raises(AccessDenied, match=r"carl may not perform 'alarm\.acknowledge'"):
        manager.acknowledge(["oven.temp.h"], Actor.named("carl"))
    with pytest.raises(PermissionError, match="needs the role supervisor"):
        manager.set_out_of_service(["oven.temp.h"], ANNA, "broken sensor")
    assert state(manager, "oven.temp.h") == AlarmState.UNACK


def test_out_of_service_and_back(oven, clock) -> None:
    manager, rec = oven
    feed(manager, clock, TEMP, 710)
    manager.set_out_of_service(["oven.temp.h"], BOSS, "thermocouple broken, WO-1234")
    assert manager.view("oven.temp.h").out_of_service_by == "bea"
    assert state(manager, "oven.temp.h") == AlarmState.OUT_OF_SERVICE
    feed(manager, clock, TEMP, 500)
    feed(manager, clock, TEMP, 730)
    assert state(manager, "oven.temp.h") == AlarmState.OUT_OF_SERVICE
    manager.return_to_service(["oven.temp.h"], BOSS, "repaired")
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    # Condition changes while hidden are journaled too (the restart restores the truth).
    assert rec.events("oven.temp.h")[1:] == [
        ("oven.temp.h", "out_of_service", "out_of_service"),
        ("oven.temp.h", "clear", "out_of_service"),
        ("oven.temp.h", "raise", "out_of_service"),
        ("oven.temp.h", "in_service", "unack"),
    ]


def suppressed_config():
    return station(
        {
            "press": [
                {"name": "state"},
                {
                    "name": "force",
                    "alarms": {
                        "suppress_when": {"tag": "state", "in": [0, 4]},
                        "h": {"limit": 10},
                        "l": {"limit": 2, "suppress_when": {"tag": "press.state", "in": [4]}},
                    },
                },
            ]
        }
    )


def test_suppressed_by_design_while_stopped(tmp_path: Path, clock: Clock) -> None:
    manager, rec = make_manager(suppressed_config(), tmp_path / "s.db", clock)
    clock.advance(1)
    manager.on_batch(batch("press", [0, 1], [0, 1.0], clock.now))  # stopped, force low
    assert state(manager, "press.force.h") == AlarmState.SUPPRESSED
    assert state(manager, "press.force.l") == AlarmState.UNACK  # its own rule: only state 4
    assert manager.view("press.force.h").suppressed_by == "design"
    clock.advance(1)
    manager.on_batch(batch("press", [0, 1], [4, 50.0], clock.now))  # maintenance, force high
    assert state(manager, "press.force.h") == AlarmState.SUPPRESSED
    assert state(manager, "press.force.l") == AlarmState.SUPPRESSED
    clock.advance(1)
    manager.on_batch(batch("press", [0], [1], clock.now))  # running: force still high
    assert state(manager, "press.force.h") == AlarmState.UNACK
    assert state(manager, "press.force.l") == AlarmState.NORMAL  # cleared while hidden
    events = [e for _, e, _ in rec.events("press.force.h")]
    assert events == ["suppress", "raise", "unsuppress"]


def test_comm_loss_suppresses_process_alarms_in_favour_of_one(oven, clock) -> None:
    manager, rec = oven
    feed(manager, clock, TEMP, 710)
    manager.acknowledge(["oven.temp.h"], ANNA)
    rec.clear()
    manager.on_device_status("oven", False, "timeout", clock.advance(1))
    annunciated = manager.views(annunciated_only=True)
    assert [v.alarm_id for v in annunciated] == ["oven.@comm"]
    assert annunciated[0].message.render() == "No communication with oven: no answer"
    assert annunciated[0].priority == Priority.HIGH
    assert state(manager, "oven.temp.h") == AlarmState.SUPPRESSED
    assert manager.view("oven.temp.h").suppressed_by == "comm"
    assert rec.transitions[0].alarm_id == "oven.@comm"
    # Bad samples while offline change nothing.
    manager.on_batch(
        batch("oven", [TEMP, FAULTS], [0, 0], clock.advance(1), quality=[Quality.BAD] * 2)
    )
    manager.on_device_status("oven", True, "", clock.advance(1))
    assert state(manager, "oven.@comm") == AlarmState.RTN_UNACK
    assert state(manager, "oven.temp.h") == AlarmState.ACKED  # same occurrence, still acked


def test_good_data_ends_a_comm_loss_nobody_announced(oven, clock) -> None:
    manager, _ = oven
    manager.on_device_status("oven", False, "refused", clock.advance(1))
    feed(manager, clock, TEMP, 500)
    assert state(manager, "oven.@comm") == AlarmState.RTN_UNACK
    assert state(manager, "oven.temp.h") == AlarmState.NORMAL


def test_engine_events_drive_the_comm_alarm(oven, clock) -> None:
    from app.model import Event, EventKind, Severity

    manager, _ = oven
    manager.on_event(
        Event(
            clock.now,
            EventKind.COMM_LOSS,
            "oven",
            {"fault": "timeout", "detail": "no answer (3 tries)"},
            Severity.ERROR,
            source_title="Oven (zone 1)",
        )
    )
    # The fault kind says what happened; the driver's own text is only the detail.
    view = manager.view("oven.@comm")
    assert view.message == Message("alarm.comm_fault", {"device": "oven", "fault": "timeout"})
    assert view.message.render() == "No communication with oven: no answer"
    assert view.detail == "no answer (3 tries)"
    assert state(manager, "oven.@comm") == AlarmState.UNACK
    manager.on_event(Event(clock.now + 1, EventKind.COMM_RESTORED, "oven"))
    assert state(manager, "oven.@comm") == AlarmState.RTN_UNACK


def test_comm_on_delay(tmp_path: Path, clock: Clock) -> None:
    manager, _ = make_manager(
        oven_config(), tmp_path / "s.db", clock, AlarmSettings(comm_on_delay_s=5)
    )
    manager.on_device_status("oven", False, "timeout", clock.now)
    manager.tick(clock.advance(4))
    assert state(manager, "oven.@comm") == AlarmState.NORMAL
    manager.tick(clock.advance(1))
    assert state(manager, "oven.@comm") == AlarmState.UNACK


def test_anomaly_alarm_lifecycle(oven, clock) -> None:
    manager, rec = oven
    alarm_id = manager.raise_anomaly(
        clock.now, "oven", "temp", "spectral", 7.5, "temperature oscillates", "high"
    )
    assert alarm_id == "oven.temp.@anomaly.spectral"
    view = manager.view(alarm_id)
    assert (view.state, view.priority, view.value, view.message.render()) == (
        AlarmState.UNACK,
        Priority.HIGH,
        7.5,
        "temperature oscillates",
    )
    manager.raise_anomaly(clock.now + 1, "oven", "temp", "spectral", 9.0, "")  # refresh only
    assert len(rec.events(alarm_id)) == 1
    manager.clear_anomaly(clock.now + 2, "oven", "temp", "spectral")
    assert state(manager, alarm_id) == AlarmState.RTN_UNACK
    manager.acknowledge([alarm_id], ANNA)
    assert state(manager, alarm_id) == AlarmState.NORMAL
    device_wide = manager.raise_anomaly(clock.now, "oven", None, "mv-pca", 3.0, "unusual mix")
    assert device_wide == "oven.@anomaly.mv-pca"
    with pytest.raises(ValueError, match="unknown device 'kiln'"):
        manager.raise_anomaly(clock.now, "kiln", None, "x", 1.0, "m")
    with pytest.raises(ValueError, match="no tag 'tmp'"):
        manager.raise_anomaly(clock.now, "oven", "tmp", "x", 1.0, "m")


def test_anomaly_auto_clear(tmp_path: Path, clock: Clock) -> None:
    manager, _ = make_manager(
        oven_config(), tmp_path / "s.db", clock, AlarmSettings(anomaly_clear_after_s=60)
    )
    alarm_id = manager.raise_anomaly(clock.now, "oven", None, "iforest", 1.0, "odd")
    manager.tick(clock.advance(59))
    assert state(manager, alarm_id) == AlarmState.UNACK
    manager.tick(clock.advance(1))
    assert state(manager, alarm_id) == AlarmState.RTN_UNACK


def test_counts_and_views_order(oven, clock) -> None:
    manager, _ = oven
    feed(manager, clock, TEMP, 730)  # hh critical + h high
    feed(manager, clock, FAULTS, 3)  # jam medium
    manager.acknowledge(["oven.temp.h"], ANNA)
    counts = manager.counts()
    assert counts[Priority.CRITICAL] == (1, 1)
    assert counts[Priority.HIGH] == (1, 0)
    assert counts[Priority.MEDIUM] == (1, 1)
    assert counts[Priority.LOW] == (0, 0)
    order = [v.alarm_id for v in manager.views(annunciated_only=True)]
    assert order == ["oven.temp.hh", "oven.temp.h", "oven.faults.jam"]
    assert manager.view("oven.temp.hh").response == "Stop the line"


def test_listener_failure_does_not_stop_the_manager(oven, clock) -> None:
    manager, rec = oven

    def broken(_transitions: object) -> None:
        raise RuntimeError("boom")

    manager.add_listener(broken)
    feed(manager, clock, TEMP, 710)
    assert state(manager, "oven.temp.h") == AlarmState.UNACK
    manager.remove_listener(broken)
    assert len(rec.transitions) == 1


def test_bad_acknowledge_input(oven, clock) -> None:
    manager, _ = oven
    with pytest.raises(ValueError, match="longer than 2000"):
        manager.acknowledge(["oven.temp.h"], ANNA, "x" * 2001)
    with pytest.raises(ValueError, match="user name is required"):
        Actor.named("   ")


def test_anomaly_monitor_output_in_one_transaction(oven, clock) -> None:
    from app.detectors.anomaly import Anomaly

    manager, rec = oven
    why = Message("robust.spike_above", {"sigma": 4.2, "baseline": "1-hour"})
    spike = Anomaly(
        clock.now,
        "oven",
        "temp",
        "robust",
        0.97,
        Message("anomaly.tag", {"subject": "temp", "detail": why}),
    )
    odd = Message("pca.t2", {"ratio": 3.0})
    machine = Anomaly(
        clock.now,
        "oven",
        None,
        "pca",
        0.9,
        Message("anomaly.machine", {"subject": "Oven", "detail": odd}),
    )
    stray = Anomaly(clock.now, "kiln", None, "pca", 0.9, Message("pca.t2", {"ratio": 2.0}))
    raised = manager.on_anomalies([spike, machine, stray])
    assert raised == ["oven.temp.@anomaly.robust", "oven.@anomaly.pca"]
    assert rec.calls == 1 and len(rec.transitions) == 2
    said = manager.view("oven.temp.@anomaly.robust").message
    assert said == spike.explanation  # the explanation itself, not English prose
    assert said.render() == "temp 4.2σ above its 1-hour baseline (spike)"
    manager.on_anomalies([], [spike], timestamp=clock.advance(30))
    assert state(manager, "oven.temp.@anomaly.robust") == AlarmState.RTN_UNACK
    assert rec.transitions[-1].timestamp == clock.now
    assert state(manager, "oven.@anomaly.pca") == AlarmState.UNACK
