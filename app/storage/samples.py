"""The sample history: how samples are written to and read from the database.

Everything that knows the layout of the sample tables lives here (the BLOB format is
:mod:`app.storage.chunk_codec`). The gateway's writer thread writes each flush's batches as one
row of the write-ahead table ``sample_wal`` (exact values, one commit per flush, so a kill -9
loses at most the last flush interval). The fold (a maintenance step on the writer thread, and
once at start for what a crash left) turns the write-ahead rows into one compressed chunk per
tag in ``sample_chunks``, adds them to the 1-minute and 1-hour roll-ups in ``sample_rollups``
and deletes the rows it folded, all in one transaction. Readers see chunks and write-ahead rows
in one statement, so a fold running meanwhile neither hides nor doubles a sample.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)

from app.model import FloatArray, SampleBatch
from app.storage.chunk_codec import (
    Rows,
    TagSamples,
    decode,
    decode_rows,
    encode_rows,
)
from app.storage.chunk_tables import good_mask, with_times, write_chunks
from app.storage.database import Database
from app.storage.schema import sample_chunks, sample_times, sample_wal, tags
from app.storage.versions import ensure_schema
from app.tags import TagTable

log = logging.getLogger(__name__)

FOLD_MAX_ROWS = 2_000  # write-ahead rows folded per transaction (one per flush)
FOLD_STEP_SAMPLES = 250_000  # and samples, so one step holds the writer for a fraction of a second


@dataclass(frozen=True, slots=True)
class TagStats:
    """What the history holds of one tag."""

    name: str
    samples: int
    good: int
    chunks: int
    chunk_bytes: int
    oldest: float | None
    newest: float | None
    in_chunks: int = 0
    """Samples in compressed chunks (the others wait in the write-ahead table)."""


class SampleStore:
    """Writes and reads the sample history; maps engine tag ids to stable database tag ids."""

    def __init__(
        self,
        database: Database,
        *,
        progress: Callable[[int, int], None] | None = None,
        migrate: bool = True,
    ) -> None:
        """Open (and create or migrate, reporting ``progress(done, total)``) the history;
        ``migrate=False``: read-only use of a database already at the newest revision."""
        self.db = database
        if migrate:
            ensure_schema(database, progress)
        self._db_ids = np.zeros(0, dtype=np.int64)
        self._scaling: dict[int, tuple[float, float]] = {}
        self.wal_samples = 0
        """Samples in the write-ahead table (as this process knows; writer thread)."""
        self.wal_oldest: float | None = None
        """Wall-clock time of the oldest write-ahead row not yet folded."""

    def register_tags(self, table: TagTable) -> None:
        """Make sure every tag has a database row; ids stay stable across config changes."""
        with self.db.begin() as conn:
            existing = self._tag_ids(conn)
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
                existing = self._tag_ids(conn)
        self._db_ids = np.array([existing[info.full_name] for info in table], dtype=np.int64)
        self._scaling = {
            existing[info.full_name]: (float(info.config.scale), float(info.config.offset))
            for info in table
        }

    @staticmethod
    def _tag_ids(conn: Connection) -> dict[str, int]:
        return {name: int(i) for name, i in conn.execute(select(tags.c.name, tags.c.id))}

    # -- writing (the gateway's writer thread) ---------------------------------------------------

    def rows(self, batches: Sequence[SampleBatch]) -> Rows:
        """The samples of ``batches`` in one block, with database tag ids."""
        if len(batches) == 1:
            b = batches[0]
            ids, ts, values, quality = b.tag_ids, b.timestamps, b.values, b.quality
        else:
            ids = np.concatenate([b.tag_ids for b in batches])
            ts = np.concatenate([b.timestamps for b in batches])
            values = np.concatenate([b.values for b in batches])
            quality = np.concatenate([b.quality for b in batches])
        reasons: dict[int, str] = {}
        texts: dict[int, str] = {}
        exact: dict[int, int] = {}
        start = 0
        for b in batches:
            if b.reasons or b.texts or b.integers:
                where = {tag: start + i for i, tag in enumerate(b.tag_ids.tolist())}
                reasons.update({where[k]: v for k, v in b.reasons.items() if k in where})
                texts.update({where[k]: v for k, v in b.texts.items() if k in where})
                exact.update({where[k]: v for k, v in b.integers.items() if k in where})
            start += len(b)
        samples = TagSamples(
            np.asarray(ts, dtype=np.float64),
            np.asarray(values, dtype=np.float64),
            np.asarray(quality, dtype=np.uint8),
            reasons,
            texts,
            exact,
        )
        return Rows(self._db_ids[ids], samples)

    def write_wal(
        self, conn: Connection, batches: Sequence[SampleBatch], seq: int, retry: bool
    ) -> int:
        """One write-ahead row of ``batches`` in the open transaction; the samples written."""
        if not batches:
            return 0
        if retry and conn.execute(select(sample_wal.c.id).where(sample_wal.c.seq == seq)).first():
            return 0  # the earlier attempt was committed after all
        rows = self.rows(batches)
        if not len(rows):
            return 0
        conn.execute(
            insert(sample_wal),
            {
                "seq": seq,
                "t_min": float(rows.samples.ts.min()),
                "t_max": float(rows.samples.ts.max()),
                "n": len(rows),
                "payload": encode_rows(rows),
            },
        )
        return len(rows)

    def written(self, count: int, now: float) -> None:
        """After a commit of ``count`` write-ahead samples (for the fold's schedule)."""
        if count:
            self.wal_samples += count
            if self.wal_oldest is None:
                self.wal_oldest = now

    def fold(self, conn: Connection) -> tuple[int, bool]:
        """Fold write-ahead rows into chunks and roll-ups in the open transaction.

        Returns the samples folded and whether write-ahead rows are left.
        """
        sizes = conn.execute(
            select(sample_wal.c.id, sample_wal.c.n)
            .order_by(sample_wal.c.id)
            .limit(FOLD_MAX_ROWS + 1)
        ).all()
        if not sizes:
            return 0, False
        # A bounded step (the writer's other kinds wait meanwhile): rows up to FOLD_STEP_SAMPLES.
        taken = np.cumsum([int(n) for _, n in sizes])
        count = max(1, min(FOLD_MAX_ROWS, int(np.searchsorted(taken, FOLD_STEP_SAMPLES, "right"))))
        more = len(sizes) > count
        last = int(sizes[count - 1][0])
        result = conn.execute(
            select(sample_wal.c.id, sample_wal.c.payload)
            .where(sample_wal.c.id <= last)
            .order_by(sample_wal.c.id)
        ).all()
        parts = [decode_rows(payload) for _, payload in result]
        rows = Rows(
            np.concatenate([p.tag_ids for p in parts]),
            TagSamples.concat([p.samples for p in parts]),
        )
        folded = self.write_chunks(conn, rows.split())
        conn.execute(delete(sample_wal).where(sample_wal.c.id <= int(result[-1][0])))
        return folded, more

    def write_chunks(self, conn: Connection, per_tag: dict[int, TagSamples]) -> int:
        """Chunks and roll-up updates of each tag's samples (oldest first) in ``conn``."""
        return write_chunks(conn, per_tag, self._scaling)

    # -- reading (any thread with its own connection: the gateway's db-reader) ------------------

    def tag_id(self, full_name: str) -> int | None:
        """The database id of ``device.tag`` (None: not known)."""
        with self.db.connect() as conn:
            found = conn.execute(select(tags.c.id).where(tags.c.name == full_name)).first()
        return None if found is None else int(found[0])

    def samples(
        self, tag: str | int, start: float | None = None, end: float | None = None
    ) -> TagSamples:
        """Every sample of one tag in ``[start, end]`` (chunks and write-ahead), oldest first."""
        tag_id = self.tag_id(tag) if isinstance(tag, str) else tag
        if tag_id is None:
            return TagSamples.empty()
        lo = -np.inf if start is None else start
        hi = np.inf if end is None else end
        chunks = select(
            literal(0).label("wal"),
            sample_chunks.c.t_start,
            sample_chunks.c.payload,
            sample_times.c.payload.label("times"),
        ).select_from(with_times())
        chunks = chunks.where(sample_chunks.c.tag_id == tag_id)
        wal = select(literal(1).label("wal"), sample_wal.c.t_min, sample_wal.c.payload, null())
        if start is not None:
            chunks = chunks.where(sample_chunks.c.t_end >= start)
            wal = wal.where(sample_wal.c.t_max >= start)
        if end is not None:
            chunks = chunks.where(sample_chunks.c.t_start <= end)
            wal = wal.where(sample_wal.c.t_min <= end)
        with self.db.connect() as conn:  # one statement: one snapshot, whatever a fold does
            found = conn.execute(union_all(chunks, wal)).all()
        parts: list[TagSamples] = []
        for is_wal, _, payload, times in sorted(found, key=lambda r: (r[1], r[0])):
            if is_wal:
                part = decode_rows(payload).split().get(tag_id)
                if part is None:
                    continue
            else:
                part = decode(payload, times)
            parts.append(part)
        every = TagSamples.concat(parts).sorted()
        if start is None and end is None:
            return every
        return every.select((every.ts >= lo) & (every.ts <= hi))

    def read(
        self, full_name: str, start: float | None = None, end: float | None = None
    ) -> tuple[FloatArray, FloatArray, np.ndarray]:
        """Timestamps, values (NaN where missing) and quality of one tag, oldest first."""
        s = self.samples(full_name, start, end)
        return s.ts, s.values, s.quality

    def counts(self, good_only: bool = False) -> dict[str, int]:
        """Number of stored samples per tag name."""
        return {s.name: (s.good if good_only else s.samples) for s in self.stats() if s.samples > 0}

    def stats(self) -> list[TagStats]:
        """Samples, good samples, chunks, chunk bytes, oldest and newest time per tag. A shared
        time column's bytes are split evenly among the chunks that refer to it."""
        chunk_part = select(
            sample_chunks.c.tag_id,
            sample_chunks.c.n,
            sample_chunks.c.n_good,
            func.length(sample_chunks.c.payload).label("size"),
            sample_chunks.c.t_start,
            sample_chunks.c.t_end,
            null().label("payload"),
            sample_chunks.c.times_id,
        )
        wal_part = select(
            null(),
            sample_wal.c.n,
            literal(0),
            literal(0),
            sample_wal.c.t_min,
            sample_wal.c.t_max,
            sample_wal.c.payload,
            null(),
        )
        times_part = select(sample_times.c.id, func.length(sample_times.c.payload))
        with self.db.connect() as conn:  # one transaction: one snapshot
            names = {i: name for name, i in self._tag_ids(conn).items()}
            found = conn.execute(union_all(chunk_part, wal_part)).all()
            times_size = {int(i): int(size) for i, size in conn.execute(times_part)}
        users: dict[int, int] = {}
        for row in found:
            if row[7] is not None:
                users[int(row[7])] = users.get(int(row[7]), 0) + 1
        acc: dict[int, list[float]] = {}  # samples, good, chunks, bytes, oldest, newest, in chunks

        def add(
            tag: int, n: int, good: int, chunks: int, size: float, lo: float, hi: float
        ) -> None:
            a = acc.setdefault(tag, [0, 0, 0, 0, np.inf, -np.inf, 0])
            a[0] += n
            a[6] += n if chunks else 0
            a[1] += good
            a[2] += chunks
            a[3] += size
            a[4] = min(a[4], lo)
            a[5] = max(a[5], hi)

        for tag, n, good, size, lo, hi, payload, times_id in found:
            if payload is None:
                shared = 0.0
                if times_id is not None:
                    shared = times_size.get(int(times_id), 0) / users[int(times_id)]
                add(int(tag), int(n), int(good), 1, int(size or 0) + shared, float(lo), float(hi))
                continue
            for wal_tag, part in decode_rows(payload).split().items():
                good_n = int(np.count_nonzero(good_mask(part)))
                add(wal_tag, len(part), good_n, 0, 0, float(part.ts[0]), float(part.ts[-1]))
        result = []
        for tag, name in sorted(names.items(), key=lambda kv: kv[1]):
            a = acc.get(tag)
            if a is None:
                result.append(TagStats(name, 0, 0, 0, 0, None, None))
                continue
            size = round(a[3])
            result.append(
                TagStats(name, int(a[0]), int(a[1]), int(a[2]), size, a[4], a[5], int(a[6]))
            )
        return result

    def tag_names(self) -> Iterable[str]:
        """Every tag the database knows."""
        with self.db.connect() as conn:
            return [row[0] for row in conn.execute(select(tags.c.name)).all()]


def fold_due(store: SampleStore, interval_s: float, max_samples: int, now: float) -> bool:
    """Whether the write-ahead table should be folded now."""
    if store.wal_samples >= max_samples:
        return True
    return store.wal_oldest is not None and now - store.wal_oldest >= interval_s
