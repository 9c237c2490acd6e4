"""What happened on the time axis of a trend: alarm transitions and defect records in a range.

A week can hold thousands of either. Up to ``limit`` of a kind come back one by one; beyond
that they come back clustered, one :class:`Cluster` per time bucket (counted, with the most
urgent priority or worst severity and the most frequent alarm or code), so a marker layer never
draws more than ``buckets`` of them; a bucket holding a single one gives that one itself. Every
count and grouping is SQL over the indexed ``ts`` columns. Run it on the gateway's
``db-reader`` thread, never on the GUI thread.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, case, cast, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.alarms.journal import journal_table, message_from_row
from app.alarms.model import Priority, TransitionKind
from app.messages import Message
from app.quality.queries import DefectFilter
from app.quality.tables import defects
from app.storage.database import Database

#: The transitions a trend marks: an alarm coming and going.
MARKED_EVENTS = (TransitionKind.RAISE, TransitionKind.CLEAR)
SEVERITY_RANK = {"critical": 1, "major": 2, "minor": 3}


@dataclass(frozen=True, slots=True)
class AlarmMark:
    t: float
    alarm_id: str
    event: TransitionKind
    priority: Priority
    message: Message
    value: float | None


@dataclass(frozen=True, slots=True)
class DefectMark:
    t: float
    machine: str
    code: str
    severity: str
    serial: str
    part_number: str
    disposition: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """Several marks of one kind in one time bucket."""

    t_first: float
    t_last: float
    count: int
    worst: str
    """The most urgent alarm priority (``critical`` ... ``low``) or worst defect severity."""
    raised: int
    """Alarms: transitions that raised one (the rest cleared one); defects: 0."""
    top: str
    """The most frequent alarm id or defect code of the bucket."""
    top_count: int


@dataclass(frozen=True, slots=True)
class Marks:
    """Marks between ``t0`` and ``t1``: listed, and clustered where a bucket holds several."""

    t0: float
    t1: float
    alarms: list[AlarmMark] = field(default_factory=list)
    alarm_clusters: list[Cluster] = field(default_factory=list)
    defects: list[DefectMark] = field(default_factory=list)
    defect_clusters: list[Cluster] = field(default_factory=list)

    @property
    def shown(self) -> int:
        """Markers to draw."""
        return (
            len(self.alarms)
            + len(self.alarm_clusters)
            + len(self.defects)
            + len(self.defect_clusters)
        )


def timeline_marks(
    database: Database, t0: float, t1: float, buckets: int = 200, limit: int = 300
) -> Marks:
    """Alarm raises and clears and (not voided) defects with ``t0 <= ts < t1``: listed when a
    kind has at most ``limit`` in the range, else clustered into ``buckets`` time buckets. A
    table that does not exist yet (no alarm or defect ever stored) gives none."""
    if t1 <= t0:
        return Marks(t0, t1)
    width = (t1 - t0) / max(1, buckets)
    with database.connect() as conn:
        alarms, alarm_clusters = _alarms(conn, t0, t1, width, limit)
        found, defect_clusters = _defects(conn, t0, t1, width, limit)
    return Marks(t0, t1, alarms, alarm_clusters, found, defect_clusters)


def _missing_table(conn: Connection, exc: Exception) -> bool:
    if conn.in_transaction():
        conn.rollback()
    return "no such table" in str(exc) or "does not exist" in str(exc)


def _bucket(ts: Any, t0: float, width: float) -> Any:
    return cast((ts - t0) / width, Integer).label("bucket")


def _alarms(
    conn: Connection, t0: float, t1: float, width: float, limit: int
) -> tuple[list[AlarmMark], list[Cluster]]:
    j = journal_table
    where = (j.c.ts >= t0, j.c.ts < t1, j.c.event.in_([e.value for e in MARKED_EVENTS]))
    try:
        count = conn.execute(select(func.count()).where(*where)).scalar_one()
    except (OperationalError, ProgrammingError) as exc:
        if _missing_table(conn, exc):
            return [], []
        raise
    bucket = _bucket(j.c.ts, t0, width)
    if count <= limit:
        return _alarm_rows(conn, select(j).where(*where)), []
    raised = func.sum(case((j.c.event == TransitionKind.RAISE.value, 1), else_=0))
    groups = conn.execute(
        select(
            bucket,
            func.count(),
            func.min(j.c.priority),
            func.min(j.c.ts),
            func.max(j.c.ts),
            raised,
        )
        .where(*where)
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    tops = _tops(conn, select(bucket, j.c.alarm_id, func.count()).where(*where))
    clusters = [
        Cluster(
            t_first=float(first),
            t_last=float(last),
            count=int(n),
            worst=Priority(int(worst)).name.lower(),
            raised=int(up or 0),
            top=tops[int(b)][0],
            top_count=tops[int(b)][1],
        )
        for b, n, worst, first, last, up in groups
        if n > 1
    ]
    singles = [int(b) for b, n, *_ in groups if n == 1]
    alone = _alarm_rows(conn, select(j).where(*where, bucket.in_(singles))) if singles else []
    return alone, clusters


def _alarm_rows(conn: Connection, query: Any) -> list[AlarmMark]:
    j = journal_table
    return [
        AlarmMark(
            t=row.ts,
            alarm_id=row.alarm_id,
            event=TransitionKind(row.event),
            priority=Priority(row.priority),
            message=message_from_row(row._mapping),
            value=row.value,
        )
        for row in conn.execute(query.order_by(j.c.ts, j.c.seq)).all()
    ]


def _defects(
    conn: Connection, t0: float, t1: float, width: float, limit: int
) -> tuple[list[DefectMark], list[Cluster]]:
    d = defects.c
    where = DefectFilter(start=t0, end=t1).where()
    try:
        count = conn.execute(select(func.count()).select_from(defects).where(*where)).scalar_one()
    except (OperationalError, ProgrammingError) as exc:
        if _missing_table(conn, exc):
            return [], []
        raise
    columns = (d.ts, d.machine, d.code, d.severity, d.serial, d.part_number, d.disposition)
    bucket = _bucket(d.ts, t0, width)
    if count <= limit:
        rows = conn.execute(select(*columns).where(*where).order_by(d.ts, d.id)).all()
        return [DefectMark(*row) for row in rows], []
    rank = case(*((d.severity == name, value) for name, value in SEVERITY_RANK.items()), else_=9)
    groups = conn.execute(
        select(bucket, func.count(), func.min(rank), func.min(d.ts), func.max(d.ts))
        .where(*where)
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    tops = _tops(conn, select(bucket, d.code, func.count()).where(*where))
    names = {value: name for name, value in SEVERITY_RANK.items()}
    clusters = [
        Cluster(
            t_first=float(first),
            t_last=float(last),
            count=int(n),
            worst=names.get(int(worst), "minor"),
            raised=0,
            top=tops[int(b)][0],
            top_count=tops[int(b)][1],
        )
        for b, n, worst, first, last in groups
        if n > 1
    ]
    singles = [int(b) for b, n, *_ in groups if n == 1]
    alone: list[DefectMark] = []
    if singles:
        query = select(*columns).where(*where, bucket.in_(singles)).order_by(d.ts, d.id)
        alone = [DefectMark(*row) for row in conn.execute(query).all()]
    return alone, clusters


def _tops(conn: Connection, query: Any) -> dict[int, tuple[str, int]]:
    """The most frequent name of each bucket, from ``(bucket, name, count)`` rows."""
    columns = list(query.selected_columns)
    grouped = query.group_by(columns[0], columns[1])
    counts: dict[int, Counter[str]] = {}
    for b, name, n in conn.execute(grouped).all():
        counts.setdefault(int(b), Counter())[str(name)] = int(n)
    return {b: found.most_common(1)[0] for b, found in counts.items()}
