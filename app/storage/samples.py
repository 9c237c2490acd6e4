"""The sample format: how samples are written to and read from the database.

Everything that knows the layout of the ``samples`` table lives here, so the historian work can
change the format (compression, downsampled tiers) behind this one module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import Connection, func, insert, select

from app.model import FloatArray, Quality, SampleBatch
from app.storage.database import Database
from app.storage.schema import metadata, samples, tags
from app.tags import TagTable

#: (ts, tag_id, value, quality, reason, text): the column order of ``samples``.
SampleRow = tuple[float, int, float | None, int, str | None, str | None]
COLUMNS = ("ts", "tag_id", "value", "quality", "reason", "text")


class SampleStore:
    """Reads and writes samples; maps the engine's tag ids to stable database tag ids."""

    def __init__(self, database: Database) -> None:
        self.db = database
        metadata.create_all(database)
        self._db_ids = np.zeros(0, dtype=np.int64)
        compiled = insert(samples).compile(dialect=database.dialect)
        self._positional = bool(database.dialect.positional) and compiled.positiontup is not None
        if self._positional:
            assert tuple(compiled.positiontup or ()) == COLUMNS
        self._insert_sql = str(compiled)
        self._explicit_null = database.dialect.name != "sqlite"

    def register_tags(self, table: TagTable) -> None:
        """Make sure every tag has a database row; ids stay stable across config changes."""
        with self.db.begin() as conn:
            existing: dict[str, int] = {
                name: tag_id for name, tag_id in conn.execute(select(tags.c.name, tags.c.id))
            }
            missing = [
                {
                    "name": info.full_name,
                    "device": info.device,
                    "unit": info.unit,
                    "description": info.config.description,
                }
                for info in table
                if info.full_name not in existing
            ]
            if missing:
                conn.execute(insert(tags), missing)
                existing = {
                    name: tag_id for name, tag_id in conn.execute(select(tags.c.name, tags.c.id))
                }
        self._db_ids = np.array([existing[info.full_name] for info in table], dtype=np.int64)

    def rows(self, batch: SampleBatch) -> list[SampleRow]:
        """Database rows of a batch (called on the dispatcher thread, so kept cheap)."""
        n = len(batch)
        db_ids = self._db_ids[batch.tag_ids].tolist()
        tag_ids = batch.tag_ids.tolist()
        reasons = [batch.reasons.get(i) for i in tag_ids] if batch.reasons else [None] * n
        texts = [batch.texts.get(i) for i in tag_ids] if batch.texts else [None] * n
        if batch.integers:  # exact 64-bit integers: their decimal text beside the float64
            texts = [
                str(batch.integers[i]) if i in batch.integers else text
                for i, text in zip(tag_ids, texts, strict=True)
            ]
        # NaN values become NULL: SQLite does so itself; other databases get None explicitly.
        values: list[float | None] = batch.values.tolist()
        if self._explicit_null and np.isnan(batch.values).any():
            values = [None if v != v else v for v in values]
        return list(
            zip(
                batch.timestamps.tolist(),
                db_ids,
                values,
                batch.quality.tolist(),
                reasons,
                texts,
                strict=True,
            )
        )

    def write(self, rows: Sequence[SampleRow]) -> None:
        """Insert rows in one transaction of their own."""
        if rows:
            with self.db.begin() as conn:
                self.write_rows(conn, rows)

    def write_rows(self, conn: Connection, rows: Sequence[SampleRow]) -> None:
        """Insert rows in the open transaction (the DBAPI's executemany: no per-row objects)."""
        if not rows:
            return
        if self._positional:
            conn.exec_driver_sql(self._insert_sql, list(rows))
        else:
            named = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
            conn.execute(insert(samples), named)

    def read(
        self, full_name: str, start: float | None = None, end: float | None = None
    ) -> tuple[FloatArray, FloatArray, np.ndarray]:
        """Timestamps, values (NaN where missing) and quality of one tag, oldest first."""
        query = (
            select(samples.c.ts, samples.c.value, samples.c.quality)
            .join(tags, tags.c.id == samples.c.tag_id)
            .where(tags.c.name == full_name)
            .order_by(samples.c.ts)
        )
        if start is not None:
            query = query.where(samples.c.ts >= start)
        if end is not None:
            query = query.where(samples.c.ts <= end)
        with self.db.connect() as conn:
            result = conn.execute(query).all()
        if not result:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.uint8)
        ts, values, quality = zip(*result, strict=True)
        return (
            np.asarray(ts, dtype=np.float64),
            np.asarray(values, dtype=np.float64),  # NULL (None) becomes NaN
            np.asarray(quality, dtype=np.uint8),
        )

    def counts(self, good_only: bool = False) -> dict[str, int]:
        """Number of stored samples per tag name."""
        query = (
            select(tags.c.name, func.count(samples.c.ts))
            .join(samples, samples.c.tag_id == tags.c.id)
            .group_by(tags.c.name)
        )
        if good_only:
            query = query.where(samples.c.quality == int(Quality.GOOD))
        with self.db.connect() as conn:
            return {name: int(count) for name, count in conn.execute(query).all()}

    def tag_names(self) -> Iterable[str]:
        """Every tag the database knows."""
        with self.db.connect() as conn:
            return [row[0] for row in conn.execute(select(tags.c.name)).all()]
