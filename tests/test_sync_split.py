"""Splitting a body by its list of records (app/sync/split.py): every part fits, the records
come back in order, part ids are stable, and what cannot be split is said so."""

from __future__ import annotations

import json
import uuid

from app.sync.split import MAX_PARTS, split

ID = str(uuid.uuid4())


def body(n: int, pad: int = 50) -> str:
    return json.dumps({"ts": 1.0, "devices": [{"d": f"m{i}", "x": "·" * pad} for i in range(n)]})


def test_parts_fit_and_give_back_the_records_in_order() -> None:
    data = body(37)
    parts = split(ID, data, lambda t: len(t.encode()) <= 800)
    assert parts is not None and len(parts) >= 2
    assert all(len(p.data.encode()) <= 800 for p in parts)
    records = [r for p in parts for r in json.loads(p.data)["devices"]]
    assert records == json.loads(data)["devices"]
    assert all(json.loads(p.data)["ts"] == 1.0 for p in parts)
    assert [p.index for p in parts] == list(range(len(parts)))
    assert {p.count for p in parts} == {len(parts)}
    again = split(ID, data, lambda t: len(t.encode()) <= 800)
    assert again is not None and [p.id for p in again] == [p.id for p in parts]
    assert len({p.id for p in parts}) == len(parts) and ID not in {p.id for p in parts}


def test_what_cannot_be_split_is_none() -> None:
    one_big = json.dumps({"devices": [{"x": "a" * 5000}, {"x": "b"}]})
    assert split(ID, one_big, lambda t: len(t) <= 1000) is None
    assert split(ID, json.dumps({"unit": "x" * 5000}), lambda t: len(t) <= 1000) is None
    assert split(ID, json.dumps({"devices": ["x" * 5000]}), lambda t: len(t) <= 1000) is None
    assert split(ID, "not json", lambda t: True) is None
    many = body(MAX_PARTS * 2, pad=10)
    assert split(ID, many, lambda t: len(t) <= 60) is None  # one record a part: too many parts
    assert split(ID, body(MAX_PARTS, pad=10), lambda t: len(t) <= 60) is not None
