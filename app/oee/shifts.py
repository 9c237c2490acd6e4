"""OEE per shift in the station database, so a restart (or a station without sync) keeps the
shifts it saw: the table ``oee_shifts`` (Alembic revision ``0003_oee_shifts``), written through
the gateway's urgent ``oee_shifts`` kind and read on its ``db-reader`` thread.

One row per machine and one for the whole line (``scope``) per shift instance (shift name and
the day it starts on). The tracker replaces a shift's rows at every interval close while the
shift runs (``final`` false: the figures so far, so a kill -9 loses at most the interval in
progress) and once more, final, when it ends. What the station did not see (it was off, or
killed and restarted) is neither planned nor run time in the figures: ``unobserved_s`` says how
much planned time of the shift so far they leave out.

Shift rows are small (a few per machine a day) and kept like the roll-ups: no retention.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    insert,
    inspect,
    select,
)

from app.oee.compute import OeeResult
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind
from app.storage.schema import oee_shifts
from app.storage.versions import ensure_schema

MACHINE, LINE = "machine", "line"
#: The name of the line's rows (the station is one line).
LINE_NAME = ""

# Defined with the other versioned tables (revision 0003_oee_shifts created it).
shifts_table = oee_shifts


@dataclass(frozen=True, slots=True)
class ShiftRecord:
    """A machine's (or the line's) OEE over one shift instance, so far or final."""

    scope: str
    name: str
    shift: str
    day: str
    shift_start: float
    shift_end: float
    final: bool
    result: OeeResult
    """The figures over the time seen (``result.start`` to ``result.end``)."""
    unobserved_s: float = 0.0
    ideal_cycle_s: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """The tracker's key: (machine, shift, day)."""
        return (self.name, self.shift, self.day)

    @property
    def stop_s(self) -> float:
        """Planned production time not running (planned stops excluded)."""
        r = self.result
        return max(0.0, r.planned_s - r.planned_stop_s - r.run_s)

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "scope": self.scope,
            "machine": self.name if self.scope == MACHINE else None,
            "shift": self.shift,
            "day": self.day,
            "shift_start": self.shift_start,
            "shift_end": self.shift_end,
            "final": self.final,
            "seen_from": r.start,
            "seen_until": r.end,
            "availability": r.availability,
            "performance": r.performance,
            "quality": r.quality,
            "oee": r.oee,
            "planned_s": r.planned_s,
            "planned_stop_s": r.planned_stop_s,
            "run_s": r.run_s,
            "stop_s": self.stop_s,
            "unobserved_s": self.unobserved_s,
            "good": r.good,
            "reject": r.reject,
            "total": r.good + r.reject,
            "micro_stops": r.micro_stops,
            "ideal_cycle_s": self.ideal_cycle_s,
            "state_s": r.state_s,
            "losses": r.losses,
        }


def _row(record: ShiftRecord, updated: float) -> dict[str, Any]:
    r = record.result
    return {
        "scope": record.scope,
        "name": record.name,
        "shift": record.shift,
        "day": record.day,
        "shift_start": record.shift_start,
        "shift_end": record.shift_end,
        "seen_from": r.start,
        "seen_until": r.end,
        "final": record.final,
        "planned_s": r.planned_s,
        "planned_stop_s": r.planned_stop_s,
        "run_s": r.run_s,
        "unobserved_s": record.unobserved_s,
        "good": r.good,
        "reject": r.reject,
        "availability": r.availability,
        "performance": r.performance,
        "quality": r.quality,
        "oee": r.oee,
        "micro_stops": r.micro_stops,
        "ideal_cycle_s": record.ideal_cycle_s,
        "state_s": json.dumps(r.state_s, sort_keys=True),
        "losses": json.dumps(r.losses, sort_keys=True),
        "updated": updated,
    }


