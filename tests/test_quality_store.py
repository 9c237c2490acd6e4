"""Quality records: the [quality] config, defects entered, edited and voided through the
gateway into a real SQLite file, history kept, nothing half-written, survival of kill -9."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import ConfigError
from app.config_loader import load_config
from app.quality.model import Disposition
from app.quality.queries import (
    DefectFilter,
    count_defects,
    defect_history_of,
    defect_page,
    defects_per_bucket,
    ensure_tables,
    pareto,
)
from app.quality.service import DefectDraft, QualityInputError, QualityService
from app.quality.tables import defect_history, defects
from app.security import AccessDenied, Actor, StationUserPolicy
from app.storage import DatabaseGateway, open_database
from resources import DEMO_CONFIG

SERIAL = "EVH220-2611-000123"


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def service(sqlite_url: str):  # type: ignore[no-untyped-def]
    gateway = DatabaseGateway(open_database(sqlite_url))
    gateway.start()
    svc = QualityService(load_config(DEMO_CONFIG), gateway, StationUserPolicy())
    yield svc
    gateway.close()


def draft(**changes: object) -> DefectDraft:
    values: dict[str, object] = {
        "machine": "leaktest",
        "code": "LEAK",
        "serial": SERIAL,
        "notes": "bubbles at the flange",
        "measured": {"leak_decay": 73.5},
    }
    values.update(changes)
    return DefectDraft(**values)  # type: ignore[arg-type]


def all_defects(service: QualityService) -> list:  # type: ignore[type-arg]
    assert service.gateway.flush()
    return defect_page(service.gateway.db, DefectFilter(include_voided=True), 0, 100)


# -- config -------------------------------------------------------------------------------------


def test_demo_config_has_a_bilingual_catalogue() -> None:
    quality = load_config(DEMO_CONFIG).quality
    leak = quality.code("LEAK")
    assert leak is not None and leak.ko.startswith("누설") and leak.severity == "major"
    assert quality.characteristic("weight") is not None
    assert quality.inspections[0].device == "leaktest"


@pytest.mark.parametrize(
    ("snippet", "where"),
    [
        (
            'defect_codes = [{ code = "A", en = "a", ko = "가" }, '
            '{ code = "A", en = "b", ko = "나" }]',
            "quality.defect_codes[1].code: duplicate defect code 'A'",
        ),
        ("serial_pattern = '(['", "quality.serial_pattern"),
        (
            'defect_codes = [{ code = "A", en = "a", ko = "가", severity = "awful" }]',
            "quality.defect_codes[0].severity",
        ),
        (
            'characteristics = [{ name = "w", device = "m", tag = "v", lsl = 5, usl = 4 }]',
            "quality.characteristics[0].lsl: lsl must be below usl",
        ),
        (
            'characteristics = [{ name = "w", device = "m", tag = "nope", usl = 4 }]',
            "quality.characteristics[0].tag: no tag named 'nope' in device 'm'",
        ),
        (
            'inspections = [{ device = "m", part_done = "v", rejects = '
            '[{ tag = "v", equals = 2, code = "GONE" }] }]',
            "quality.inspections[0].rejects[0].code: unknown defect code 'GONE'",
        ),
        ('shifts = [{ name = "A", start = "25:00" }]', "quality.shifts[0].start"),
        ('scan_close = ["ghost"]', "quality.scan_close[0]: no device named 'ghost'"),
    ],
)
def test_bad_quality_config_names_the_key(tmp_path: Path, snippet: str, where: str) -> None:
    path = tmp_path / "station.toml"
    path.write_text(
        textwrap.dedent(
            """
            [station]
            company = "c"
            site = "s"
            line = "l"
            station = "st"
            [quality]
            {snippet}
            [[devices]]
            name = "m"
            driver = "simulated"
            [[devices.tags]]
            name = "v"
            signal = "sine"
            """
        ).replace("{snippet}", snippet),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert where in caught.value.report()


# -- entering -----------------------------------------------------------------------------------


def test_defect_entered_is_committed_with_everything(
    service: QualityService, tmp_path: Path
) -> None:
    photo = tmp_path / "flange.png"
    photo.write_bytes(png_bytes())
    anna = Actor.named("anna")
    made = service.add_defect(anna, draft(photos=(photo,), ts=1_780_000_000.0))
    (stored,) = all_defects(service)
    assert stored.uid == made.uid and stored.id > 0
    assert stored.code == "LEAK" and stored.severity == "major"
    assert stored.part_number == "EVH-220" and stored.serial == SERIAL
    assert stored.inspector == "anna" and stored.disposition == Disposition.PENDING
    assert stored.measured == {"leak_decay": 73.5}
    assert stored.photos == (str(photo.resolve()),)
    assert stored.station == "L3 line-side monitor" and stored.machine == "leaktest"
    assert stored.shift in {"A", "B", "C"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "NOPE"}, "unknown defect code 'NOPE' (known: LEAK, UNDERWEIGHT"),
        ({"serial": "EVH220-26-1"}, "serial 'EVH220-26-1' does not match the pattern"),
        ({"serial": ""}, "a serial is required"),
        ({"machine": "press9"}, "unknown machine 'press9'"),
        ({"photos": (Path("/nonexistent/x.jpg"),)}, "does not exist"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(
    service: QualityService, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(QualityInputError) as caught:
        service.add_defect(Actor.named("anna"), draft(**changes))
    assert message in str(caught.value)
    assert all_defects(service) == []


def test_a_text_file_named_png_is_not_a_photo(service: QualityService, tmp_path: Path) -> None:
    fake = tmp_path / "photo.png"
    fake.write_text("not an image at all", encoding="utf-8")
    good = tmp_path / "ok.png"
    good.write_bytes(png_bytes())
    with pytest.raises(QualityInputError) as caught:
        service.add_defect(Actor.named("anna"), draft(photos=(good, fake)))
    assert f"photo {fake} is not an image" in str(caught.value)
    assert all_defects(service) == []


def test_edits_keep_who_when_before_and_after(service: QualityService) -> None:
    anna, ben = Actor.named("anna"), Actor.named("ben")
    made = service.add_defect(anna, draft())
    (stored,) = all_defects(service)
    service.edit(ben, stored, {"disposition": Disposition.REWORK, "notes": "reworked seal"})
    (after,) = all_defects(service)
    assert after.disposition == "rework" and after.notes == "reworked seal"
    service.edit(anna, after, {"disposition": Disposition.SCRAP})
    (final,) = all_defects(service)
    history = defect_history_of(service.gateway.db, made.uid)
    assert [h.actor for h in history] == ["ben", "anna"]
    assert history[0].before == {"disposition": "pending", "notes": "bubbles at the flange"}
    assert history[0].after == {"disposition": "rework", "notes": "reworked seal"}
    assert history[1].before == {"disposition": "rework"}
    assert history[1].after == {"disposition": "scrap"}
    assert final.disposition == "scrap"
    with pytest.raises(QualityInputError, match="unknown defect code 'XX'"):
        service.edit(anna, final, {"code": "XX"})
    with pytest.raises(QualityInputError, match="nothing to change"):
        service.edit(anna, final, {"disposition": "scrap"})


def test_void_needs_a_reason_and_a_role_and_never_deletes(service: QualityService) -> None:
    service.add_defect(Actor.named("anna"), draft())
    (stored,) = all_defects(service)
    with pytest.raises(AccessDenied, match=r"defect\.void"):
        service.void(Actor.named("anna"), stored, "typo")
    inspector = Actor.named("kim", ["quality"])
    with pytest.raises(QualityInputError, match="reason is required"):
        service.void(inspector, stored, "  ")
    service.void(inspector, stored, "entered on the wrong part")
    (voided,) = all_defects(service)
    assert voided.voided and voided.void_reason == "entered on the wrong part"
    db = service.gateway.db
    assert count_defects(db, DefectFilter()) == 0  # hidden by default, not deleted
    assert count_defects(db, DefectFilter(include_voided=True)) == 1
    with pytest.raises(QualityInputError, match="voided"):
        service.edit(inspector, voided, {"notes": "x"})
    (change,) = defect_history_of(db, voided.uid)
    assert change.action == "void" and change.actor == "kim"
    assert change.before == {"voided": 0, "void_reason": ""}


def test_filters_and_pareto_are_queries(service: QualityService) -> None:
    anna = Actor.named("anna")
    base = 1_780_000_000.0
    for index, (machine, code) in enumerate(
        [("leaktest", "LEAK")] * 5 + [("leaktest", "UNDERWEIGHT")] * 2 + [("cnc", "BURR")] * 3
    ):
        service.add_defect(
            anna,
            draft(
                machine=machine, code=code, ts=base + index * 60, serial=f"EVH220-2611-{index:06d}"
            ),
        )
    assert service.gateway.flush()
    db = service.gateway.db
    assert pareto(db, DefectFilter()) == [("LEAK", 5), ("BURR", 3), ("UNDERWEIGHT", 2)]
    assert pareto(db, DefectFilter(), by="machine") == [("leaktest", 7), ("cnc", 3)]
    window = DefectFilter(start=base + 120, end=base + 420, machines=("leaktest",))
    page = defect_page(db, window, 0, 10)
    assert [d.ts for d in page] == [base + 360, base + 300, base + 240, base + 180, base + 120]
    assert count_defects(db, DefectFilter(codes=("BURR", "UNDERWEIGHT"))) == 5
    assert count_defects(db, DefectFilter(serial="EVH220-2611-00000")) == 10
    assert count_defects(db, DefectFilter(text="flange")) == 10
    assert count_defects(db, DefectFilter(text="gasket")) == 0


def test_an_accepted_defect_survives_kill_9(tmp_path: Path) -> None:
    db_path = tmp_path / "station.db"
    child = textwrap.dedent(
        f"""
        import sys, time
        from app.config_loader import load_config
        from app.quality.service import DefectDraft, QualityService
        from app.security import Actor, StationUserPolicy
        from app.storage import DatabaseGateway, open_database
        from resources import DEMO_CONFIG
        gateway = DatabaseGateway(open_database({str(db_path)!r}))
        gateway.start()
        service = QualityService(load_config(DEMO_CONFIG), gateway, StationUserPolicy())
        for i in range(20):
            service.add_defect(Actor.named("anna"), DefectDraft(
                machine="leaktest", code="LEAK", serial=f"EVH220-2611-{{i:06d}}"))
        while gateway.written("quality") < 20:
            time.sleep(0.01)
        print("accepted", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "accepted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = open_database(db_path)
    ensure_tables(db)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(defects)).scalar_one() == 20
        assert conn.execute(select(func.count()).select_from(defect_history)).scalar_one() == 0
    db.dispose()


