"""Sharing policies: default deny, tags by pattern, fields cut, provenance on every record, and
tag summaries re-aggregated exactly to a partner's coarser resolution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import ConfigError
from app.config.sharing import SharingConfig
from app.config_loader import parse_config
from app.sharing import SharingPolicy, merge_summaries
from tests.alarm_support import station


def config_with(sharing: dict) -> dict:
    data = station({"cnc": [{"name": "spindle_temp"}, {"name": "spindle_load"}, {"name": "x"}]})
    document = data.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    document["sharing"] = sharing
    return document


def summary(tag: str, start: float, values: np.ndarray, device: str = "cnc") -> dict:
    return {
        "device": device,
        "tag": tag,
        "unit": "°C",
        "start": start,
        "end": start + 60,
        "count": int(values.size),
        "good": int(values.size),
        "good_fraction": 1.0,
        "min": float(values.min()),
        "max": float(values.max()),
        "mean": float(values.mean()),
        "std": float(values.std()),
        "last": float(values[-1]),
        "last_ts": start + 59,
    }


LEAD = {
    "name": "lead",
    "kinds": ["summary", "status"],
    "tags": ["cnc.spindle_*"],
    "fields": {"summary": ["mean", "count"]},
}


def test_without_partners_nothing_is_shared() -> None:
    policy = SharingPolicy(SharingConfig(), "S1")
    assert policy.share("summary", "summary/cnc/x", summary("x", 0, np.ones(3))) == []


def test_tags_fields_and_provenance() -> None:
    config = parse_config(config_with({"version": 4, "partners": [LEAD, {"name": "audit-co"}]}))
    policy = SharingPolicy(config.sharing, "acme/plant1/L1/S1")
    body = summary("spindle_temp", 120.0, np.array([40.0, 42.0]))
    (record,) = policy.share("summary", "summary/cnc/spindle_temp", body)
    assert record.partner == "lead"
    assert record.topic == "shared/lead/summary/cnc/spindle_temp"
    assert set(record.body) == {
        "device",
        "tag",
        "unit",
        "start",
        "end",
        "mean",
        "count",
        "provenance",
    }  # min, max, std, last ... are not granted: they are not there at all
    assert record.body["provenance"] == {
        "station": "acme/plant1/L1/S1",
        "source_tags": ["cnc.spindle_temp"],
        "time_range": [120.0, 180.0],
        "policy_version": 4,
        "partner": "lead",
    }
    assert policy.share("summary", "summary/cnc/x", summary("x", 120.0, np.ones(2))) == []
    assert policy.share("alarm", "alarm/cnc", {"id": "cnc.x.h"}) == []  # kind not granted
    (status,) = policy.share("status", "status", {"online": True, "secret": 1})
    assert status.body["secret"] == 1  # no field list for this kind: the whole record


@pytest.mark.parametrize(
    ("partner", "expected"),
    [
        (
            {"name": "p", "kinds": ["gossip"]},
            "sharing.partners[0].kinds: unknown kind 'gossip'",
        ),
        (
            {"name": "p", "kinds": ["summary"], "fields": {"alarm": ["id"]}},
            "sharing.partners[0].fields.alarm: fields for 'alarm', which is not granted",
        ),
        (
            {"name": "p", "kinds": ["summary"], "tags": ["cnc.spindel_*"]},
            "sharing.partners[0].tags[0]: 'cnc.spindel_*' matches no tag of this station",
        ),
    ],
)
def test_bad_policies_are_named_by_key_path(partner: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config_with({"partners": [partner]}))
    assert expected in caught.value.report()


def test_a_coarser_resolution_gets_exact_hourly_summaries() -> None:
    hourly = dict(LEAD, resolution_s=3600, fields={})
    config = parse_config(config_with({"partners": [hourly]}))
    policy = SharingPolicy(config.sharing, "S1")
    rng = np.random.default_rng(7)
    minutes = [rng.normal(50, 3, size=60) for _ in range(61)]  # one hour and one minute more
    shared = []
    for index, values in enumerate(minutes):
        body = summary("spindle_load", 3600.0 + 60 * index, values)
        shared += policy.share("summary", "summary/cnc/spindle_load", body)
    (hour,) = shared  # the second hour is not over yet
    everything = np.concatenate(minutes[:60])
    body = hour.body
    assert (body["start"], body["end"], body["count"]) == (3600.0, 7200.0, 3600)
    assert body["mean"] == pytest.approx(everything.mean(), rel=1e-12)
    assert body["std"] == pytest.approx(everything.std(), rel=1e-9)
    assert (body["min"], body["max"]) == (everything.min(), everything.max())
    assert body["last"] == minutes[59][-1]
    assert body["provenance"]["time_range"] == [3600.0, 7200.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=20),
        min_size=1,
        max_size=8,
    )
)
def test_merging_is_exact_for_any_split(parts: list[list[float]]) -> None:
    arrays = [np.asarray(p) for p in parts]
    bodies = [summary("x", 60.0 * i, a) for i, a in enumerate(arrays)]
    merged = merge_summaries(bodies, 0.0, 60.0 * len(bodies))
    everything = np.concatenate(arrays)
    assert merged["count"] == everything.size
    assert merged["mean"] == pytest.approx(everything.mean(), rel=1e-9, abs=1e-6)
    assert merged["std"] == pytest.approx(everything.std(), rel=1e-6, abs=1e-3)
    assert (merged["min"], merged["max"]) == (everything.min(), everything.max())
