"""Register maps from CSV and XLSX (real files), bad rows reported by line, and station files
written by the setup that load again."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from app.config import ConfigError
from app.config_loader import load_config
from app.config_writer import to_toml, write_config
from app.register_map import RegisterMapError, read_register_map

CSV = """Name,Address,Type,Table,Unit,Description,Scale,Key
spindle_temp,100,float32,holding,°C,Spindle bearing temperature,1,yes
feed,102,uint16,holding,mm/min,Feed rate,0.1,no
bad address,70000,uint16,holding,,,,
pressure,abc,uint16,holding,bar,,,
,5,uint16,holding,,,,
feed,104,uint16,holding,,duplicate name,,
door,3,bool,coil,,Door closed,,maybe

spray,200,float32,holding,bar,Spray pressure,,
"""


def test_a_csv_map_imports_good_rows_and_names_every_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text(CSV, encoding="utf-8")
    result = read_register_map(path)
    assert [t["name"] for t in result.tags] == ["spindle_temp", "feed", "spray"]
    assert result.tags[0] == {
        "name": "spindle_temp",
        "address": 100,
        "type": "float32",
        "table": "holding",
        "unit": "°C",
        "description": "Spindle bearing temperature",
        "scale": 1.0,
        "key": True,
    }
    lines = {(p.line, p.column) for p in result.problems}
    assert (4, "name") in lines  # "bad address" is not an identifier (and 70000 too high)
    assert (5, "address") in lines  # abc
    assert (6, "name") in lines  # empty
    assert (7, "name") in lines  # duplicate of line 3
    assert (8, "key") in lines  # maybe
    assert "line 5, address: 'abc' is not a number" in result.report()
    assert not result.cancelled


def test_the_driver_checks_each_row(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("name,address,type,table\nok,1,uint16,holding\nfar,70000,uint16,holding\n")
    result = read_register_map(path)
    assert [t["name"] for t in result.tags] == ["ok"]
    assert [(p.line, p.column) for p in result.problems] == [(3, "address")]
    assert "65535" in result.problems[0].message


def test_an_xlsx_map_reads_like_the_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "address", "type", "table", "scale"])
    sheet.append(["temp", 10, "int16", "input", 0.1])
    sheet.append(["level", 11.5, "int16", "input", None])
    sheet.append(["flow", 12, "int16", "input", None])
    path = tmp_path / "map.xlsx"
    book.save(path)
    result = read_register_map(path)
    assert [t["name"] for t in result.tags] == ["temp", "flow"]
    assert result.tags[0]["scale"] == 0.1
    assert [(p.line, p.column) for p in result.problems] == [(3, "address")]


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    with pytest.raises(RegisterMapError, match="cannot be read"):
        read_register_map(missing)
    headerless = tmp_path / "h.csv"
    headerless.write_text("tag,register\na,1\n")
    with pytest.raises(RegisterMapError, match="no column name, address"):
        read_register_map(headerless)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(RegisterMapError, match="not a readable workbook"):
        read_register_map(fake)
    with pytest.raises(RegisterMapError, match=r"not a \.csv or \.xlsx"):
        read_register_map(tmp_path / "map.txt")


def test_a_long_import_reports_progress_and_stops_when_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = "\n".join(f"t{i},{i},uint16,holding" for i in range(1000))
    path.write_text("name,address,type,table\n" + rows + "\n")
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 300

    result = read_register_map(path, progress=progress)
    assert result.cancelled
    assert 300 <= len(result.tags) < 1000
    assert seen[0] == (0, 1000)
    complete = read_register_map(path, progress=lambda d, t: True)
    assert len(complete.tags) == 1000 and not complete.cancelled


def test_a_written_station_file_loads_and_a_bad_one_is_not_written(tmp_path: Path) -> None:
    data = {
        "station": {"company": "한빛 EV", "site": "Ulsan", "line": "Line 3", "station": "WS-01"},
        "devices": [
            {
                "name": "cnc",
                "title": 'CNC "A" 가공',
                "driver": "modbus-tcp",
                "poll_period_s": 0.5,
                "connection": {"host": "127.0.0.1", "port": 502, "device_id": 1},
                "tags": [
                    {"name": "temp", "address": 100, "type": "float32", "table": "holding"},
                    {"name": "door", "address": 3, "type": "bool", "table": "coil", "key": True},
                ],
            }
        ],
    }
    path = tmp_path / "station.toml"
    config = write_config(data, path)
    assert config.devices[0].title == 'CNC "A" 가공'
    again = load_config(path)
    assert [t.name for t in again.devices[0].tags] == ["temp", "door"]
    assert again.devices[0].connection["port"] == 502

    data["devices"][0]["tags"][0]["address"] = 70000
    bad = tmp_path / "bad.toml"
    with pytest.raises(ConfigError) as caught:
        write_config(data, bad)
    assert "devices[0].tags[0].address" in caught.value.report()
    assert not bad.exists()
    assert "[[devices.tags]]" in to_toml(data)