def test_pareto_from_hourly_counts_matches_the_rows_after_edits_and_voids(
    service: QualityService,
) -> None:
    anna, kim = Actor.named("anna"), Actor.named("kim", ["quality"])
    base = 1_780_000_000.0 + 1234.5  # not on an hour
    codes = ["LEAK", "UNDERWEIGHT", "BURR", "LEAK", "SCRATCH"]
    for index in range(60):
        service.add_defect(
            anna,
            draft(
                code=codes[index % 5],
                machine=("leaktest", "cnc")[index % 2],
                ts=base + index * 397.0,
                serial=f"EVH220-2611-{index:06d}",
            ),
        )
    made = all_defects(service)
    service.edit(anna, made[3], {"code": "THREAD", "machine": "washer"})
    service.void(kim, made[4], "duplicate")
    service.void(kim, made[10], "duplicate")
    assert service.gateway.flush()
    db = service.gateway.db
    windows = [
        DefectFilter(),
        DefectFilter(start=base + 1000, end=base + 15_000),
        DefectFilter(start=base + 1000, end=base + 15_000, machines=("cnc",)),
        DefectFilter(start=base + 3600 * 2 + 10, end=base + 3600 * 4.5, codes=("LEAK", "BURR")),
        DefectFilter(start=base + 100, end=base + 900),  # inside one hour
    ]
    for window in windows:
        assert window.rollup_ok
        exact = replace(window, line="Line 3 - EV inverter housing EVH-220")  # counts rows
        assert not exact.rollup_ok
        for by in ("code", "machine", "shift"):
            expected = pareto(db, exact, by=by)
            assert pareto(db, window, by=by) == expected, (window, by)
    assert ("THREAD", 1) in pareto(db, DefectFilter())
    assert sum(n for _, n in pareto(db, DefectFilter())) == 58


def test_defects_per_hour_and_day_from_counts_match_the_rows(service: QualityService) -> None:
    anna = Actor.named("anna")
    base = 1_780_000_000.0 + 1000.0
    for index in range(50):
        service.add_defect(
            anna,
            draft(
                ts=base + index * 1111.0,
                serial=f"EVH220-2611-{index:06d}",
                code=("LEAK", "BURR")[index % 2],
            ),
        )
    assert service.gateway.flush()
    db = service.gateway.db
    window = DefectFilter(start=base + 500, end=base + 40_000, codes=("LEAK",))
    exact = replace(window, line="Line 3 - EV inverter housing EVH-220")
    for bucket in (3600.0, 8 * 3600.0, 86400.0, 900.0):
        expected = defects_per_bucket(db, exact, bucket)
        assert defects_per_bucket(db, window, bucket) == expected
        assert sum(n for _, n in expected) == count_defects(db, exact)
