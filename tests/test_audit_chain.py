"""The audit trail's hash chain on a real SQLite file: intact after normal use (also with two
writing processes' gateways, and after a refused commit), and every kind of tampering (edit,
delete, reorder, truncated tail, lost anchor) found by ``audit verify`` naming the first broken
entry. Tampering is done the way an attacker would: sqlite3 on the file."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.audit import AuditFilter, AuditTrail, query, verify
from app.audit.alarm_actions import AlarmAuditor
from app.cli import main
from app.security import Actor
from tests.alarm_support import Clock, make_plain_manager, open_gateway
from tests.db_support import LockHolder
from tests.test_alarm_manager import TEMP, feed, oven_config
from tests.test_gateway import wait_for

ANNA = Actor.named("anna", ["supervisor"])


def filled(db: Path, count: int = 6) -> Path:
    """``count`` committed entries in ``db``."""
    gateway = open_gateway(db)
    trail = AuditTrail(gateway, "S1")
    for n in range(count):
        trail.record(ANNA, "limit.change", f"oven.temp.h{n}", {"before": n, "after": n + 1})
    assert gateway.flush()
    gateway.close()
    return db


def sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def verify_cli(db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", f"sqlite:///{db}"])
    out, err = capsys.readouterr()
    return code, out + err


def test_an_untouched_trail_verifies(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    code, text = verify_cli(db, capsys)
    assert code == 0
    assert "audit trail OK: 6 entries; head 6:" in text


def test_an_empty_trail_verifies(tmp_path: Path, capsys) -> None:
    code, text = verify_cli(tmp_path / "new.db", capsys)
    assert (code, text.strip()) == (0, "audit trail OK: 0 entries")


def test_an_edited_entry_is_found(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    sql(db, 'UPDATE audit_log SET details = \'{"after": 99, "before": 2}\' WHERE seq = 3')
    code, text = verify_cli(db, capsys)
    assert code == 1
    assert "BROKEN at entry 3: entry 3 was altered" in text


def test_an_edited_actor_is_found_even_with_its_hash_recomputed_naively(tmp_path: Path) -> None:
    db = filled(tmp_path / "station.db")
    # Rewriting one row's hash is not enough: the next entry links to the old one.
    gateway = open_gateway(tmp_path / "other.db")
    fake = AuditTrail(gateway, "S1")
    fake.record(Actor.named("mallory"), "limit.change", "oven.temp.h1", {"before": 1, "after": 2})
    assert gateway.flush()
    (forged,) = query(gateway.db, AuditFilter())
    sql(
        db,
        f"UPDATE audit_log SET actor = 'mallory', hash = '{forged.hash}' WHERE seq = 1",
    )
    result = verify(open_gateway(db).db)
    assert not result.ok and result.first_bad == 1


def test_a_deleted_entry_is_found(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    sql(db, "DELETE FROM audit_log WHERE seq = 4")
    code, text = verify_cli(db, capsys)
    assert code == 1
    assert "BROKEN at entry 4: entry 4 missing (found entry 5 there)" in text


def test_deleted_and_renumbered_entries_are_found(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    sql(
        db,
        "DELETE FROM audit_log WHERE seq = 4",
        "UPDATE audit_log SET seq = seq - 1 WHERE seq > 4",
    )
    code, text = verify_cli(db, capsys)
    assert code == 1
    assert "BROKEN at entry 4" in text


def test_reordered_entries_are_found(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    sql(
        db,
        "UPDATE audit_log SET seq = -1 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = -1",
    )
    code, text = verify_cli(db, capsys)
    assert code == 1
    assert "BROKEN at entry 2: entry 2 does not follow entry 1" in text


def test_a_truncated_tail_is_found_by_the_anchor(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    sql(db, "DELETE FROM audit_log WHERE seq >= 5")
    code, text = verify_cli(db, capsys)
    assert code == 1
    assert "BROKEN at entry 5: entries 5 to 6 are missing (the tail was truncated)" in text


def test_a_deleted_anchor_is_found(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db")
    sql(db, "DELETE FROM station_state WHERE key = 'audit_anchor'")
    code, text = verify_cli(db, capsys)
    assert code == 1
    assert "anchor is missing" in text


def test_appending_goes_on_from_the_head_after_a_restart(tmp_path: Path) -> None:
    db = filled(tmp_path / "station.db", 3)
    filled(db, 3)
    assert verify(open_gateway(db).db).entries == 6


def test_two_writers_on_one_file_keep_one_chain(tmp_path: Path) -> None:
    """The station and ``shopfloor users`` may write at the same time: each holds the write
    lock from reading the head to its commit, so they chain one after the other."""
    db = tmp_path / "station.db"
    a = open_gateway(db, retry_interval_s=0.01)
    b = open_gateway(db, retry_interval_s=0.01)
    trail_a, trail_b = AuditTrail(a, "S1"), AuditTrail(b, "S2")
    for n in range(100):
        trail_a.record(ANNA, "a", str(n))
        trail_b.record(ANNA, "b", str(n))
    assert a.flush() and b.flush()
    assert a.status.ok and b.status.ok  # they waited for each other; nothing was refused
    result = verify(a.db)
    assert result.ok, result.problem
    assert result.entries == 200
    stations = [e.station for e in query(a.db, AuditFilter(limit=1000))]
    assert (stations.count("S1"), stations.count("S2")) == (100, 100)


def test_entries_wait_out_a_locked_database_and_land_once(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    gateway = open_gateway(db, busy_timeout_ms=50, retry_interval_s=0.05)
    trail = AuditTrail(gateway, "S1")
    trail.record(ANNA, "before.lock")
    assert gateway.flush()
    with LockHolder(db, 1.0) as holder:
        trail.record(ANNA, "during.lock")
        assert not gateway.flush(timeout=0.5)  # refused: kept in memory
        holder.wait_released()
    assert gateway.flush()
    result = verify(gateway.db)
    assert (result.ok, result.entries) == (True, 2)


def test_operator_alarm_actions_become_entries(tmp_path: Path) -> None:
    clock = Clock()
    manager = make_plain_manager(oven_config(), tmp_path / "station.db", clock)
    trail = AuditTrail(manager.journal.gateway, "S1", clock)
    manager.add_listener(AlarmAuditor(trail))
    feed(manager, clock, TEMP, 710)
    manager.acknowledge(["oven.temp.h"], ANNA, "checking burner")
    manager.shelve(["oven.temp.h"], ANNA, "burner service", 600)
    manager.unshelve(["oven.temp.h"], ANNA)
    manager.set_out_of_service(["oven.temp.l"], ANNA, "sensor replaced")
    manager.return_to_service(["oven.temp.l"], ANNA)

    def audited() -> list[tuple[str, str, str]]:
        found = query(manager.journal.gateway.db, AuditFilter(action="alarm."))
        return [(e.action, e.target, e.details["comment"]) for e in reversed(found)]

    wait_for(lambda: len(audited()) == 5, what="five alarm entries")
    assert audited() == [
        ("alarm.acknowledge", "oven.temp.h", "checking burner"),
        ("alarm.shelve", "oven.temp.h", "burner service"),
        ("alarm.unshelve", "oven.temp.h", ""),
        ("alarm.out_of_service", "oven.temp.l", "sensor replaced"),
        ("alarm.in_service", "oven.temp.l", ""),
    ]
    assert verify(manager.journal.gateway.db).ok


def test_csv_export_and_filters(tmp_path: Path, capsys) -> None:
    db = filled(tmp_path / "station.db", 4)
    out = tmp_path / "audit.csv"
    code = main(["audit", "list", "--db", str(db), "--csv", str(out), "--action", "limit."])
    assert code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "seq,time_utc,station,actor,action,target,outcome,details,hash"
    assert len(lines) == 5 and lines[1].startswith("4,")
    assert main(["audit", "list", "--db", str(db), "--actor", "nobody"]) == 0
    assert capsys.readouterr().out == ""


def test_csv_cells_never_become_formulas(tmp_path: Path) -> None:
    import io

    from app.audit.chain import AuditEntry
    from app.audit.export import write_csv

    entry = AuditEntry("x", 0.0, "S1", "=HYPERLINK(1)", "signin", target="+cmd")
    buffer = io.StringIO()
    write_csv([entry], buffer)
    assert "'=HYPERLINK(1)" in buffer.getvalue() and "'+cmd" in buffer.getvalue()


def test_a_known_head_catches_a_truncation_with_a_rewritten_anchor(tmp_path: Path, capsys) -> None:
    """An attacker who can write the file truncates the tail and rewrites the anchor to match:
    the stored anchor is fooled, a head noted earlier and kept elsewhere is not."""
    db = filled(tmp_path / "station.db")
    code, text = verify_cli(db, capsys)
    head = text.strip().rsplit("head ", 1)[1]  # SEQ:HASH, as an operator would note it
    conn = sqlite3.connect(db)
    (seq4_hash,) = conn.execute("SELECT hash FROM audit_log WHERE seq = 4").fetchone()
    conn.close()
    sql(
        db,
        "DELETE FROM audit_log WHERE seq > 4",
        "UPDATE station_state SET document = "
        f'\'{{"seq": 4, "hash": "{seq4_hash}"}}\' WHERE key = \'audit_anchor\'',
    )
    assert verify_cli(db, capsys)[0] == 0  # the rewritten anchor alone cannot tell
    code = main(["audit", "verify", "--db", str(db), "--head", head])
    err = capsys.readouterr().err
    assert code == 1
    assert "BROKEN at entry 5: entries 5 to 6 are missing (the known head is 6)" in err
    # A whole chain recomputed (or another station's) differs at the known head's place.
    other = filled(tmp_path / "other.db")
    assert main(["audit", "verify", "--db", str(other), "--head", head]) == 1
    assert "entry 6 differs from the known head" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        main(["audit", "verify", "--db", str(other), "--head", "6:nothex"])
    assert bad.value.code == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.text(max_size=40),
    details=st.dictionaries(
        st.text(max_size=10),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
            max_leaves=8,
        ),
        max_size=4,
    ),
)
@example(target="bad \udcff bytes", details={"\ud800": ["\udfff", float("nan")]})
def test_any_entry_is_stored_and_verifies(tmp_path: Path, target: str, details: dict) -> None:
    """Whatever text and values an entry holds (lone surrogates, NaN, deep nesting), it is
    stored, read back and hashed to the same value: no entry can block or break the trail."""
    gateway = open_gateway(tmp_path / f"{uuid.uuid4().hex}.db")
    trail = AuditTrail(gateway, "S1")
    trail.record(ANNA, "test.any", target, details)
    trail.record(ANNA, "test.after")
    assert gateway.flush()
    result = verify(gateway.db)
    assert (result.ok, result.entries) == (True, 2), result.problem
    gateway.close()
