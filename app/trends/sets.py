"""Saved trend sets: the chosen tags, the axes layout and the range preset, under a name.

Kept in the station database (the ``trend_sets`` write kind, committed at once on the writer
thread), one row per station and name, so they survive a restart, go along with a backup,
and stations sharing a line server's database keep their own. Reading is one query on the
``db-reader`` thread at start; afterwards the view works on its copy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind

metadata = MetaData()

trend_sets = Table(
    "trend_sets",
    metadata,
    Column("station", String(120), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("saved_at", Float, nullable=False),
    Column("document", Text, nullable=False),
)

MAX_NAME = 80
SCALES = ("auto", "units", "percent")
RANGE_KINDS = ("span", "shift", "custom")


@dataclass(frozen=True, slots=True)
class TrendRange:
    """``span`` (the last ``seconds``), ``shift`` (this shift) or ``custom`` (``t0``-``t1``)."""

    kind: str = "span"
    seconds: float = 3600.0
    t0: float = 0.0
    t1: float = 0.0


@dataclass(frozen=True, slots=True)
class TrendSet:
    name: str
    tags: list[str] = field(default_factory=list)
    """Full tag names, ``device.tag``."""
    scale: str = "auto"
    """The axes layout: ``auto``, ``units`` (one axis) or ``percent`` (of each tag's range)."""
    range: TrendRange = field(default_factory=TrendRange)

    def document(self) -> dict[str, Any]:
        return asdict(self)


def parse_set(document: Any) -> TrendSet:
    """A trend set from its stored document; ValueError naming the bad field."""
    if not isinstance(document, dict):
        raise ValueError("a trend set is not a table")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise ValueError(f"name: not a name of 1 to {MAX_NAME} characters")
    tags = document.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags: not a list of tag names")
    scale = document.get("scale", "auto")
    if scale not in SCALES:
        raise ValueError(f"scale: {scale!r} is not one of {', '.join(SCALES)}")
    span = document.get("range", {})
    if not isinstance(span, dict) or span.get("kind", "span") not in RANGE_KINDS:
        raise ValueError(f"range.kind: not one of {', '.join(RANGE_KINDS)}")
    try:
        numbers = {
            k: float(span.get(k, default))
            for k, default in (("seconds", 3600.0), ("t0", 0.0), ("t1", 0.0))
        }
    except (TypeError, ValueError):
        raise ValueError("range: seconds, t0 and t1 must be numbers") from None
    kind = span.get("kind", "span")
    if kind == "span" and not numbers["seconds"] > 0:
        raise ValueError("range.seconds: must be above 0")
    if kind == "custom" and not numbers["t1"] > numbers["t0"]:
        raise ValueError("range.t1: must be after range.t0")
    return TrendSet(name.strip(), list(tags), scale, TrendRange(kind, **numbers))


#: (station, name, saved at, JSON text or None to delete)
SetRow = tuple[str, str, float, str | None]


class TrendSetKind(WriteKind[SetRow]):
    name = "trend_sets"
    urgent = True  # a user's action: on disk at once

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[SetRow], retry: bool) -> None:
        for station, name, saved, text in items:  # in order: a delete after a save wins
            where = (trend_sets.c.station == station, trend_sets.c.name == name)
            conn.execute(delete(trend_sets).where(*where))
            if text is not None:
                conn.execute(
                    insert(trend_sets).values(
                        station=station, name=name, saved_at=saved, document=text
                    )
                )


class TrendSets:
    """The trend sets of one station: saved and deleted through the gateway, read on its
    reader thread."""

    def __init__(self, gateway: DatabaseGateway, station: str) -> None:
        self.gateway = gateway
        self.station = station
        self._kind = gateway.register(TrendSetKind())

    def save(self, trend_set: TrendSet) -> None:
        """Store ``trend_set`` under its name (replacing one of that name); returns at once."""
        text = json.dumps(trend_set.document(), separators=(",", ":"))
        self.gateway.submit(self._kind, [(self.station, trend_set.name, time.time(), text)])

    def delete(self, name: str) -> None:
        """Forget the set ``name``; returns at once."""
        self.gateway.submit(self._kind, [(self.station, name, time.time(), None)])

    def read_all(self) -> Future[dict[str, TrendSet]]:
        """Every set of this station by name, on the reader thread (a damaged row is left out
        and logged by the caller: see :func:`read_sets`)."""
        station = self.station
        return self.gateway.read(lambda db: read_sets(db, station))


def read_sets(database: Database, station: str) -> dict[str, TrendSet]:
    """The stored sets of ``station``; rows that do not parse are skipped."""
    with database.connect() as conn:
        rows = conn.execute(
            select(trend_sets.c.name, trend_sets.c.document)
            .where(trend_sets.c.station == station)
            .order_by(trend_sets.c.name)
        ).all()
    found: dict[str, TrendSet] = {}
    for name, text in rows:
        try:
            found[name] = parse_set(json.loads(text))
        except ValueError:  # json.JSONDecodeError is one too
            continue
    return found
