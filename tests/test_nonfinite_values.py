"""Issue 18: a tag whose engineering value is NaN or infinite is BAD with a reason, never GOOD;
its alarms are not left blind (the bad-value alarm), and ``poll --json`` stays valid JSON.

Real parts: a Modbus TCP server on loopback, the device worker, a station with a SQLite file,
the alarm manager journaling into SQLite, the ``shopfloor`` CLI in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.alarms.definitions import build_definitions
from app.alarms.evaluator import ConditionEvaluator
from app.alarms.model import AlarmState, Kind, Priority
from app.config import ConfigError
from app.config_loader import parse_config
from app.model import Event, EventKind, Quality, SampleBatch
from app.scaling import NOT_A_NUMBER, OUT_OF_RANGE, engineering_values
from app.station import Station
from app.storage import open_database
from app.storage.samples import SampleStore
from app.tags import TagTable
from app.worker import DeviceWorker
from tests.alarm_support import Clock, batch, make_manager, station
from tests.servers.modbus_server import ModbusTcpServer

ROOT = Path(__file__).resolve().parents[1]
HEAD = {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"}
#: hot: +inf register, cold: -inf, wet: NaN, big: a scale that overflows, fine: a good value.
TAGS = [
    {"name": "hot", "type": "float32", "address": 0, "alarms": {"h": {"limit": 100}}},
    {"name": "cold", "type": "float32", "address": 2},
    {"name": "wet", "type": "float32", "address": 4, "alarms": {"l": {"limit": 1}}},
    {"name": "big", "type": "int16", "address": 6, "scale": 1e308},
    {"name": "fine", "type": "int16", "address": 7, "scale": 0.1, "alarms": {"h": {"limit": 50}}},
]


@pytest.fixture
def server() -> Iterator[ModbusTcpServer]:
    with ModbusTcpServer() as srv:
        srv.memory.set_value("holding", 0, float("inf"), "float32")
        srv.memory.set_value("holding", 2, float("-inf"), "float32")
        srv.memory.set_value("holding", 4, float("nan"), "float32")
        srv.memory.set_value("holding", 6, 215, "int16")
        srv.memory.set_value("holding", 7, 215, "int16")
        yield srv


def config_for(port: int, **device: object) -> dict:
    return {
        "station": HEAD,
        "devices": [
            {
                "name": "press",
                "driver": "modbus-tcp",
                "poll_period_s": 0.1,
                "timeout_s": 0.5,
                "connection": {"host": "127.0.0.1", "port": port},
                "tags": TAGS,
                **device,
            }
        ],
    }


def test_worker_publishes_non_finite_values_as_bad_with_a_reason(server: ModbusTcpServer) -> None:
    config = parse_config(config_for(server.port))
    table = TagTable(config)
    got: list[SampleBatch] = []
    arrived = threading.Event()

    def publish(item: SampleBatch | Event) -> None:
        if isinstance(item, SampleBatch):
            got.append(item)
            arrived.set()

    worker = DeviceWorker(config.devices[0], table, publish)
    worker.start()
    try:
        assert arrived.wait(10)
    finally:
        worker.stop()
        worker.join(5)
    first = got[0]
    ids = table.ids()
    by_tag = {int(i): k for k, i in enumerate(first.tag_ids)}

    def sample(name: str) -> tuple[float, int, str | None]:
        tag_id = ids[f"press.{name}"]
        k = by_tag[tag_id]
        return float(first.values[k]), int(first.quality[k]), first.reasons.get(tag_id)

    for name, reason in (("hot", OUT_OF_RANGE), ("cold", OUT_OF_RANGE), ("big", OUT_OF_RANGE)):
        value, quality, why = sample(name)
        assert (quality, why) == (Quality.BAD, reason), name
        assert np.isnan(value)  # no infinity travels on
    value, quality, why = sample("wet")
    assert np.isnan(value) and (quality, why) == (Quality.BAD, NOT_A_NUMBER)
    assert sample("fine") == (pytest.approx(21.5), Quality.GOOD, None)


def test_station_stores_bad_quality_and_raises_the_bad_value_alarm(
    server: ModbusTcpServer, sqlite_url: str
) -> None:
    config = parse_config(config_for(server.port))
    st = Station(config, db_url=sqlite_url)
    raised = threading.Event()
    seen: set[str] = set()

    def listen(transitions: object) -> None:
        for t in transitions:  # type: ignore[attr-defined]
            seen.add(t.alarm_id)
        if {"press.hot.bad", "press.wet.bad"} <= seen:
            raised.set()

    st.alarms.add_listener(listen)
    st.start()
    try:
        assert raised.wait(10), seen
        views = {v.alarm_id: v for v in st.alarms.views()}
    finally:
        st.stop()
    hot = views["press.hot.bad"]
    assert (hot.state, hot.kind, hot.priority) == (
        AlarmState.UNACK,
        Kind.BAD_VALUE,
        Priority.MEDIUM,
    )
    assert views["press.wet.bad"].state == AlarmState.UNACK
    # The process alarms hold (no judgement on a value that is not one); fine is good and low.
    assert views["press.hot.h"].state == AlarmState.NORMAL
    assert views["press.fine.bad"].state == AlarmState.NORMAL
    assert "press.cold.bad" not in views and "press.big.bad" not in views  # no alarms: none
    store = SampleStore(open_database(sqlite_url))
    for name in ("hot", "cold", "wet", "big"):
        _, values, quality = store.read(f"press.{name}")
        assert len(quality) and np.all(quality == Quality.BAD), name
        assert not np.any(np.isinf(values)), name
    _, _, quality = store.read("press.fine")
    assert len(quality) and np.all(quality == Quality.GOOD)


def test_poll_json_is_valid_json_with_null_and_a_reason(
    server: ModbusTcpServer, tmp_path: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        """
