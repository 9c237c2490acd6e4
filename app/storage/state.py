"""Small named JSON documents kept in the station database (detector baselines, ...).

The station's state lives in the same file as its data, so a backup or a move takes it along.
Saving hands the document to the gateway (the ``station_state`` write kind, committed at once
on the writer thread); loading reads it directly and is meant for start-up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
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

station_state = Table(
    "station_state",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("saved_at", Float, nullable=False),
    Column("document", Text, nullable=False),
)

#: (key, saved at, JSON text)
StateRow = tuple[str, float, str]


class StateKind(WriteKind[StateRow]):
    """Replaces documents by key; only the newest of a key in one round is written."""

    name = "station_state"
    urgent = True

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[StateRow], retry: bool) -> None:
        newest = {key: (key, saved, text) for key, saved, text in items}
        for key, saved, text in newest.values():
            conn.execute(delete(station_state).where(station_state.c.key == key))
            conn.execute(insert(station_state).values(key=key, saved_at=saved, document=text))


class StateStore:
    """Saves (through the gateway) and loads JSON documents by key."""

    def __init__(self, gateway: DatabaseGateway) -> None:
        self.gateway = gateway
        self._kind = gateway.register(StateKind())

    def save(self, key: str, document: dict[str, Any]) -> None:
        """Hand the document over to replace the one under ``key``; returns at once."""
        text = json.dumps(document, separators=(",", ":"))
        self.gateway.submit(self._kind, [(key, time.time(), text)])

    def load(self, key: str) -> dict[str, Any] | None:
        """The document stored under ``key``, or None (reads the database: start-up only)."""
        return load_state(self.gateway.db, key)


def load_state(database: Database, key: str) -> dict[str, Any] | None:
    """The document stored under ``key`` in ``database``, or None."""
    metadata.create_all(database)
    with database.connect() as conn:
        row = conn.execute(
            select(station_state.c.document).where(station_state.c.key == key)
        ).first()
    if row is None:
        return None
    document = json.loads(row[0])
    return document if isinstance(document, dict) else None
