"""The chunk format round trip: hypothesis-generated series of every kind of value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from app.storage.chunk_codec import (
    RESOLUTION_US,
    TagSamples,
    decode,
    decode_times,
    encode,
    encode_times,
)

N = st.integers(0, 300)
QUALITY = st.sampled_from([0, 1, 2, 3])
REASONS = st.sampled_from(["timeout", "not a number", "out of range", "CRC error", "é ✓"])


def stamps(n: int) -> st.SearchStrategy[np.ndarray]:
    """Increasing epoch seconds on the millisecond grid (the chunk's resolution)."""
    steps = hnp.arrays(np.int64, n, elements=st.integers(0, 10_000_000))
    return steps.map(lambda s: (1_700_000_000_000 + np.cumsum(s)) / 1000.0)


@st.composite
def series(draw: st.DrawFn, kind: str) -> tuple[TagSamples, float, float]:
    n = draw(N)
    ts = draw(stamps(n))
    quality = draw(hnp.arrays(np.uint8, n, elements=QUALITY))
    scale, offset = 1.0, 0.0
    exact: dict[int, int] = {}
    if kind == "decimal":  # parsed decimal text, like a CSV's
        digits = draw(st.integers(0, 9))
        values = np.array(
            draw(
                st.lists(
                    st.decimals(-1e6, 1e6, places=digits, allow_nan=False), min_size=n, max_size=n
                )
            ),
            dtype=np.float64,
        )
    elif kind == "float64":
        values = draw(hnp.arrays(np.float64, n, elements=st.floats(allow_nan=True)))
    elif kind == "float32":
        values = draw(hnp.arrays(np.float32, n, elements=st.floats(width=32))).astype(float)
    elif kind == "counts":
        scale = draw(st.sampled_from([1.0, 0.1, 0.01, 2.5, -1.0, 1e-3]))
        offset = draw(st.sampled_from([0.0, -40.0, 273.15, 0.5]))
        counts = draw(hnp.arrays(np.int64, n, elements=st.integers(-(2**31), 2**32)))
        values = counts.astype(np.float64) * scale + offset
    else:  # exact 64-bit integers, signed and unsigned
        big = draw(st.lists(st.integers(-(2**63), 2**64 - 1), min_size=n, max_size=n))
        exact = {i: x for i, x in enumerate(big) if quality[i] == 0}
        values = np.array([float(x) for x in big], dtype=np.float64)
    bad = quality != 0
    values = values.copy()
    nan_bad = draw(st.booleans())
    if nan_bad:
        values[bad] = np.nan
    reasons = {int(i): draw(REASONS) for i in np.flatnonzero(bad)}
    texts = {}
    if draw(st.booleans()) and n:
        texts = {int(i): draw(st.text(max_size=8)) for i in range(0, n, 3)}
    return TagSamples(ts, values, quality, reasons, texts, exact), scale, offset


def check(case: tuple[TagSamples, float, float], shared: bool = False) -> None:
    """Round trip, the time column inline or (``shared``) stored apart as a poll group's."""
    samples, scale, offset = case
    if shared:
        times = encode_times(samples.ts)
        blob = encode(samples, scale, offset, shared_times=True)
        back = decode(blob, times)
        inline = encode(samples, scale, offset)
        assert len(blob) <= len(inline) + 2  # no time section (deflate may cost a byte)
    else:
        back = decode(encode(samples, scale, offset))
    assert len(back) == len(samples)
    assert np.array_equal(back.ts * 1000, np.round(samples.ts * 1e6 / RESOLUTION_US))
    # Bit exact, NaN payloads included.
    assert np.array_equal(
        back.values.view(np.uint64), np.asarray(samples.values, np.float64).view(np.uint64)
    )
    assert np.array_equal(back.quality, samples.quality)
    assert back.reasons == samples.reasons
    assert back.texts == samples.texts
    assert back.exact == samples.exact


@settings(max_examples=80, deadline=None)
@given(series("float64"))
def test_float64_round_trip_is_bit_exact(case: tuple[TagSamples, float, float]) -> None:
    check(case)


@settings(max_examples=80, deadline=None)
@given(series("decimal"))
def test_decimal_text_values_round_trip(case: tuple[TagSamples, float, float]) -> None:
    check(case)


@settings(max_examples=80, deadline=None)
@given(series("float32"))
def test_float32_round_trip(case: tuple[TagSamples, float, float]) -> None:
    check(case)


@settings(max_examples=80, deadline=None)
@given(series("counts"))
def test_scaled_counts_round_trip(case: tuple[TagSamples, float, float]) -> None:
    check(case)


@settings(max_examples=80, deadline=None)
@given(series("exact"))
def test_exact_64_bit_integers_round_trip(case: tuple[TagSamples, float, float]) -> None:
    check(case)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["float64", "float32", "counts", "exact", "decimal"]).flatmap(series))
def test_round_trip_with_a_shared_time_column(case: tuple[TagSamples, float, float]) -> None:
    check(case, shared=True)


def test_a_chunk_without_its_shared_time_column_is_refused() -> None:
    ts = 1.7e9 + np.arange(10) * 0.5
    samples = TagSamples(ts, np.arange(10.0), np.zeros(10, np.uint8))
    blob = encode(samples, shared_times=True)
    with pytest.raises(ValueError, match="time column is missing"):
        decode(blob)
    with pytest.raises(ValueError, match="9 times for 10 samples"):
        decode(blob, encode_times(ts[:9]))
    assert decode_times(encode_times(ts)).tolist() == ts.tolist()


def test_counts_compress_far_better_than_doubles() -> None:
    n = 3600
    rng = np.random.default_rng(1)
    ts = 1.7e9 + np.arange(n) * 0.5
    counts = np.round(2000 + 100 * np.sin(np.arange(n) / 200) + rng.normal(0, 2, n))
    values = counts * 0.1 - 40.0
    quality = np.zeros(n, np.uint8)
    as_counts = encode(TagSamples(ts, values, quality), 0.1, -40.0)
    assert len(as_counts) / n < 1.0  # a steady poll's times cost nothing; a count about 1 byte
    assert decode(as_counts).values.tolist() == values.tolist()


def test_decimals_are_stored_as_counts() -> None:
    n = 2000
    rng = np.random.default_rng(2)
    text = [f"{x:.6f}" for x in 70 + np.cumsum(rng.normal(0, 0.3, n))]
    values = np.array([float(t) for t in text])
    blob = encode(TagSamples(1.7e9 + np.arange(n) * 300.0, values, np.zeros(n, np.uint8)))
    assert decode(blob).values.tolist() == values.tolist()
    assert len(blob) / n < 4.0  # a double costs 8; XOR coding of these about 6.5
