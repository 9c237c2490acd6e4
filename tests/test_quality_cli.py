"""``shopfloor defects add`` and ``shopfloor export defects`` on a real SQLite file; the files
written are reopened (csv, openpyxl)."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.config_loader import load_config
from app.quality.queries import DefectFilter, defect_page, ensure_tables
from app.quality.service import DefectDraft, QualityService
from app.security import Actor, StationUserPolicy
from app.storage import DatabaseGateway, open_database
from resources import DEMO_CONFIG

SERIAL = "EVH220-2611-000777"


def png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return path


def stored(db_path: Path) -> list:  # type: ignore[type-arg]
    db = open_database(db_path)
    ensure_tables(db)
    try:
        return defect_page(db, DefectFilter(include_voided=True), 0, 100)
    finally:
        db.dispose()


def add(db_path: Path, *extra: str) -> int:
    return main(
        [
            "defects",
            "add",
            "--config",
            str(DEMO_CONFIG),
            "--db",
            str(db_path),
            "--machine",
            "leaktest",
            "--user",
            "anna",
            *extra,
        ]
    )


def test_defects_add_writes_one_complete_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    photo = png(tmp_path / "flange.png")
    code = add(
        db,
        "--code",
        "LEAK",
        "--serial",
        SERIAL,
        "--measured",
        "leak_decay=81.5",
        "--notes",
        "bubbles at the flange",
        "--disposition",
        "scrap",
        "--photo",
        str(photo),
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "defect 1 entered: LEAK on EVH220-2611-000777 at leaktest" in out
    (defect,) = stored(db)
    assert (defect.code, defect.serial, defect.inspector) == ("LEAK", SERIAL, "anna")
    assert defect.disposition == "scrap" and defect.measured == {"leak_decay": 81.5}
    assert defect.photos == (str(photo.resolve()),)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "CRACK", "--serial", SERIAL], "unknown defect code 'CRACK' (known: LEAK"),
        (["--code", "LEAK", "--serial", "XX-1"], "serial 'XX-1' does not match the pattern"),
        (["--code", "LEAK", "--serial", SERIAL, "--measured", "decay"], "is not NAME=NUMBER"),
        (["--code", "LEAK", "--serial", SERIAL, "--photo", "notes.txt"], "is not an image"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("a text file", encoding="utf-8")
    db = tmp_path / "station.db"
    assert add(db, *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert stored(db) == []


def seed(db_path: Path) -> list[float]:
    """Five defects an hour apart (one voided); returns their times."""
    gateway = DatabaseGateway(open_database(db_path))
    service = QualityService(load_config(DEMO_CONFIG), gateway, StationUserPolicy())
    base = datetime(2026, 11, 24, 8, 0).astimezone().timestamp()
    times = [base + 3600 * i for i in range(5)]
    anna = Actor.named("anna")
    made = []
    for i, ts in enumerate(times):
        code = "LEAK" if i % 2 == 0 else "UNDERWEIGHT"
        draft = DefectDraft(
            machine="leaktest", code=code, serial=f"EVH220-2611-{i:06d}", notes=f"=note {i}", ts=ts
        )
        made.append(service.add_defect(anna, draft))
    assert gateway.flush()
    service.void(Actor.named("kim", ["quality"]), made[1], "wrong part")
    gateway.close()
    return times


def test_export_csv_for_a_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "station.db"
    seed(db)
    code = main(
        [
            "export",
            "defects",
            "--db",
            str(db),
            "--config",
            str(DEMO_CONFIG),
            "--from",
            "2026-11-24T08:30",
            "--to",
            "2026-11-24T12:00",
        ]
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # 09:00 (voided) is left out; 08:00 and 12:00 are outside the window.
    assert [r["serial"][-1] for r in rows] == ["2", "3"]
    assert rows[0]["defect_ko"] == "누설: 압력 강하 초과" and rows[0]["code"] == "LEAK"
    assert rows[1]["defect_en"].startswith("Underweight")
    assert rows[0]["notes"] == "=note 2" and rows[0]["inspector"] == "anna"
    assert rows[0]["time"].startswith("2026-11-24T10:00:00")


def test_export_xlsx_reopens_with_every_row(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    seed(db)
    out = tmp_path / "defects.xlsx"
    code = main(
        [
            "export",
            "defects",
            "--db",
            str(db),
            "--from",
            "2026-11-24T00:00",
            "--to",
            "2026-11-25T00:00",
            "--format",
            "xlsx",
            "--out",
            str(out),
            "--include-voided",
        ]
    )
    assert code == 0
    sheet = load_workbook(out, read_only=True)["Defects"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("id", "time", "station")
    assert len(body) == 5
    serial = header.index("serial")
    voided = header.index("voided")
    notes = header.index("notes")
    assert [r[serial][-1] for r in body] == ["0", "1", "2", "3", "4"]
    assert [r[voided] for r in body] == [0, 1, 0, 0, 0]
    assert body[0][notes] == "'=note 0"  # text, never a formula
    assert list(tmp_path.glob("*.part")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "--format xlsx needs --out FILE"),
        (["--from", "yesterday"], "not a time: 'yesterday'"),
        (["--from", "2026-11-25", "--to", "2026-11-24"], "--from must be before --to"),
        (["--out", "/nonexistent/dir/x.csv"], "--out: no directory /nonexistent/dir"),
    ],
)
def test_export_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = tmp_path / "station.db"
    seed(db)
    assert main(["export", "defects", "--db", str(db), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_export_pdf_shift_report_has_its_figures(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    times = seed(db)
    gateway = DatabaseGateway(open_database(db))
    service = QualityService(load_config(DEMO_CONFIG), gateway, StationUserPolicy())
    for i in range(40):  # one part every 45 s from 08:00, two of them underweight
        kg = 4.80 if i in (10, 30) else 4.852 + 0.001 * ((i * 7) % 5 - 2)
        rejects = [("UNDERWEIGHT", {"weight": kg})] if kg < 4.835 else []
        service.record_part(
            times[0] + 45 * i, "leaktest", f"EVH220-2611-1{i:05d}", [("weight", kg)], rejects
        )
    gateway.close()
    out = tmp_path / "shift.pdf"
    code = main(
        [
            "export",
            "defects",
            "--db",
            str(db),
            "--config",
            str(DEMO_CONFIG),
            "--from",
            "2026-11-24T06:00",
            "--to",
            "2026-11-24T14:00",
            "--format",
            "pdf",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Shift quality report" in text
    assert "From 2026-11-24 06:00 to 2026-11-24 14:00" in text
    assert "Defects: 6" in text  # 5 entered, one of them voided, and 2 underweight
    assert "leaktest: 40 parts inspected, 2 rejected (5.00 %)" in text
    assert "Pareto by defect type" in text
    assert "weight: n=40" in text and "Cpk" in text
    assert "EVH220-2611-100030" in text  # the defect list


def test_export_pdf_needs_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "station.db"
    seed(db)
    args = [
        "export",
        "defects",
        "--db",
        str(db),
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "r.pdf"),
    ]
    assert main(args) == 2
    assert "--format pdf needs --config" in capsys.readouterr().err
