"""Reading quality records: every filter, sort and count is SQL, never a Python loop.

The functions take the database and return plain data, so views run them on the gateway's
``db-reader`` thread (``gateway.read(lambda db: defect_page(db, f, 0, 200))``) and the command
line calls them directly.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from sqlalchemy import ColumnElement, Connection, Select, func, select

from app.quality.model import Defect, DefectChange
from app.quality.tables import (
    HOUR_S,
    defect_counts,
    defect_history,
    defects,
    inspections,
    measurements,
    metadata,
)
from app.storage.database import Database

#: The index of "not voided, by time": the one for narrow time ranges.
TIME_INDEX = "ix_qa_defects_voided_ts"
SORTABLE = ("ts", "machine", "code", "serial", "part_number", "disposition", "shift", "severity")
ParetoBy = Literal["code", "machine", "shift"]


@dataclass(frozen=True, slots=True)
class DefectFilter:
    """What the history view (or an export) asks for; empty fields do not filter."""

    start: float | None = None
    end: float | None = None
    """Exclusive."""
    machines: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    shifts: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    line: str = ""
    part_number: str = ""
    serial: str = ""
    """Prefix of the serial."""
    text: str = ""
    """Words in the notes."""
    include_voided: bool = False

    def where(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of this filter."""
        c = defects.c
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(c.ts >= self.start)
        if self.end is not None:
            conditions.append(c.ts < self.end)
        for column, values in (
            (c.machine, self.machines),
            (c.code, self.codes),
            (c.shift, self.shifts),
            (c.disposition, self.dispositions),
        ):
            if len(values) == 1:
                conditions.append(column == values[0])
            elif values:
                conditions.append(column.in_(values))
        if self.line:
            conditions.append(c.line == self.line)
        if self.part_number:
            conditions.append(c.part_number == self.part_number)
        if self.serial:  # a prefix as a range, so the serial index serves it
            conditions.append(c.serial >= self.serial)
            conditions.append(c.serial < self.serial + "\U0010ffff")
        for word in self.text.split():
            conditions.append(c.notes.contains(word, autoescape=True))
        if not self.include_voided:
            conditions.append(c.voided == 0)
        return conditions

    @property
    def rollup_ok(self) -> bool:
        """Only time, machine, code and shift filters: the hourly counts can answer."""
        return not (
            self.include_voided
            or self.dispositions
            or self.line
            or self.part_number
            or self.serial
            or self.text
        )

    def index(self, group_by: str | None = None) -> str | None:
        """The index that serves this filter (SQLite's planner, without statistics, takes the
        "not voided, by time" index for everything and then visits every row)."""
        if self.include_voided:
            return "ix_qa_defects_serial" if self.serial and group_by is None else None
        if group_by is not None:
            return f"ix_qa_defects_{group_by}"
        if self.serial:
            return "ix_qa_defects_serial"
        if self.machines:
            return "ix_qa_defects_machine"
        if self.codes:
            return "ix_qa_defects_code"
        return TIME_INDEX


def _run(conn: Connection, query: Select[Any], index: str | None) -> Any:
    """Execute ``query``, on SQLite with ``INDEXED BY index`` (SQLAlchemy renders no SQLite
    index hints, so the hint goes into the compiled text)."""
    if index is None or conn.dialect.name != "sqlite":
        return conn.execute(query)
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    sql = str(compiled).replace("FROM qa_defects", f"FROM qa_defects INDEXED BY {index}", 1)
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup or ())
    return conn.exec_driver_sql(sql, args)


def ensure_tables(database: Database) -> None:
    """Create the quality tables if missing (start-up and the command line)."""
    metadata.create_all(database)


def _defect(row: Any) -> Defect:
    return Defect(
        id=row.id,
        uid=row.uid,
        ts=row.ts,
        station=row.station,
        line=row.line,
        machine=row.machine,
        part_number=row.part_number,
        serial=row.serial,
        code=row.code,
        severity=row.severity,
        disposition=row.disposition,
        inspector=row.inspector,
        notes=row.notes,
        measured=json.loads(row.measured or "{}"),
        photos=tuple(json.loads(row.photos or "[]")),
        shift=row.shift,
        source=row.source,
        voided=bool(row.voided),
        void_reason=row.void_reason,
    )


def _ordered(query: Select[Any], sort: str, descending: bool) -> Select[Any]:
    if sort not in SORTABLE:
        raise ValueError(f"cannot sort by {sort!r}")
    column = defects.c[sort]
    if descending:
        return query.order_by(column.desc(), defects.c.id.desc())
    return query.order_by(column.asc(), defects.c.id.asc())


def defect_page(
    database: Database,
    where: DefectFilter,
    offset: int,
    limit: int,
    sort: str = "ts",
    descending: bool = True,
) -> list[Defect]:
    """One page of matching defects, in the given order."""
    query = _ordered(select(defects).where(*where.where()), sort, descending)
    index = where.index() if sort == "ts" else None
    with database.connect() as conn:
        rows = _run(conn, query.offset(offset).limit(limit), index).fetchall()
    return [_defect(row) for row in rows]


