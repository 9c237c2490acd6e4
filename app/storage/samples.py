"""The sample format: how samples are written to and read from the database.

Everything that knows the layout of the ``samples`` table lives here, so the historian work can
change the format (compression, downsampled tiers) behind this one module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select

from app.model import FloatArray, Quality, SampleBatch
from app.storage.schema import metadata, samples, tags
from app.tags import TagTable

SampleRow = dict[str, Any]


class SampleStore:
    """Reads and writes samples; maps engine tag ids to stable database tag ids."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        self._db_ids = np.zeros(0, dtype=np.int64)

    def register_tags(self, table: TagTable) -> None:
        """Make sure every tag has a database row; ids stay stable across config changes."""
        with self.engine.begin() as conn:
            existing = dict(conn.execute(select(tags.c.name, tags.c.id)).all())
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
                existing = dict(conn.execute(select(tags.c.name, tags.c.id)).all())
        self._db_ids = np.array([existing[info.full_name] for info in table], dtype=np.int64)

    def rows(self, batch: SampleBatch) -> list[SampleRow]:
        """Database rows of a batch (call on the dispatcher thread; cheap)."""
        db_ids = self._db_ids[batch.tag_ids].tolist()
        values = batch.values.tolist()
        rows: list[SampleRow] = []
        for i, (ts, tag_id, value, quality) in enumerate(
            zip(
                batch.timestamps.tolist(),
                batch.tag_ids.tolist(),
                values,
                batch.quality.tolist(),
                strict=True,
            )
        ):
            rows.append(
                {
                    "ts": ts,
                    "tag_id": db_ids[i],
                    "value": None if math.isnan(value) else value,
                    "quality": quality,
                    "reason": batch.reasons.get(tag_id),
                    "text": batch.texts.get(tag_id),
                }
            )
        return rows

    def write(self, rows: Sequence[SampleRow]) -> None:
        """Insert rows in one transaction."""
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(samples), list(rows))

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
        with self.engine.connect() as conn:
            result = conn.execute(query).all()
        if not result:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.uint8)
        ts, values, quality = zip(*result, strict=True)
        return (
            np.asarray(ts, dtype=np.float64),
            np.array([np.nan if v is None else v for v in values], dtype=np.float64),
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
        with self.engine.connect() as conn:
            return {name: int(count) for name, count in conn.execute(query).all()}

    def tag_names(self) -> Iterable[str]:
        """Every tag the database knows."""
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(select(tags.c.name)).all()]