def _record(row: Any) -> ShiftRecord:
    result = OeeResult(
        start=float(row["seen_from"]),
        end=float(row["seen_until"]),
        planned_s=float(row["planned_s"]),
        planned_stop_s=float(row["planned_stop_s"]),
        run_s=float(row["run_s"]),
        state_s={str(k): float(v) for k, v in json.loads(row["state_s"]).items()},
        good=int(row["good"]),
        reject=int(row["reject"]),
        availability=row["availability"],
        performance=row["performance"],
        quality=row["quality"],
        oee=row["oee"],
        micro_stops=int(row["micro_stops"]),
        losses={str(k): float(v) for k, v in json.loads(row["losses"]).items()},
    )
    return ShiftRecord(
        scope=str(row["scope"]),
        name=str(row["name"]),
        shift=str(row["shift"]),
        day=str(row["day"]),
        shift_start=float(row["shift_start"]),
        shift_end=float(row["shift_end"]),
        final=bool(row["final"]),
        result=result,
        unobserved_s=float(row["unobserved_s"]),
        ideal_cycle_s=row["ideal_cycle_s"],
    )


class ShiftsKind(WriteKind[ShiftRecord]):
    """Replaces a shift's row; only the newest of one key in a round is written."""

    name = "oee_shifts"
    urgent = True  # a shift's end, or the figures so far: committed at once

    def create(self, database: Database) -> None:
        ensure_schema(database)  # the table comes with the schema's Alembic revisions

    def write(self, conn: Connection, items: Sequence[ShiftRecord], retry: bool) -> None:
        now = time.time()
        c = shifts_table.c
        newest = {(i.scope, i.name, i.shift, i.day): i for i in items}
        for (scope, name, shift, day), record in newest.items():
            conn.execute(
                delete(shifts_table).where(
                    (c.scope == scope) & (c.name == name) & (c.shift == shift) & (c.day == day)
                )
            )
            conn.execute(insert(shifts_table).values(**_row(record, now)))


def load_shifts(
    database: Database,
    since: float | None = None,
    until: float | None = None,
    *,
    day: str | None = None,
) -> list[ShiftRecord]:
    """Stored shifts starting in ``[since, until)`` (or on ``day``), oldest first; none when the
    database has no shift table yet (a direct read: the reader thread, the command line)."""
    c = shifts_table.c
    query = select(shifts_table)
    if since is not None:
        query = query.where(c.shift_start >= since)
    if until is not None:
        query = query.where(c.shift_start < until)
    if day is not None:
        query = query.where(c.day == day)
    with database.connect() as conn:
        if not inspect(conn).has_table(shifts_table.name):
            return []
        rows = conn.execute(query.order_by(c.shift_start, c.scope, c.name)).mappings().all()
    return [_record(row) for row in rows]


def load_days(database: Database) -> list[str]:
    """The days that have stored shifts, newest first."""
    with database.connect() as conn:
        if not inspect(conn).has_table(shifts_table.name):
            return []
        query = select(shifts_table.c.day).distinct().order_by(shifts_table.c.day.desc())
        return [str(r[0]) for r in conn.execute(query)]


class ShiftStore:
    """The station's shift records: writes through the gateway, reads as Futures."""

    def __init__(self, gateway: DatabaseGateway) -> None:
        self.gateway = gateway
        self.kind = gateway.register(ShiftsKind())

    def save(self, records: Sequence[ShiftRecord]) -> None:
        """Hand records over (returns at once; committed by the writer thread)."""
        self.gateway.submit(self.kind, list(records))

    def since(self, since: float) -> Future[list[ShiftRecord]]:
        """Shifts that started at or after ``since``, read on the db-reader thread."""
        return self.gateway.read(lambda db: load_shifts(db, since))

    def days(self) -> Future[list[str]]:
        """Every day with stored shifts, newest first (db-reader thread)."""
        return self.gateway.read(load_days)

    def on_day(self, day: str) -> Future[list[ShiftRecord]]:
        """The shifts of one day (db-reader thread)."""
        return self.gateway.read(lambda db: load_shifts(db, day=day))