def count_defects(database: Database, where: DefectFilter, cap: int | None = None) -> int:
    """How many defects match (at most ``cap`` counted, so a huge count stays cheap)."""
    if where.rollup_ok and cap is None:
        return sum(n for _, n in pareto(database, where, by="machine"))
    inner = select(defects.c.id).where(*where.where())
    if cap is not None:
        inner = inner.limit(cap)
    query = select(func.count()).select_from(inner.subquery())
    with database.connect() as conn:
        return int(_run(conn, query, where.index()).scalar_one())


def defect_by_id(database: Database, defect_id: int) -> Defect | None:
    with database.connect() as conn:
        row = conn.execute(select(defects).where(defects.c.id == defect_id)).first()
    return None if row is None else _defect(row)


def defect_by_uid(database: Database, uid: str) -> Defect | None:
    with database.connect() as conn:
        row = conn.execute(select(defects).where(defects.c.uid == uid)).first()
    return None if row is None else _defect(row)


def defect_history_of(database: Database, defect_uid: str) -> list[DefectChange]:
    """Every edit and void of a defect, oldest first."""
    query = (
        select(defect_history)
        .where(defect_history.c.defect_uid == defect_uid)
        .order_by(defect_history.c.id)
    )
    with database.connect() as conn:
        rows = conn.execute(query).fetchall()
    return [
        DefectChange(
            uid=r.uid,
            defect_uid=r.defect_uid,
            ts=r.ts,
            actor=r.actor,
            action=r.action,
            before=json.loads(r.before),
            after=json.loads(r.after),
        )
        for r in rows
    ]


