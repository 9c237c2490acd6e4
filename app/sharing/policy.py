"""Applying the ``[sharing]`` policy to what the station publishes.

For each message the station makes (kind, topic, body), :meth:`SharingPolicy.share` returns
one filtered copy per partner that is granted it, and nothing for the others (default deny).
A tag summary goes only to partners whose tag patterns match it, re-aggregated to their
resolution; a kind with a field list keeps only those fields (and what says what the record is
about). Every copy carries its provenance: the station, the source tags, the time range and
the policy version, so the receiver can tell what it is looking at and under which terms.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from app.config.sharing import IDENTITY_FIELDS, PartnerPolicy, SharingConfig
from app.sharing.resample import SummaryResampler

Body = dict[str, Any]
#: Top of a partner's topics under the station's root: ``shared/<partner>/...``.
SHARED_TOPIC = "shared"


@dataclass(frozen=True, slots=True)
class SharedRecord:
    partner: str
    kind: str
    topic: str
    body: Body


class SharingPolicy:
    """Thread-safe; tag summaries are re-aggregated in memory (a restart starts a partner's
    coarser window afresh)."""

    def __init__(self, config: SharingConfig, station: str) -> None:
        self.config = config
        self.station = station
        self._resamplers = {p.name: SummaryResampler(p.resolution_s) for p in config.partners}
        self._lock = threading.Lock()  # the dispatcher and the outbox writer both share

    @property
    def version(self) -> int:
        return self.config.version

    def share(
        self, kind: str, topic: str, body: Body, interval_s: float = 60.0
    ) -> list[SharedRecord]:
        """The copies of one message for the partners granted it (``interval_s``: the length of
        a tag summary's interval, to know when a partner wants it coarser)."""
        with self._lock:
            return self._share(kind, topic, body, interval_s)

    def _share(self, kind: str, topic: str, body: Body, interval_s: float) -> list[SharedRecord]:
        records = []
        for partner in self.config.partners:
            if kind not in partner.kinds:
                continue
            if kind == "summary":
                name = f"{body.get('device')}.{body.get('tag')}"
                if not partner.grants_tag(name):
                    continue
                if partner.resolution_s > interval_s:
                    resampler = self._resamplers[partner.name]
                    for merged in resampler.add(name, body):
                        records.append(self._record(partner, kind, topic, merged))
                    continue
            records.append(self._record(partner, kind, topic, body))
        return records

    def _record(self, partner: PartnerPolicy, kind: str, topic: str, body: Body) -> SharedRecord:
        allowed = partner.fields.get(kind)
        shared = (
            dict(body)
            if allowed is None
            else {k: v for k, v in body.items() if k in IDENTITY_FIELDS or k in allowed}
        )
        source_tags = (
            [f"{body.get('device')}.{body.get('tag')}"] if body.get("tag") is not None else []
        )
        shared["provenance"] = {
            "station": self.station,
            "source_tags": source_tags,
            "time_range": [body.get("start"), body.get("end")],
            "policy_version": self.config.version,
            "partner": partner.name,
        }
        return SharedRecord(partner.name, kind, f"{SHARED_TOPIC}/{partner.name}/{topic}", shared)
