"""Ring-buffer history: order, wrap-around and repeated tags within one batch."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.recent import RecentSamples


def test_keeps_the_newest_samples_in_order_after_wrapping() -> None:
    store = RecentSamples(tag_count=2, capacity=5)
    for i in range(12):
        store.extend(
            np.array([0, 1], dtype=np.int32), np.array([i, i], float), np.array([i, -i], float)
        )
    t, v = store.window(0)
    assert t.tolist() == [7, 8, 9, 10, 11]
    assert v.tolist() == [7, 8, 9, 10, 11]
    assert store.window(1)[1].tolist() == [-7, -8, -9, -10, -11]


def test_window_since() -> None:
    store = RecentSamples(tag_count=1, capacity=10)
    store.extend(np.zeros(4, np.int32), np.arange(4.0), np.arange(4.0) * 10)
    t, v = store.window(0, since=2.0)
    assert t.tolist() == [2.0, 3.0]
    assert v.tolist() == [20.0, 30.0]


@given(
    st.lists(st.tuples(st.integers(0, 3), st.floats(-1e6, 1e6)), min_size=1, max_size=200),
    st.integers(2, 20),
)
def test_matches_a_plain_list_model(samples: list[tuple[int, float]], capacity: int) -> None:
    """Batches in which a tag occurs several times keep per-tag order, like appending one by one."""
    store = RecentSamples(tag_count=4, capacity=capacity)
    ids = np.array([s[0] for s in samples], dtype=np.int32)
    ts = np.arange(len(samples), dtype=float)
    values = np.array([s[1] for s in samples])
    store.extend(ids, ts, values)
    for tag in range(4):
        expected = [(float(i), v) for i, (k, v) in enumerate(samples) if k == tag][-capacity:]
        t, v = store.window(tag)
        assert list(zip(t.tolist(), v.tolist(), strict=True)) == expected


def test_version_changes_exactly_when_a_tags_samples_change() -> None:
    store = RecentSamples(tag_count=3, capacity=4)
    before = [store.version(i) for i in range(3)]
    store.extend(np.array([0, 0, 2], np.int32), np.array([1.0, 2.0, 1.0]), np.zeros(3))
    after = [store.version(i) for i in range(3)]
    assert after[0] != before[0] and after[2] != before[2]
    assert after[1] == before[1]  # untouched: a reader may keep its copy
    # Wrapping (the buffer is full, the oldest sample goes) is a change too.
    for k in range(6):
        seen = store.version(2)
        store.extend(np.array([2], np.int32), np.array([10.0 + k]), np.zeros(1))
        assert store.version(2) != seen
    seen = store.version(1)
    store.clear(1)
    assert store.version(1) != seen