def pareto(database: Database, where: DefectFilter, by: ParetoBy = "code") -> list[tuple[str, int]]:
    """``(key, count)`` of the matching defects grouped by code, machine or shift, largest
    first. Filters of time, machine, code and shift read the hourly counts (whole hours) plus
    the defects of the partial hours at both ends; other filters count the defects."""
    with database.connect() as conn:
        if where.rollup_ok:
            totals = _pareto_rollup(conn, where, by)
        else:
            totals = _pareto_rows(conn, where, by)
    ranked = sorted(((k, n) for k, n in totals.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
    return ranked


def _pareto_rows(
    conn: Connection, where: DefectFilter, by: str, index: str | None = None
) -> dict[str, int]:
    column = defects.c[by]
    query = select(column, func.count()).where(*where.where()).group_by(column)
    return {str(k): int(n) for k, n in _run(conn, query, index or where.index(group_by=by))}


def _pareto_rollup(conn: Connection, where: DefectFilter, by: str) -> dict[str, int]:
    c = defect_counts.c
    first = None if where.start is None else math.ceil(where.start / HOUR_S)
    last = None if where.end is None else math.floor(where.end / HOUR_S)
    if first is not None and last is not None and last <= first:  # within one or two hours
        return _pareto_rows(conn, where, by, TIME_INDEX)
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(c.hour >= first)
    if last is not None:
        conditions.append(c.hour < last)
    for column, values in ((c.machine, where.machines), (c.code, where.codes),
                           (c.shift, where.shifts)):  # fmt: skip
        if values:
            conditions.append(column.in_(values))
    column = c[by]
    query = select(column, func.sum(c.n)).where(*conditions).group_by(column)
    totals = {str(k): int(n) for k, n in conn.execute(query)}
    edges = []
    if first is not None and where.start is not None:
        edges.append(replace(where, end=first * HOUR_S))
    if last is not None and where.end is not None:
        edges.append(replace(where, start=last * HOUR_S))
    for edge in edges:
        for key, n in _pareto_rows(conn, edge, by, TIME_INDEX).items():
            totals[key] = totals.get(key, 0) + n
    return totals


def defects_per_bucket(
    database: Database, where: DefectFilter, bucket_s: float = 3600.0
) -> list[tuple[float, int]]:
    """``(bucket start, count)`` of matching defects per time bucket (hour, shift, day; local
    alignment is the caller's: buckets start at multiples of ``bucket_s`` since the epoch)."""
    totals: dict[float, int] = {}
    with database.connect() as conn:
        whole_hours = bucket_s % HOUR_S == 0 and where.rollup_ok
        if whole_hours and where.start is not None and where.end is not None:
            first = math.ceil(where.start / HOUR_S)
            last = math.floor(where.end / HOUR_S)
            whole_hours = last > first
        if not whole_hours:
            _bucket_rows(conn, where, bucket_s, totals)
        else:
            c = defect_counts.c
            first_h = None if where.start is None else math.ceil(where.start / HOUR_S)
            last_h = None if where.end is None else math.floor(where.end / HOUR_S)
            conditions: list[ColumnElement[bool]] = []
            if first_h is not None:
                conditions.append(c.hour >= first_h)
            if last_h is not None:
                conditions.append(c.hour < last_h)
            for column, values in ((c.machine, where.machines), (c.code, where.codes),
                                   (c.shift, where.shifts)):  # fmt: skip
                if values:
                    conditions.append(column.in_(values))
            per = int(bucket_s // HOUR_S)
            bucket = func.floor(c.hour / per).label("b")
            query = select(bucket, func.sum(c.n)).where(*conditions).group_by("b")
            for b, n in conn.execute(query):
                totals[float(b) * bucket_s] = totals.get(float(b) * bucket_s, 0) + int(n)
            if first_h is not None and where.start is not None:
                _bucket_rows(conn, replace(where, end=first_h * HOUR_S), bucket_s, totals)
            if last_h is not None and where.end is not None:
                _bucket_rows(conn, replace(where, start=last_h * HOUR_S), bucket_s, totals)
    return sorted((k, n) for k, n in totals.items() if n > 0)


def _bucket_rows(
    conn: Connection, where: DefectFilter, bucket_s: float, totals: dict[float, int]
) -> None:
    bucket = func.floor(defects.c.ts / bucket_s).label("b")
    query = select(bucket, func.count()).where(*where.where()).group_by("b")
    for b, n in _run(conn, query, TIME_INDEX if where.rollup_ok else where.index()):
        totals[float(b) * bucket_s] = totals.get(float(b) * bucket_s, 0) + int(n)


@dataclass(frozen=True, slots=True)
class AttributeCounts:
    """Inspected parts and rejects per subgroup: the input of p, np, u and c charts."""

    starts: np.ndarray
    inspected: np.ndarray
    rejected: np.ndarray


def reject_counts(
    database: Database,
    machine: str,
    start: float | None = None,
    end: float | None = None,
    bucket_s: float | None = 3600.0,
    parts_per_subgroup: int | None = None,
) -> AttributeCounts:
    """Parts inspected and rejected at ``machine`` per time bucket, or per consecutive
    ``parts_per_subgroup`` parts (then ``bucket_s`` is ignored)."""
    c = inspections.c
    conditions: list[ColumnElement[bool]] = [c.machine == machine]
    if start is not None:
        conditions.append(c.ts >= start)
    if end is not None:
        conditions.append(c.ts < end)
    with database.connect() as conn:
        if parts_per_subgroup is not None:
            rows = conn.execute(
                select(c.ts, c.rejected).where(*conditions).order_by(c.ts, c.id)
            ).fetchall()
            ts = np.array([r[0] for r in rows], dtype=np.float64)
            rej = np.array([r[1] for r in rows], dtype=np.int64)
            n = len(ts) // parts_per_subgroup
            size = n * parts_per_subgroup
            return AttributeCounts(
                starts=ts[:size:parts_per_subgroup],
                inspected=np.full(n, parts_per_subgroup, dtype=np.int64),
                rejected=rej[:size].reshape(n, parts_per_subgroup).sum(axis=1),
            )
        assert bucket_s is not None
        bucket = func.floor(c.ts / bucket_s).label("b")
        rows = conn.execute(
            select(bucket, func.count(), func.sum(c.rejected))
            .where(*conditions)
            .group_by("b")
            .order_by("b")
        ).fetchall()
    return AttributeCounts(
        starts=np.array([float(r[0]) * bucket_s for r in rows], dtype=np.float64),
        inspected=np.array([int(r[1]) for r in rows], dtype=np.int64),
        rejected=np.array([int(r[2] or 0) for r in rows], dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class Series:
    """Measurements of one characteristic, oldest first."""

    ts: np.ndarray
    values: np.ndarray
    serials: list[str]
    lsl: float | None
    usl: float | None


def measurement_series(
    database: Database,
    characteristic: str,
    start: float | None = None,
    end: float | None = None,
    limit: int | None = None,
) -> Series:
    """The measured values of ``characteristic`` (the newest ``limit`` of them)."""
    m = measurements.c
    conditions: list[ColumnElement[bool]] = [m.characteristic == characteristic]
    if start is not None:
        conditions.append(m.ts >= start)
    if end is not None:
        conditions.append(m.ts < end)
    query = select(m.ts, m.value, m.serial, m.lsl, m.usl).where(*conditions)
    query = query.order_by(m.ts.desc(), m.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with database.connect() as conn:
        rows = conn.execute(query).fetchall()[::-1]
    lsl = rows[-1][3] if rows else None
    usl = rows[-1][4] if rows else None
    return Series(
        ts=np.array([r[0] for r in rows], dtype=np.float64),
        values=np.array([r[1] for r in rows], dtype=np.float64),
        serials=[r[2] for r in rows],
        lsl=lsl,
        usl=usl,
    )


def distinct_values(database: Database, column: str) -> list[str]:
    """The values a filter may choose from (machines, codes, shifts) seen in the defects."""
    col = defects.c[column]
    with database.connect() as conn:
        return [str(v) for v in conn.execute(select(col).distinct().order_by(col)).scalars()]
