"""The sample history on a real database: round trips of every kind of value through the
writer, the write-ahead table and the chunks, the fold and the roll-ups, retention and the
decimating query on a controllable clock. Runs against SQLite and a real PostgreSQL
(``history_url`` in tests/pg_support.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sqlalchemy import func, select

from app.config_loader import parse_config
from app.model import Quality, SampleBatch
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.storage.chunk_tables import GROW_BELOW
from app.storage.history import query
from app.storage.retention import DAY_S, Retention
from app.storage.rollups import read_buckets
from app.storage.schema import sample_chunks, sample_rollups, sample_wal
from app.tags import TagTable
from tests.alarm_support import Clock
from tests.pg_support import history_url, postgres_server  # noqa: F401 (fixtures)
from tests.waiting import wait_until

T0 = 1_800_000_000.0  # 2027-01-15: whole hours and minutes from here


def line_config():  # type: ignore[no-untyped-def]
    """One device with a float, a scaled register, an exact 64-bit counter and a string."""
    return parse_config(
        {
            "station": {"company": "ACME", "site": "Plant 1", "line": "L1", "station": "S1"},
            "devices": [
                {
                    "name": "m",
                    "driver": "simulated",
                    "tags": [
                        {"name": "f", "type": "float64"},
                        {"name": "c", "type": "int16", "scale": 0.1, "offset": -40.0},
                        {"name": "x", "type": "uint64"},
                        {"name": "s", "type": "string"},
                    ],
                }
            ],
        }
    )


class History:
    """A writer (gateway not started: flush and fold run on the test's thread) and a clock."""

    def __init__(self, url: str) -> None:
        self.db = open_database(url)
        self.table = TagTable(line_config())
        self.clock = Clock(T0)
        self.gateway = DatabaseGateway(self.db)
        self.writer = StorageWriter(self.gateway, self.table, clock=self.clock)
        self.store = self.writer.samples

    def close(self) -> None:
        self.gateway.close()


def one_tag(tag: int, ts: np.ndarray, values: np.ndarray, quality: np.ndarray) -> SampleBatch:
    return SampleBatch(
        "m", np.full(len(ts), tag, np.int32), ts.astype(float), values.astype(float), quality
    )


# -- round trips ----------------------------------------------------------------------------------

series = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, n, elements=st.floats(allow_nan=True, allow_infinity=True)),
        hnp.arrays(np.int64, n, elements=st.integers(-32768, 32767)),
        st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n),
        st.lists(st.text(max_size=6), min_size=n, max_size=n),
        hnp.arrays(np.uint8, n, elements=st.sampled_from([0, 0, 0, 1, 2, 3])),
    )
)


def test_every_kind_of_value_round_trips_through_write_ahead_and_chunks(
    history_url: str,  # noqa: F811
) -> None:
    h = History(history_url)
    start = [T0]

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(series)
    def round_trip(case) -> None:  # type: ignore[no-untyped-def]
        floats, counts, big, texts, quality = case
        n = len(floats)
        t0 = start[0]
        start[0] += 10_000.0
        ts = t0 + np.arange(n) * 0.25  # on the millisecond grid: exact after folding too
        scaled = counts * 0.1 - 40.0
        bad = quality != Quality.GOOD
        for i in range(n):
            reasons = {k: f"reason {i}" for k in range(4)} if bad[i] else {}
            value = [floats[i], scaled[i], float(big[i]), np.nan]
            if bad[i]:
                value = [np.nan] * 4
            h.writer.on_batch(
                SampleBatch.uniform(
                    "m",
                    np.arange(4, dtype=np.int32),
                    float(ts[i]),
                    np.array(value),
                    np.full(4, quality[i], np.uint8),
                    reasons,
                    {3: texts[i]},
                    {} if bad[i] else {2: big[i]},
                )
            )
        assert h.writer.flush()
        for stage in ("write-ahead", "chunks"):
            got = {name: h.store.samples(f"m.{name}", t0, t0 + 9_999) for name in "fcxs"}
            for s in got.values():
                assert np.array_equal(s.ts, ts), stage
                assert np.array_equal(s.quality, quality), stage
                assert s.reasons == {i: f"reason {i}" for i in np.flatnonzero(bad)}, stage
            expect_f = np.where(bad, np.nan, floats)
            assert np.array_equal(got["f"].values.view(np.uint64), expect_f.view(np.uint64))
            assert np.array_equal(got["c"].values, np.where(bad, np.nan, scaled), equal_nan=True)
            assert got["x"].exact == {i: big[i] for i in range(n) if not bad[i]}, stage
            assert got["s"].texts == dict(enumerate(texts)), stage
            h.writer.fold_now()

    try:
        round_trip()
        with h.db.connect() as conn:
            assert conn.execute(select(func.count()).select_from(sample_wal)).scalar() == 0
            assert conn.execute(select(func.count()).select_from(sample_chunks)).scalar() > 0
    finally:
        h.close()


