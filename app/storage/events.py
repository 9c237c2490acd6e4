"""The event log: communication loss and recovery, parts scanned, limit events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from app.model import Event, EventKind, Severity
from app.storage.database import Database
from app.storage.schema import events, metadata


class EventStore:
    """Writes and reads events."""

    def __init__(self, database: Database) -> None:
        self.db = database
        metadata.create_all(database)

    @staticmethod
    def row(event: Event) -> dict[str, Any]:
        """Database row of an event."""
        return {
            "ts": event.timestamp,
            "kind": event.kind,
            "source": event.source,
            "message": event.text,  # readable in SQL; views render kind + data themselves
            "severity": int(event.severity),
            "data": json.dumps({**event.data, "source_title": event.source_title}, default=str),
        }

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows in one transaction of their own."""
        if rows:
            with self.db.begin() as conn:
                self.write_rows(conn, rows)

    @staticmethod
    def write_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows in the open transaction."""
        if rows:
            conn.execute(insert(events), list(rows))

    def recent(self, limit: int = 500, kind: str | None = None) -> list[Event]:
        """The newest events, newest first."""
        query = select(events).order_by(events.c.ts.desc()).limit(limit)
        if kind is not None:
            query = query.where(events.c.kind == kind)
        with self.db.connect() as conn:
            return [event for row in conn.execute(query) if (event := _event(row)) is not None]


def _event(row: Any) -> Event | None:
    """An event read back; None for a kind this version does not know (written by a newer one)."""
    try:
        kind = EventKind(row.kind)
    except ValueError:
        return None
    data = json.loads(row.data) if row.data else {}
    title = str(data.pop("source_title", "") or "")
    return Event(
        timestamp=row.ts,
        kind=kind,
        source=row.source,
        data=data,
        severity=Severity(row.severity),
        source_title=title,
    )
