"""The vectorised evaluator agrees with a plain per-sample reference on random batches."""

from __future__ import annotations

import math
import threading

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.alarms.definitions import build_definitions
from app.alarms.evaluator import ConditionEvaluator
from app.alarms.model import AlarmDefinition, Kind
from app.model import SampleBatch
from app.security import Actor
from app.tags import TagTable
from tests.alarm_support import Clock, batch, make_manager, station

CONFIG = station(
    {
        "m": [
            {"name": "a", "alarms": {"h": {"limit": 5}, "l": {"limit": -5}, "deadband": 1.5}},
            {"name": "sp"},
            {
                "name": "b",
                "alarms": {
                    "hh": {"limit": 8},
                    "deviation": {"setpoint": "sp", "limit": 2, "direction": "above"},
                    "rate": {"limit": 3},
                    "deadband": 0.5,
                },
            },
            {
                "name": "c",
                "alarms": {"discrete": [{"name": "x", "in": [1, 3]}, {"name": "y", "bit": 1}]},
            },
        ]
    }
)
IDS = TagTable(CONFIG).ids()
DEFS = build_definitions(CONFIG, IDS)


def reference(
    batches: list[list[tuple[int, float, float, bool]]],
) -> list[tuple[str, float, bool]]:
    """Per-sample evaluation written the obvious way: (alarm id, time, new raw state)."""
    raw = {d.alarm_id: False for d in DEFS}
    last: dict[int, tuple[float, float]] = {}
    changes = []
    for samples in batches:
        before = dict(last)
        for tag, t, v, ok in samples:  # setpoints are known from the whole batch
            if ok and math.isfinite(v):
                last[tag] = (t, v)
        prev_by_tag = dict(before)
        for tag, t, v, ok in samples:
            for d in (d for d in DEFS if d.tag_id == tag):
                bad_value = d.kind == Kind.BAD_VALUE
                x = None if bad_value else _measure(d, v, t, prev_by_tag.get(tag), last)
                on_t, off_t = _thresholds(d)
                good = ok and math.isfinite(v)
                if bad_value:  # set by a GOOD non-finite value, reset by a good one, else held
                    state = not math.isfinite(v) if ok else raw[d.alarm_id]
                elif good and x is not None and x > on_t:
                    state = True
                elif good and x is not None and x <= off_t:
                    state = False
                else:
                    state = raw[d.alarm_id]
                if state != raw[d.alarm_id]:
                    changes.append((d.alarm_id, t, state))
                    raw[d.alarm_id] = state
            if ok and math.isfinite(v):
                prev_by_tag[tag] = (t, v)
    changes.sort(key=lambda c: c[1])
    return changes


def _thresholds(d: AlarmDefinition) -> tuple[float, float]:
    if d.kind == Kind.LIMIT:
        on = d.params["sign"] * d.params["limit"]
        return on, on - d.deadband
    if d.kind in (Kind.DISCRETE, Kind.BAD_VALUE):
        return 0.5, 0.5
    return d.params["limit"], d.params["limit"] - d.deadband


def _measure(d, v, t, prev, last) -> float | None:
    if d.kind == Kind.LIMIT:
        return d.params["sign"] * v
    if d.kind == Kind.DEVIATION:
        sp = last.get(d.params["setpoint_id"])
        return None if sp is None else v - sp[1]
    if d.kind == Kind.RATE:
        if prev is None or t <= prev[0]:
            return None
        return abs((v - prev[1]) / (t - prev[0]))
    values = d.params["values"]
    if values is not None:
        return 1.0 if v in values else 0.0
    return float((int(v) >> d.params["bit"]) & 1) if math.isfinite(v) else 0.0


tags = st.sampled_from(sorted(IDS.values()))
values = st.one_of(st.integers(-12, 12).map(float), st.floats(-12, 12), st.just(float("nan")))
batches = st.lists(
    st.lists(st.tuples(tags, values, st.booleans()), min_size=1, max_size=12),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(batches)
def test_vectorised_matches_reference(raw_batches) -> None:
    evaluator = ConditionEvaluator(DEFS, len(IDS))
    t = 100.0
    timed: list[list[tuple[int, float, float, bool]]] = []
    found = []
    for samples in raw_batches:
        rows = []
        for tag, v, ok in samples:
            t += 0.5
            rows.append((tag, t, v, ok))
        timed.append(rows)
        b = SampleBatch(
            "m",
            np.array([r[0] for r in rows], dtype=np.int32),
            np.array([r[1] for r in rows]),
            np.array([r[2] for r in rows]),
            np.array([0 if r[3] else 1 for r in rows], dtype=np.uint8),
        )
        out = evaluator.evaluate(b)
        found += [
            (evaluator.definitions[c].alarm_id, ts, s)
            for c, ts, s in zip(out.conditions, out.timestamps, out.states, strict=True)
        ]
    assert found == reference(timed)


def test_unknown_tag_ids_are_ignored() -> None:
    evaluator = ConditionEvaluator(DEFS, len(IDS))
    out = evaluator.evaluate(batch("m", [IDS["m.a"], 999, -1], [9.0, 9.0, 9.0], 1.0))
    assert [evaluator.definitions[c].alarm_id for c in out.conditions] == ["m.a.h"]


def test_acknowledge_from_another_thread_during_a_flood(tmp_path) -> None:
    """GUI-thread actions interleave with dispatcher batches without losing or reordering."""
    config = station(
        {"line": [{"name": f"t{i}", "alarms": {"h": {"limit": 1}}} for i in range(200)]}
    )
    clock = Clock()
    manager, rec = make_manager(config, tmp_path / "s.db", clock)
    ids = np.arange(200)
    stop = threading.Event()

    def dispatcher() -> None:
        for k in range(60):
            manager.on_batch(batch("line", ids, np.full(200, 5.0 if k % 2 == 0 else 0.0), k))
        stop.set()

    thread = threading.Thread(target=dispatcher)
    thread.start()
    anna = Actor.named("anna")
    acked = 0
    while not stop.is_set():
        acked += len(manager.acknowledge(manager.alarm_ids(), anna))
    thread.join()
    acked += len(manager.acknowledge(manager.alarm_ids(), anna))
    seqs = [t.seq for t in rec.transitions]
    assert seqs == list(range(1, len(seqs) + 1))  # delivered in journal order, no gaps
    assert acked > 0
    assert len(manager.history(limit=100_000)) == len(seqs)
    assert all(v.state.value == "normal" for v in manager.views())
