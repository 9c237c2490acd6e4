"""Writing quality records through the gateway (the ``quality`` write kind).

Every record (a scan, an inspection, a measurement, a defect, an edit or void) is handed to the
gateway and committed at once by the ``db-writer`` thread, in the order submitted, so an edit
never lands before the defect it changes. A record is accepted when its transaction commits,
and survives kill -9 from then on.

An edit carries only the new values; the writer reads the values before it in the same
transaction, so the history's "before" is exactly what the edit replaced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from app.quality.model import (
    EDITABLE,
    Defect,
    DefectChange,
    Inspection,
    Measurement,
    PartScan,
    QualityRecord,
)
from app.quality.tables import (
    HOUR_S,
    defect_counts,
    defect_history,
    defects,
    inspections,
    measurements,
    metadata,
    parts,
)
from app.storage.database import Database
from app.storage.gateway import WriteKind

KIND = "quality"


CountKey = tuple[int, str, str, str]


def _count_key(row: dict[str, Any]) -> CountKey:
    return (int(row["ts"] // HOUR_S), row["machine"], row["code"], row["shift"])


def bump_counts(conn: Connection, keys: Sequence[CountKey], delta: int) -> None:
    """Add ``delta`` to the hourly count of each key (one update or insert per distinct key)."""
    totals: dict[CountKey, int] = {}
    for key in keys:
        totals[key] = totals.get(key, 0) + delta
    c = defect_counts.c
    for (hour, machine, code, shift), n in totals.items():
        match = (c.hour == hour, c.machine == machine, c.code == code, c.shift == shift)
        done = conn.execute(update(defect_counts).where(*match).values(n=c.n + n))
        if done.rowcount == 0:
            conn.execute(
                insert(defect_counts).values(
                    hour=hour, machine=machine, code=code, shift=shift, n=n
                )
            )


def rebuild_counts(conn: Connection) -> None:
    """Recount every hour from the defects (after a bulk load or an import)."""
    conn.execute(delete(defect_counts))
    hour = func.floor(defects.c.ts / HOUR_S)
    rows = conn.execute(
        select(hour, defects.c.machine, defects.c.code, defects.c.shift, func.count())
        .where(defects.c.voided == 0)
        .group_by(hour, defects.c.machine, defects.c.code, defects.c.shift)
    ).fetchall()
    if rows:
        conn.execute(
            insert(defect_counts),
            [
                {"hour": int(h), "machine": m, "code": code, "shift": sh, "n": int(n)}
                for h, m, code, sh, n in rows
            ],
        )


def defect_row(defect: Defect, now: float) -> dict[str, Any]:
    """The database row of a new defect."""
    return {
        "uid": defect.uid,
        "ts": defect.ts,
        "station": defect.station,
        "line": defect.line,
        "machine": defect.machine,
        "part_number": defect.part_number,
        "serial": defect.serial,
        "code": defect.code,
        "severity": str(defect.severity),
        "disposition": str(defect.disposition),
        "inspector": defect.inspector,
        "notes": defect.notes,
        "measured": json.dumps(defect.measured, separators=(",", ":")),
        "photos": json.dumps(list(defect.photos)),
        "shift": defect.shift,
        "source": str(defect.source),
        "voided": int(defect.voided),
        "void_reason": defect.void_reason,
        "updated_at": now,
    }


class QualityKind(WriteKind[QualityRecord]):
    """Writes quality records in order; urgent (an inspector's entry is committed at once)."""

    name = KIND
    urgent = True
    max_batch = 5_000

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[QualityRecord], retry: bool) -> None:
        now = time.time()
        new_defects: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, Defect):
                new_defects.append(defect_row(item, now))
                continue
            # Anything else may refer to a defect of this round: write those first.
            self._insert_defects(conn, new_defects, retry)
            new_defects = []
            if isinstance(item, DefectChange):
                self._change(conn, item, now)
            elif isinstance(item, Measurement):
                self._measurement(conn, item, retry)
            elif isinstance(item, Inspection):
                self._inspection(conn, item, retry)
            elif isinstance(item, PartScan):
                self._scan(conn, item)
        self._insert_defects(conn, new_defects, retry)

    @staticmethod
    def _insert_defects(conn: Connection, rows: list[dict[str, Any]], retry: bool) -> None:
        if not rows:
            return
        if retry:  # an earlier commit may have landed although it reported an error
            uids = [row["uid"] for row in rows]
            there = set(
                conn.execute(select(defects.c.uid).where(defects.c.uid.in_(uids))).scalars()
            )
            rows = [row for row in rows if row["uid"] not in there]
        if rows:
            conn.execute(insert(defects), rows)
            bump_counts(conn, [_count_key(row) for row in rows if not row["voided"]], +1)

    @staticmethod
    def _change(conn: Connection, change: DefectChange, now: float) -> None:
        done = conn.execute(
            select(defect_history.c.id).where(defect_history.c.uid == change.uid)
        ).first()
        if done is not None:
            return
        columns = [defects.c[name] for name in (*EDITABLE, "voided", "void_reason", "ts", "shift")]
        row = conn.execute(select(*columns).where(defects.c.uid == change.defect_uid)).first()
        if row is None:  # validated before submitting; a vanished defect cannot be edited
            return
        current = dict(row._mapping)
        if current["voided"]:
            return  # a voided defect stays as it was voided
        values = {key: value for key, value in change.after.items() if key in EDITABLE
                  or key in ("voided", "void_reason")}  # fmt: skip
        before = {key: current[key] for key in values}
        if values.get("voided") or "machine" in values or "code" in values:
            bump_counts(conn, [_count_key(current)], -1)
            if not values.get("voided"):
                bump_counts(conn, [_count_key({**current, **values})], +1)
        conn.execute(
            update(defects)
            .where(defects.c.uid == change.defect_uid)
            .values(**values, updated_at=now)
        )
        conn.execute(
            insert(defect_history).values(
                uid=change.uid,
                defect_uid=change.defect_uid,
                ts=change.ts,
                actor=change.actor,
                action=change.action,
                before=json.dumps(before, ensure_ascii=False),
                after=json.dumps(values, ensure_ascii=False),
            )
        )

    @staticmethod
    def _measurement(conn: Connection, m: Measurement, retry: bool) -> None:
        if retry:
            there = conn.execute(
                select(measurements.c.id).where(
                    measurements.c.ts == m.ts,
                    measurements.c.machine == m.machine,
                    measurements.c.characteristic == m.characteristic,
                )
            ).first()
            if there is not None:
                return
        conn.execute(
            insert(measurements).values(
                ts=m.ts,
                machine=m.machine,
                characteristic=m.characteristic,
                value=m.value,
                serial=m.serial,
                part_number=m.part_number,
                lsl=m.lsl,
                usl=m.usl,
                shift=m.shift,
            )
        )

    @staticmethod
    def _inspection(conn: Connection, i: Inspection, retry: bool) -> None:
        if retry:
            there = conn.execute(
                select(inspections.c.id).where(
                    inspections.c.ts == i.ts, inspections.c.machine == i.machine
                )
            ).first()
            if there is not None:
                return
        conn.execute(
            insert(inspections).values(
                ts=i.ts,
                machine=i.machine,
                serial=i.serial,
                part_number=i.part_number,
                shift=i.shift,
                rejected=int(i.rejected),
            )
        )

    @staticmethod
    def _scan(conn: Connection, scan: PartScan) -> None:
        row = conn.execute(select(parts.c.serial).where(parts.c.serial == scan.serial)).first()
        if row is None:
            conn.execute(insert(parts).values(serial=scan.serial, part_number=scan.part_number))
        if scan.close:
            values = {"closed_at": scan.ts, "close_machine": scan.machine}
        else:
            values = {"started_at": scan.ts, "start_machine": scan.machine}
        conn.execute(update(parts).where(parts.c.serial == scan.serial).values(**values))
