"""Per-interval summaries of every tag, made on the dispatcher from the engine's batches.

Each batch adds to a few numpy arrays indexed by tag id (counts, shifted sums for the mean and
standard deviation, min, max, last value): a handful of vector operations per batch. When a
wall-clock interval ends (aligned: 10:01:00, 10:02:00 ...), the next dispatcher tick turns every
tag that had samples into one outbox message and starts afresh.

Statistics are over the good, finite samples; ``count`` counts every sample, ``good_fraction``
is good / count. The standard deviation is the population one (ddof 0). Sums are kept relative
to the tag's first value in the interval, so a large, steady counter loses no precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.model import Quality, SampleBatch
from app.sync.outbox import OutboxMessage
from app.sync.topics import subtopic
from app.tags import TagTable

Submit = Callable[[Sequence[OutboxMessage]], None]


def window_end(now: float, interval_s: float) -> float:
    """The end of the aligned interval that contains ``now``."""
    return (math.floor(now / interval_s) + 1) * interval_s


class TagSummarizer:
    """Batch and tick subscriber of the engine; hands each interval's summaries to ``submit``."""

    def __init__(self, tags: TagTable, interval_s: float, submit: Submit, now: float) -> None:
        self.tags = tags
        self.interval_s = interval_s
        self.submit = submit
        n = len(tags)
        self._n = n
        self.count = np.zeros(n, dtype=np.int64)
        self.good = np.zeros(n, dtype=np.int64)
        self.shift = np.full(n, np.nan)
        self.s1 = np.zeros(n)
        self.s2 = np.zeros(n)
        self.low = np.full(n, np.inf)
        self.high = np.full(n, -np.inf)
        self.last = np.full(n, np.nan)
        self.last_ts = np.full(n, np.nan)
        self.start = now
        self.end = window_end(now, interval_s)
        self.made = 0

    def on_batch(self, batch: SampleBatch) -> None:
        ids = batch.tag_ids
        if ids.size == 0:
            return
        np.add.at(self.count, ids, 1)
        values = batch.values
        ok = (batch.quality == Quality.GOOD) & np.isfinite(values)
        if not ok.any():
            return
        gid = ids[ok]
        v = values[ok]
        fresh = np.isnan(self.shift[gid])
        if fresh.any():
            self.shift[gid[fresh]] = v[fresh]
        d = v - self.shift[gid]
        np.add.at(self.good, gid, 1)
        np.add.at(self.s1, gid, d)
        np.add.at(self.s2, gid, d * d)
        np.minimum.at(self.low, gid, v)
        np.maximum.at(self.high, gid, v)
        self.last[gid] = v
        self.last_ts[gid] = batch.timestamps[ok]

    def tick(self, now: float) -> None:
        """Close the interval once the clock passed its end (dispatcher tick)."""
        if now < self.end:
            return
        messages = self.close(self.end)
        self.start = self.end
        self.end = window_end(now, self.interval_s)
        if messages:
            self.made += len(messages)
            self.submit(messages)

    def close(self, end: float) -> list[OutboxMessage]:
        """The summaries of the interval ending at ``end``; resets the accumulators."""
        messages = []
        for tag_id in np.flatnonzero(self.count).tolist():
            messages.append(self._message(tag_id, end))
        self.count[:] = 0
        self.good[:] = 0
        self.shift[:] = np.nan
        self.s1[:] = 0.0
        self.s2[:] = 0.0
        self.low[:] = np.inf
        self.high[:] = -np.inf
        self.last[:] = np.nan
        self.last_ts[:] = np.nan
        return messages

    def _message(self, tag_id: int, end: float) -> OutboxMessage:
        info = self.tags[tag_id]
        count = int(self.count[tag_id])
        good = int(self.good[tag_id])
        body: dict[str, Any] = {
            "device": info.device,
            "tag": info.name,
            "unit": info.unit,
            "start": self.start,
            "end": end,
            "count": count,
            "good": good,
            "good_fraction": good / count,
            "min": None,
            "max": None,
            "mean": None,
            "std": None,
            "last": None,
            "last_ts": None,
        }
        if good:
            s1, s2 = float(self.s1[tag_id]), float(self.s2[tag_id])
            variance = max(0.0, (s2 - s1 * s1 / good) / good)
            body.update(
                min=float(self.low[tag_id]),
                max=float(self.high[tag_id]),
                mean=float(self.shift[tag_id]) + s1 / good,
                std=math.sqrt(variance),
                last=float(self.last[tag_id]),
                last_ts=float(self.last_ts[tag_id]),
            )
        return OutboxMessage(
            kind="summary",
            topic=subtopic("summary", info.device, info.name),
            body=body,
            created=end,
        )
