"""Reject signals become defects: the plant simulator's leak tester over real Modbus TCP, a
headless station and a real SQLite file; the checkweigher's weight window in the plant model."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sqlalchemy import select

from app.commands.demo import point_at
from app.config_loader import load_config
from app.model import Event, EventKind, Quality, SampleBatch
from app.quality import spc
from app.quality.queries import DefectFilter, defect_page, measurement_series, reject_counts
from app.quality.service import QualityService
from app.quality.tables import inspections, parts
from app.quality.watcher import RejectWatcher
from app.security import StationUserPolicy
from app.station import Station
from app.storage import DatabaseGateway, open_database
from app.tags import TagTable
from drivers.simulator import PlantSimulator
from drivers.simulator.leaktest import WEIGHT_LSL_KG, WEIGHT_USL_KG
from drivers.simulator.plant import Plant
from drivers.simulator.scenario import Fault
from resources import DEMO_CONFIG
from tests.waiting import wait_until

SERIAL = re.compile(r"^EVH220-\d{4}-\d{6}$")


def test_a_reject_burst_becomes_defects_and_a_p_chart_signal(sqlite_url: str) -> None:
    burst = [
        Fault(start_s=0, machine="leaktest", kind="reject_burst", duration_s=7200, severity=0.6)
    ]
    sim = PlantSimulator(seed=3, scenario=burst, speed=20.0)
    sim.start()
    server = sim.serve_modbus_tcp("127.0.0.1", 0)
    config = point_at(load_config(DEMO_CONFIG), "127.0.0.1", server.port)
    station = Station(config, db_url=sqlite_url)
    db = station.db
    station.start()
    try:
        wait_until(
            lambda: station.rejects.parts_recorded >= 12 and station.rejects.defects_made >= 3,
            timeout=90,
            what="12 parts and 3 defects recorded",
        )
        assert station.gateway.flush()
        found = defect_page(db, DefectFilter(codes=("LEAK",)), 0, 1000)
        finished = {p.serial: p for p in sim._parts_after(0)}
    finally:
        station.stop()
        sim.stop()
    assert found, "no leak defects"
    for defect in found:
        assert defect.source == "auto" and defect.inspector == "system"
        assert SERIAL.match(defect.serial), defect.serial
        assert defect.measured["leak_decay"] > 50.0  # the measured decay is in the record
        # The serial is the part the simulator failed, not the one before or after it.
        assert finished[defect.serial].passed is False, defect.serial
    series = measurement_series(open_database(sqlite_url), "leak_decay")
    assert len(series.values) >= 12 and series.usl == 50.0
    # The p chart (baseline: the line's normal 2 % rejects) signals within the first subgroups.
    counts = reject_counts(
        open_database(sqlite_url), "leaktest", bucket_s=None, parts_per_subgroup=5
    )
    chart = spc.p_chart(counts.rejected, counts.inspected, p_bar=0.02)
    assert chart.out_of_control.any()
    assert int(np.argmax(chart.out_of_control)) <= 2  # within 15 parts of the burst
    with open_database(sqlite_url).connect() as conn:
        rejected = conn.execute(select(inspections.c.rejected)).scalars().all()
    assert sum(rejected) >= len(found)


def test_the_checkweigher_window_rejects_short_castings() -> None:
    plant = Plant(seed=5, scenario="none")
    results: list[tuple[float, int]] = []
    seen = 0
    while len(results) < 400:
        plant.step(5.0)
        if plant.leaktest.cycles != seen:
            seen = plant.leaktest.cycles
            results.append((plant.leaktest.last_weight, plant.leaktest.weigh_result))
    weights = np.array([w for w, _ in results])
    verdicts = np.array([r for _, r in results])
    outside = (weights < WEIGHT_LSL_KG) | (weights > WEIGHT_USL_KG)
    assert np.array_equal(verdicts == 2, outside)
    assert 2 <= outside.sum() <= 25  # about 2 % short castings
    assert plant.values("leaktest")["last_weight"] == weights[-1]


def test_weight_outside_the_window_is_a_defect_with_its_code(sqlite_url: str) -> None:
    config = load_config(DEMO_CONFIG)
    tags = TagTable(config)
    gateway = DatabaseGateway(open_database(sqlite_url))
    service = QualityService(config, gateway, StationUserPolicy())
    watcher = RejectWatcher(config, tags, service)
    names = ["tested_count", "last_serial", "last_result", "pressure_decay", "last_weight"]
    ids = np.array([tags.by_name(f"leaktest.{n}").id for n in names], dtype=np.int64)

    def poll(ts: float, count: int, serial: str, result: int, decay: float, kg: float) -> None:
        values = np.array([count, np.nan, result, decay, kg], dtype=np.float64)
        quality = np.full(len(ids), Quality.GOOD, dtype=np.int8)
        watcher.on_batch(
            SampleBatch.uniform("leaktest", ids, ts, values, quality, texts={int(ids[1]): serial})
        )

    poll(100.0, 7, "EVH220-2611-000007", 1, 5.0, 4.850)  # baseline: nothing recorded
    poll(101.0, 7, "EVH220-2611-000007", 1, 5.0, 4.850)
    poll(145.0, 8, "EVH220-2611-000008", 1, 6.0, 4.801)  # underweight, leak-tight
    poll(190.0, 9, "EVH220-2611-000009", 1, 5.5, 4.880)  # overweight
    poll(235.0, 10, "EVH220-2611-000010", 2, 120.0, 4.851)  # leak
    poll(280.0, 11, "EVH220-2611-000011", 1, 4.0, 4.852)  # good
    watcher.on_event(
        Event(
            timestamp=300.0, kind=EventKind.PART_SCANNED, source="leaktest", data={"serial": "bad"}
        )
    )
    assert gateway.flush()
    found = defect_page(gateway.db, DefectFilter(), 0, 10, descending=False)
    assert [(d.serial[-2:], d.code, d.measured) for d in found] == [
        ("08", "UNDERWEIGHT", {"weight": 4.801}),
        ("09", "OVERWEIGHT", {"weight": 4.88}),
        ("10", "LEAK", {"leak_decay": 120.0}),
    ]
    with gateway.db.connect() as conn:
        rows = conn.execute(select(inspections.c.serial, inspections.c.rejected)).fetchall()
        assert conn.execute(select(parts)).fetchall() == []  # a serial failing the pattern
    assert [(s[-2:], r) for s, r in rows] == [("08", 1), ("09", 1), ("10", 1), ("11", 0)]
    counts = reject_counts(gateway.db, "leaktest", bucket_s=3600.0)
    assert counts.inspected.tolist() == [4] and counts.rejected.tolist() == [3]
    gateway.close()


@pytest.mark.parametrize("close", [False, True])
def test_a_scan_starts_or_closes_a_part(sqlite_url: str, close: bool) -> None:
    config = load_config(DEMO_CONFIG)
    quality = config.quality.model_copy(
        update={"scan_close": ["leaktest"]} if close else {"scan_start": ["leaktest"]}
    )
    config = config.model_copy(update={"quality": quality})
    gateway = DatabaseGateway(open_database(sqlite_url))
    service = QualityService(config, gateway, StationUserPolicy())
    watcher = RejectWatcher(config, TagTable(config), service)
    watcher.on_event(
        Event(
            timestamp=50.0,
            kind=EventKind.PART_SCANNED,
            source="leaktest",
            data={"serial": "EVH220-2611-000042"},
        )
    )
    assert gateway.flush()
    with gateway.db.connect() as conn:
        (row,) = conn.execute(select(parts)).fetchall()
    assert row.serial == "EVH220-2611-000042" and row.part_number == "EVH-220"
    assert (row.closed_at, row.close_machine) == ((50.0, "leaktest") if close else (None, None))
    assert (row.started_at, row.start_machine) == ((None, None) if close else (50.0, "leaktest"))
    gateway.close()