def test_a_retried_commit_is_written_once(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        batch = one_tag(0, T0 + np.arange(3.0), np.arange(3.0), np.zeros(3, np.uint8))
        kind = h.writer._samples
        items = [(7, batch)]
        for retry in (False, True):  # the second attempt finds the first one's row
            with h.db.begin() as conn:
                kind.write(conn, items, retry)
        assert h.store.counts() == {"m.f": 3}
    finally:
        h.close()


# -- fold, roll-ups, retention --------------------------------------------------------------------


def three_hours(h: History, spike_at: int = 5000) -> np.ndarray:
    """3 h of 1 Hz samples of m.f: a ramp, one spike, a bad minute; flushed, not folded."""
    n = 3 * 3600
    ts = T0 + np.arange(n, dtype=float)
    values = np.arange(n, dtype=float) % 100
    values[spike_at] = 1e6
    quality = np.zeros(n, np.uint8)
    quality[600:660] = Quality.BAD  # the 11th minute: no good sample
    values[600:660] = np.nan
    for start in range(0, n, 900):
        sl = slice(start, start + 900)
        h.writer.on_batch(one_tag(0, ts[sl], values[sl], quality[sl]))
    assert h.writer.flush()
    return values


def test_the_fold_makes_daily_chunks_and_exact_rollups(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        values = three_hours(h)
        assert h.writer.fold_now() == 3 * 3600
        with h.db.connect() as conn:
            chunks = conn.execute(
                select(sample_chunks.c.t_start, sample_chunks.c.n).order_by("t_start")
            ).all()
            minutes = read_buckets(conn, 1, 60)
            hours = read_buckets(conn, 1, 3600)
            blocks = conn.execute(select(sample_rollups.c.width, sample_rollups.c.n)).all()
        # One chunk: the three hours share a day (chunks are cut at UTC day boundaries).
        assert [n for _, n in chunks] == [3 * 3600] and chunks[0][0] == T0
        assert sorted(blocks) == [(60, 180), (3600, 3)]  # one block per window
        assert len(minutes) == 180 and len(hours) == 3
        assert minutes.t[0] == T0 and np.all(np.diff(minutes.t) == 60)
        assert (minutes.n[10], minutes.n_good[10]) == (60, 0) and np.isnan(minutes.vmin[10])
        assert minutes.vmax[5000 // 60] == 1e6
        assert minutes.n[0] == 60 and minutes.vmin[0] == values[:60].min()
        assert minutes.vmax[0] == 59 and minutes.mean[0] == values[:60].mean()
        assert minutes.good_fraction[10] == 0 and minutes.good_fraction[11] == 1
        assert hours.n.sum() == 3 * 3600 and hours.n_good.sum() == 3 * 3600 - 60
    finally:
        h.close()


def test_rollups_of_a_minute_split_across_two_folds_merge(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        ts = T0 + np.arange(60.0)
        values = np.arange(60.0)
        for part in (slice(0, 25), slice(25, 60)):
            h.writer.on_batch(one_tag(0, ts[part], values[part], np.zeros(60, np.uint8)[part]))
            assert h.writer.flush()
            h.writer.fold_now()
        with h.db.connect() as conn:
            m = read_buckets(conn, 1, 60)
        assert (m.t.tolist(), m.n.tolist(), m.n_good.tolist()) == ([T0], [60], [60])
        assert (m.vmin[0], m.vmax[0], m.vsum[0]) == (0, 59, values.sum())
    finally:
        h.close()


def test_folds_grow_the_newest_chunk_within_its_day(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        day = 86_400.0
        start = np.floor(T0 / day) * day + day - 600  # ten minutes before midnight (UTC)
        for k in range(4):  # four folds of five minutes each, across midnight
            ts = start + k * 300 + np.arange(300.0)
            h.writer.on_batch(one_tag(0, ts, np.arange(300.0), np.zeros(300, np.uint8)))
            assert h.writer.flush()
            h.writer.fold_now()
        with h.db.connect() as conn:
            chunks = conn.execute(
                select(sample_chunks.c.t_start, sample_chunks.c.n).order_by("t_start")
            ).all()
        assert [n for _, n in chunks] == [600, 600]  # one before midnight, one after
        assert chunks[1][0] == start + 600
        assert len(h.store.samples("m.f")) == 1200
    finally:
        h.close()


def test_a_fold_leaves_a_big_newest_chunk_alone(history_url: str) -> None:  # noqa: F811
    """A newest chunk of GROW_BELOW samples or more is not decoded and coded again by each
    fold (that would make every fold cost the whole day's chunk): the next fold starts one."""
    h = History(history_url)
    try:
        sizes = (GROW_BELOW - 1, 10, 100)
        at = T0
        for n in sizes:
            h.writer.on_batch(
                one_tag(
                    0,
                    at + np.arange(n, dtype=float),
                    np.arange(n, dtype=float),
                    np.zeros(n, np.uint8),
                )
            )
            at += n
            assert h.writer.flush()
            h.writer.fold_now()
        with h.db.connect() as conn:
            chunks = conn.execute(
                select(sample_chunks.c.t_start, sample_chunks.c.n).order_by("t_start")
            ).all()
        assert [n for _, n in chunks] == [GROW_BELOW + 9, 100]  # grew once, then left alone
        assert len(h.store.samples("m.f")) == sum(sizes)
    finally:
        h.close()


def test_the_writer_folds_on_its_own_after_the_interval(history_url: str) -> None:  # noqa: F811
    db = open_database(history_url)
    clock = Clock(T0)
    gateway = DatabaseGateway(db, flush_interval_s=0.05)
    writer = StorageWriter(gateway, TagTable(line_config()), fold_interval_s=60, clock=clock)
    writer.fold.interval_s = 0.05  # check often (the schedule itself is the clock's)
    gateway.start()
    try:
        writer.on_batch(one_tag(0, T0 + np.arange(10.0), np.ones(10), np.zeros(10, np.uint8)))
        assert writer.flush()
        wait_until(lambda: gateway.written("samples") == 10, what="the write-ahead commit")
        assert writer.fold.folded == 0  # not due yet
        clock.advance(61)
        wait_until(lambda: writer.fold.folded == 10, timeout=10, what="the fold")
        assert writer.samples.counts() == {"m.f": 10}
    finally:
        gateway.close()


def test_retention_drops_raw_chunks_and_keeps_rollups(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        three_hours(h)
        h.writer.fold_now()
        # 95 days later, retention 90 days: the raw samples go, the roll-ups stay.
        retention = Retention(90, clock=lambda: T0 + 95 * DAY_S)
        while retention.step(h.db):
            pass
        assert retention.deleted == 3 * 3600
        assert h.store.counts() == {}
        week = query(h.store, "m.f", T0 - 3600, T0 + 4 * 3600, max_points=2000)
        assert week.source == "1m+raw" or week.source == "1m"
        assert np.nanmax(week.values) == 1e6  # the spike survives in the roll-ups
        with h.db.connect() as conn:
            assert len(read_buckets(conn, 1, 60)) == 180 and len(read_buckets(conn, 1, 3600)) == 3
    finally:
        h.close()


# -- the query ------------------------------------------------------------------------------------


def test_query_picks_raw_or_rollups_by_span_and_keeps_the_spike(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        three_hours(h, spike_at=5000)
        for folded in (False, True):
            ten_minutes = query(h.store, "m.f", T0 + 4800, T0 + 5400, max_points=2000)
            assert ten_minutes.source == "raw" and len(ten_minutes) == 601  # all of them
            small = query(h.store, "m.f", T0, T0 + 3 * 3600, max_points=200)
            assert len(small) <= 200 + 10
            assert np.nanmax(small.values) == 1e6 and np.nanmin(small.values) == 0
            assert np.all(np.diff(small.t) >= 0)
            around_bad = query(h.store, "m.f", T0 + 300, T0 + 900, max_points=2000)
            assert np.isnan(around_bad.values).sum() == 60  # the bad minute is a gap
            if folded:
                assert small.source == "1m"
            h.writer.fold_now()
        raw = query(h.store, "m.f", T0, T0 + 3 * 3600, max_points=2 * 3 * 3600 // 50)
        assert raw.source == "raw" and np.nanmax(raw.values) == 1e6
        assert len(raw) <= 2 * 3 * 3600 // 50 + 2
    finally:
        h.close()


def test_a_query_reads_write_ahead_rows_and_chunks_without_seam(history_url: str) -> None:  # noqa: F811
    h = History(history_url)
    try:
        ts = T0 + np.arange(100.0)
        h.writer.on_batch(one_tag(0, ts[:50], ts[:50] - T0, np.zeros(50, np.uint8)))
        assert h.writer.flush()
        h.writer.fold_now()
        h.writer.on_batch(one_tag(0, ts[50:], ts[50:] - T0, np.zeros(50, np.uint8)))
        assert h.writer.flush()
        got = query(h.store, "m.f", T0, T0 + 99, max_points=1000)
        assert got.t.tolist() == ts.tolist() and got.values.tolist() == list(range(100))
    finally:
        h.close()
