"""The trend's min/max envelope: every column's extremes kept, gaps kept, and the incremental
one used while following live draws what a full computation draws."""

from __future__ import annotations

import numpy as np

from widgets.trend_envelope import FollowEnvelope, aligned, envelope


def series(n: int = 36_000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    t = 1_790_000_000.0 + np.arange(n) / 10.0
    v = rng.normal(0, 1, n)
    v[5000:5100] = np.nan  # a device offline for 10 s
    v[20_000] = 50.0  # a spike
    return t, v


def test_the_envelope_keeps_each_columns_extremes_and_gaps() -> None:
    t, v = series()
    et, ev = envelope(t, v, float(t[0]), float(t[-1]), 1000)
    assert et.size <= 2 * 1000 + 10 and np.all(np.diff(et) > 0)
    assert np.nanmax(ev) == 50.0 and np.nanmin(ev) == np.nanmin(v)
    gap = (et >= t[5000]) & (et < t[5100])
    assert gap.any() and np.isnan(ev[gap]).all()  # the gap stays a gap
    width = (t[-1] - t[0]) / 1000
    for column in (3, 400, 999):  # each column's min and max survive
        inside = (t >= t[0] + column * width) & (t < t[0] + (column + 1) * width)
        drawn = (et >= t[0] + column * width) & (et < t[0] + (column + 1) * width)
        assert np.nanmax(ev[drawn]) == np.nanmax(v[inside])
        assert np.nanmin(ev[drawn]) == np.nanmin(v[inside])
    short_t, short_v = t[:100], v[:100]
    assert envelope(short_t, short_v, float(t[0]), float(t[99]), 1000)[0] is short_t


def test_following_live_computes_only_new_samples_and_draws_the_same() -> None:
    t, v = series()
    width = 3600 / 1250
    follow = FollowEnvelope()
    for frame in range(40):
        end = 30_000 + frame * 3  # 0.3 s of new samples a frame
        shown_t, shown_v = t[end - 20_000 : end], v[end - 20_000 : end]
        ft, fv = follow.of(shown_t, shown_v, width)
        full_t, full_v = aligned(shown_t, shown_v, width)
        # Alike but for the first bucket (partly scrolled out) and the one still filling.
        first = (np.floor(shown_t[0] / width) + 1) * width
        filling = np.floor(shown_t[-1] / width) * width
        a = (ft >= first) & (ft < filling)
        b = (full_t >= first) & (full_t < filling)
        assert np.array_equal(ft[a], full_t[b])
        assert np.array_equal(fv[a], full_v[b], equal_nan=True)
        tail, drawn = shown_t >= filling, ft >= filling  # the bucket still filling
        assert np.nanmax(fv[drawn]) == np.nanmax(shown_v[tail])
        assert np.nanmin(fv[drawn]) == np.nanmin(shown_v[tail])
    # Only the new samples were taken in: the kept buckets did not start over.
    assert follow.since == int(np.floor(t[10_000] / width))