[station]
company = "ACME"
site = "Plant 1"
line = "L1"
station = "S1"

[[devices]]
name = "press"
driver = "modbus-tcp"
timeout_s = 0.5
connection = { host = "127.0.0.1", port = PORT }
tags = [
  { name = "hot", type = "float32", address = 0 },
  { name = "wet", type = "float32", address = 4 },
  { name = "big", type = "int16", address = 6, scale = 1e308 },
  { name = "fine", type = "int16", address = 7, scale = 0.1 },
]
""".replace("PORT", str(server.port))
    )
    done = subprocess.run(
        [sys.executable, "-m", "app", "poll", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr  # some tag is bad

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    rows = {r["tag"]: r for r in json.loads(done.stdout, parse_constant=refuse)}
    assert (rows["hot"]["value"], rows["hot"]["quality"], rows["hot"]["error"]) == (
        None,
        "bad",
        OUT_OF_RANGE,
    )
    assert (rows["wet"]["value"], rows["wet"]["error"]) == (None, NOT_A_NUMBER)
    assert (rows["big"]["value"], rows["big"]["error"]) == (None, OUT_OF_RANGE)
    assert (rows["fine"]["value"], rows["fine"]["quality"]) == (pytest.approx(21.5), "good")


# -- The bad-value alarm in the alarm manager ----------------------------------------------


ALARMED = station(
    {
        "m": [
            {"name": "a", "alarms": {"hh": {"limit": 9, "priority": "high"}, "h": {"limit": 5}}},
            {"name": "b", "alarms": {"l": {"limit": 0}, "bad": {"priority": "low"}}},
            {"name": "c", "alarms": {"h": {"limit": 5}, "bad": {"enabled": False}}},
            {"name": "label", "type": "string", "alarms": {"bad": {}}},
            {"name": "plain"},
        ]
    }
)


def test_bad_value_alarm_definitions_and_defaults() -> None:
    ids = TagTable(ALARMED).ids()
    defs = {d.alarm_id: d for d in build_definitions(ALARMED, ids)}
    assert defs["m.a.bad"].priority == Priority.HIGH  # the most urgent alarm it would blind
    assert defs["m.b.bad"].priority == Priority.LOW  # as configured
    assert "m.c.bad" not in defs  # turned off
    assert defs["m.label.bad"].priority == Priority.MEDIUM  # asked for, nothing to inherit
    assert not [d for d in defs if d.startswith("m.plain")]  # no alarms, no bad-value alarm
    assert defs["m.a.bad"].response and "bad value" in defs["m.a.bad"].message.render()


def test_bad_is_a_reserved_condition_name() -> None:
    doc = {
        "station": HEAD,
        "devices": [
            {
                "name": "m",
                "driver": "simulated",
                "tags": [{"name": "x", "alarms": {"discrete": [{"name": "bad", "equals": 1}]}}],
            }
        ],
    }
    with pytest.raises(ConfigError, match="reserved"):
        parse_config(doc)


def test_non_finite_values_raise_the_bad_value_alarm_and_hold_the_others(
    tmp_path: Path,
) -> None:
    clock = Clock()
    manager, rec = make_manager(ALARMED, tmp_path / "j.db", clock)
    ids = TagTable(ALARMED).ids()
    a, b, c = ids["m.a"], ids["m.b"], ids["m.c"]
    manager.on_batch(batch("m", [a, b, c], [6.0, 1.0, 6.0], clock.advance(1)))
    assert [t.alarm_id for t in rec.transitions] == ["m.a.h", "m.c.h"]
    rec.clear()
    # What the worker publishes for +inf on a, NaN on b and c: BAD with the value reason.
    bad = batch("m", [a, b, c], [np.nan] * 3, clock.advance(1), quality=[Quality.BAD] * 3)
    bad.reasons.update({a: OUT_OF_RANGE, b: NOT_A_NUMBER, c: NOT_A_NUMBER})
    manager.on_batch(bad)
    assert rec.events() == [("m.a.bad", "raise", "unack"), ("m.b.bad", "raise", "unack")]
    views = {v.alarm_id: v for v in manager.views()}
    assert views["m.a.h"].state == AlarmState.UNACK  # held, not cleared by a non-value
    assert views["m.a.bad"].value is None or np.isnan(views["m.a.bad"].value)
    rec.clear()
    # A good value clears the bad-value alarm and is judged by the limits again.
    manager.on_batch(batch("m", [a, b], [1.0, 1.0], clock.advance(1)))
    assert ("m.a.bad", "clear", "rtn_unack") in rec.events()
    assert ("m.a.h", "clear", "rtn_unack") in rec.events()
    assert ("m.b.bad", "clear", "rtn_unack") in rec.events()


def test_a_good_quality_infinity_from_anywhere_is_a_bad_value(tmp_path: Path) -> None:
    clock = Clock()
    manager, rec = make_manager(ALARMED, tmp_path / "j.db", clock)
    a = TagTable(ALARMED).ids()["m.a"]
    manager.on_batch(batch("m", [a], [float("inf")], clock.advance(1)))
    assert rec.events() == [("m.a.bad", "raise", "unack")]
    assert rec.transitions[0].value is None or np.isnan(rec.transitions[0].value)


def test_a_string_tag_with_its_text_is_not_a_bad_value() -> None:
    ids = TagTable(ALARMED).ids()
    evaluator = ConditionEvaluator(build_definitions(ALARMED, ids), len(ids))
    label = ids["m.label"]
    sample = batch("m", [label], [np.nan], 1.0)
    sample.texts[label] = "PX-7"
    assert len(evaluator.evaluate(sample)) == 0
    assert len(evaluator.evaluate(batch("m", [label], [np.nan], 2.0))) == 1


def test_communication_loss_raises_no_bad_value_alarms(tmp_path: Path) -> None:
    """A dead device has one alarm (communication); its tags' bad-value alarms stay quiet, so
    losing and regaining a device never floods the operator with one alarm per tag."""
    clock = Clock()
    manager, rec = make_manager(ALARMED, tmp_path / "j.db", clock)
    ids = TagTable(ALARMED).ids()
    every = [ids[f"m.{n}"] for n in ("a", "b", "c", "label", "plain")]
    manager.on_batch(batch("m", every[:3], [1.0, 1.0, 1.0], clock.advance(1)))
    rec.clear()
    # Exactly what the worker publishes when the device stops answering, then its event.
    down = batch("m", every, [np.nan] * 5, clock.advance(1), quality=[Quality.BAD] * 5)
    down.reasons.update(dict.fromkeys(every, "timeout: no answer within 0.5 s"))
    manager.on_batch(down)
    manager.on_event(
        Event(clock.now, EventKind.COMM_LOSS, "m", {"fault": "timeout", "detail": "no answer"})
    )
    manager.on_event(Event(clock.advance(5), EventKind.COMM_RESTORED, "m"))
    manager.on_batch(batch("m", every[:3], [1.0, 1.0, 1.0], clock.advance(1)))
    raised = {t.alarm_id for t in rec.transitions if t.event.value == "raise"}
    assert raised == {"m.@comm"}
    assert not [v for v in manager.views() if v.kind == Kind.BAD_VALUE and v.state.annunciated]


# -- The scaling step itself ----------------------------------------------------------------


def test_engineering_values_mark_only_what_is_not_finite() -> None:
    raw = np.array([1.0, np.inf, np.nan, 215.0, np.nan, np.nan, 2.0])
    scale = np.array([2.0, 1.0, 1.0, 1e308, 1.0, 1.0, 1.0])
    offset = np.zeros(7)
    ids = np.arange(10, 17, dtype=np.int32)
    fresh = np.array([True, True, True, True, True, False, True])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow is handled, not warned about
        values, quality, reasons = engineering_values(raw, scale, offset, ids, {4: "x"}, fresh)
    assert quality.tolist() == [0, 1, 1, 1, 0, 0, 0]
    assert reasons == {11: OUT_OF_RANGE, 12: NOT_A_NUMBER, 13: OUT_OF_RANGE}
    assert values[0] == 2.0 and not np.isinf(values).any()
    clean, quality, reasons = engineering_values(raw[[0, 6]], scale[[0, 6]], offset[:2], ids[:2])
    assert clean.tolist() == [2.0, 2.0] and not quality.any() and reasons == {}
