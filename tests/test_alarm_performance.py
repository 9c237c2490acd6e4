"""Alarm performance figures from a real journal, and the ``shopfloor alarms`` CLI."""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.alarms.manager import AlarmManager
from app.alarms.performance import analyse
from app.commands import alarms as alarms_command
from app.security import Actor
from tests.alarm_support import Clock, batch, make_manager, station

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def plant(n: int = 20):
    return station(
        {"line": [{"name": f"t{i:02d}", "alarms": {"h": {"limit": 10}}} for i in range(n)]}
    )


def set_value(manager: AlarmManager, clock: Clock, at: float, tag: int, value: float) -> None:
    clock.now = at
    manager.on_batch(batch("line", [tag], [value], at))


@pytest.fixture
def journal_db(tmp_path: Path) -> Path:
    """A journal with a flood, a chattering, a fleeting and a standing alarm."""
    db = tmp_path / "station.db"
    clock = Clock(T0 - 25 * HOUR)
    manager, _ = make_manager(plant(), db, clock)
    set_value(manager, clock, T0 - 25 * HOUR, 19, 50)  # standing: active since before the window
    # Flood: 14 alarms between 08:05 and 08:07 (tags 5..18), cleared at 08:30
    for i, tag in enumerate(range(5, 19)):
        set_value(manager, clock, T0 + 300 + 10 * i, tag, 50)
    for tag in range(5, 19):
        set_value(manager, clock, T0 + 1800, tag, 0)
    # Chattering: t00 raised 4 times within 40 s around 08:40; acknowledged once after 30 s
    for k in range(4):
        set_value(manager, clock, T0 + 2400 + 10 * k, 0, 50)
        set_value(manager, clock, T0 + 2405 + 10 * k, 0, 0)
    clock.now = T0 + 2460
    manager.acknowledge(["line.t00.h"], Actor.named("anna"), "chattering again")
    # Fleeting: t01 raised and cleared within half a second at 08:50
    set_value(manager, clock, T0 + 3000, 1, 50)
    set_value(manager, clock, T0 + 3000.5, 1, 0)
    # Shelved alarms do not count
    clock.now = T0 + 3100
    manager.shelve(["line.t02.h"], Actor.named("anna"), "known", duration_s=600)
    set_value(manager, clock, T0 + 3200, 2, 50)
    assert manager.wait_journaled()  # the gateway's writer thread commits
    return db


def test_figures(journal_db: Path) -> None:
    from app.storage import open_database

    report = analyse(open_database(journal_db), T0, T0 + HOUR)
    assert report.alarms == 14 + 4 + 1
    assert report.periods == 6
    assert report.per_period == [14, 0, 0, 0, 4, 1]
    assert report.average_per_10min == pytest.approx(19 / 6)
    assert report.peak_per_10min == 14
    assert [(f.start - T0, f.end - T0, f.alarms) for f in report.floods] == [(0, 600, 14)]
    assert report.pct_time_in_flood == pytest.approx(100 / 6)
    assert [(a.alarm_id, a.count) for a in report.chattering] == [("line.t00.h", 4)]
    assert [(a.alarm_id, a.count) for a in report.fleeting] == [("line.t01.h", 1)]
    assert [s.alarm_id for s in report.standing] == ["line.t19.h"]
    assert report.standing[0].hours == pytest.approx(26.0)
    assert report.bad_actors[0].alarm_id == "line.t00.h"
    assert report.bad_actors[0].share_pct == pytest.approx(400 / 19)
    assert len(report.bad_actors) == 10
    assert report.priorities == {"critical": 0, "high": 0, "medium": 19, "low": 0}
    assert report.acknowledged == 1 and report.median_ack_s == pytest.approx(30)
    assert report.shelved == 1
    text = report.format_text()
    assert "Flood periods (1):" in text and "line.t19.h" in text


def test_window_without_alarms(journal_db: Path) -> None:
    from app.storage import open_database

    report = analyse(open_database(journal_db), T0 + 10 * HOUR, T0 + 11 * HOUR)
    assert (report.alarms, report.floods, report.bad_actors) == (0, [], [])
    assert [s.alarm_id for s in report.standing] == ["line.t19.h"]  # still active
    with pytest.raises(ValueError, match="end of the window must be after"):
        analyse(open_database(journal_db), T0, T0)


