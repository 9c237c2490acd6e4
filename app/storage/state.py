"""Small named JSON documents kept in the station database (detector baselines, ...).

The station's state lives in the same file as its data, so a backup or a move takes it along.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, Text, delete, insert, select

metadata = MetaData()

station_state = Table(
    "station_state",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("saved_at", Float, nullable=False),
    Column("document", Text, nullable=False),
)


class StateStore:
    """Saves and loads JSON documents by key."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def save(self, key: str, document: dict[str, Any]) -> None:
        """Replace the document stored under ``key``."""
        text = json.dumps(document, separators=(",", ":"))
        with self.engine.begin() as conn:
            conn.execute(delete(station_state).where(station_state.c.key == key))
            conn.execute(insert(station_state).values(key=key, saved_at=time.time(), document=text))

    def load(self, key: str) -> dict[str, Any] | None:
        """The document stored under ``key``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(station_state.c.document).where(station_state.c.key == key)
            ).first()
        if row is None:
            return None
        document = json.loads(row[0])
        return document if isinstance(document, dict) else None
