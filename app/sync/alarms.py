"""Alarm transitions for the cluster, read from the alarm journal by the outbox's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, inspect, select

from app.alarms.journal import journal_table as journal

#: Most journal rows copied by one outbox transaction (the rest comes with the next pull).
PULL_LIMIT = 10_000


def journal_rows(conn: Connection, cursor: int) -> list[tuple[int, float, str, dict[str, Any]]]:
    """Journal rows after ``cursor`` as ``(seq, ts, device, body)``, oldest first."""
    query = (
        select(
            journal.c.seq,
            journal.c.ts,
            journal.c.alarm_id,
            journal.c.event,
            journal.c.state,
            journal.c.previous,
            journal.c.priority,
            journal.c.device,
            journal.c.tag,
            journal.c.condition,
            journal.c.message,
            journal.c.message_id,
            journal.c.message_params,
            journal.c.value,
            journal.c.actor,
            journal.c.comment,
        )
        .where(journal.c.seq > cursor)
        .order_by(journal.c.seq)
        .limit(PULL_LIMIT)
    )
    rows = []
    for row in conn.execute(query):
        m = row._mapping
        body = {
            "journal_seq": m["seq"],
            "ts": m["ts"],
            "alarm_id": m["alarm_id"],
            "event": m["event"],
            "state": m["state"],
            "previous": m["previous"],
            "priority": m["priority"],
            "device": m["device"],
            "tag": m["tag"],
            "condition": m["condition"],
            "message": m["message"],
            "message_id": m["message_id"],
            "message_params": m["message_params"],
            "value": m["value"],
            "actor": m["actor"],
            "comment": m["comment"],
        }
        rows.append((int(m["seq"]), float(m["ts"]), str(m["device"]), body))
    return rows


def journal_newest(conn: Connection) -> int | None:
    """The newest journal sequence number (0: empty), or None when there is no journal."""
    if not inspect(conn).has_table(journal.name):
        return None
    return int(conn.execute(select(func.max(journal.c.seq))).scalar() or 0)