def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="shopfloor")
    alarms_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["alarms", *argv])


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def test_cli_report_json(journal_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = cli(
        "report", "--db", str(journal_db), "--from", iso(T0), "--to", iso(T0 + HOUR), "--json"
    )
    assert alarms_command.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["alarms"] == 19
    assert data["floods"][0]["start_iso"] == "2026-11-23T08:00:00+00:00"
    assert data["bad_actors"][0]["alarm_id"] == "line.t00.h"


def test_cli_report_text_with_a_relative_start(journal_db: Path, capsys) -> None:
    args = cli("report", "--db", f"sqlite:///{journal_db}", "--from", "2h", "--to", iso(T0 + HOUR))
    assert alarms_command.run(args) == 0
    out = capsys.readouterr().out
    assert "annunciated alarms        19" in out
    assert "Chattering alarms (1):" in out


def test_cli_history_search(journal_db: Path, capsys) -> None:
    args = cli(
        "history",
        "--db",
        str(journal_db),
        "--from",
        iso(T0),
        "--to",
        iso(T0 + HOUR),
        "--search",
        "chattering",
        "--json",
    )
    assert alarms_command.run(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["event"], r["actor"], r["comment"]) for r in rows] == [
        ("ack", "anna", "chattering again")
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--from", "yesterday"], "not a time: 'yesterday'"),
        (["report", "--from", "2026-11-24", "--to", "2026-11-23"], "--from must be before --to"),
        (["report", "--to", "3h"], "only works for --from"),
        (["history", "--limit", "0"], "--limit must be at least 1"),
    ],
)
def test_cli_bad_input(journal_db: Path, capsys, argv: list[str], message: str) -> None:
    assert alarms_command.run(cli(*argv, "--db", str(journal_db))) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_missing_database_and_journal(tmp_path: Path, capsys) -> None:
    assert alarms_command.run(cli("report", "--db", str(tmp_path / "nope.db"))) == 2
    assert "no database at" in capsys.readouterr().err
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.close()
    assert alarms_command.run(cli("report", "--db", str(other))) == 2
    assert "no alarm journal in" in capsys.readouterr().err
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    assert alarms_command.run(cli("report", "--db", str(garbage))) == 1
    assert "not a database" in capsys.readouterr().err


def test_cli_without_action_prints_help(capsys) -> None:
    assert alarms_command.run(cli()) == 2
    assert "report" in capsys.readouterr().err


def test_cli_history_prints_local_times_and_english_from_message_ids(
    journal_db: Path, capsys
) -> None:
    args = cli("history", "--db", str(journal_db), "--from", iso(T0), "--to", iso(T0 + HOUR))
    assert alarms_command.run(args) == 0
    lines = capsys.readouterr().out.splitlines()
    fleeting = [line for line in lines if "line.t01.h" in line and " raise " in line]
    local = datetime.fromtimestamp(T0 + 3000).astimezone().isoformat(timespec="seconds")
    assert fleeting and fleeting[0].startswith(local)  # local time with its offset, as the window
    assert fleeting[0].endswith("line.t01.h  t01 high: above 10")
    args = cli(
        "history", "--db", str(journal_db), "--from", iso(T0), "--to", iso(T0 + HOUR), "--json"
    )
    assert alarms_command.run(args) == 0
    rows = json.loads(capsys.readouterr().out)
    raised = next(r for r in rows if r["alarm_id"] == "line.t01.h" and r["event"] == "raise")
    assert raised["message"] == "t01 high: above 10"
    assert raised["message_id"] == "alarm.limit.h"
    assert raised["message_params"]["limit"] == {
        "$message": {"id": "alarm.number", "params": {"value": 10.0}}
    }


def test_report_text_uses_local_times(journal_db: Path) -> None:
    from app.alarms.performance import analyse
    from app.storage.database import open_database

    text = analyse(open_database(f"sqlite:///{journal_db}"), T0, T0 + HOUR).format_text()
    local = datetime.fromtimestamp(T0).astimezone().isoformat(sep=" ", timespec="seconds")
    assert text.splitlines()[0].startswith(f"Alarm performance {local} ..")
