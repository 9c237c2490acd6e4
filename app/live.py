"""The latest value, time and quality of every tag, updated by the dispatcher in one step."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from app.model import Quality, SampleBatch


@dataclass(frozen=True, slots=True)
class TagValue:
    """One tag's current state, as a view shows it."""

    value: float
    timestamp: float
    quality: Quality
    reason: str
    text: str | None


class LiveValues:
    """Current value table for all tags (arrays indexed by tag id)."""

    def __init__(self, tag_count: int) -> None:
        self.values = np.full(tag_count, np.nan)
        self.timestamps = np.full(tag_count, np.nan)
        self.quality = np.full(tag_count, int(Quality.UNKNOWN), dtype=np.uint8)
        self._reasons: dict[int, str] = {}
        self._texts: dict[int, str] = {}
        self._lock = threading.Lock()

    def apply(self, batch: SampleBatch) -> None:
        """Take the newest sample of each tag in ``batch``."""
        with self._lock:
            ids = batch.tag_ids
            self.values[ids] = batch.values
            self.timestamps[ids] = batch.timestamps
            self.quality[ids] = batch.quality
            if self._reasons:  # empty while every tag is good: no per-sample loop then
                for tag_id in ids[batch.quality == Quality.GOOD].tolist():
                    self._reasons.pop(tag_id, None)
            self._reasons.update(batch.reasons)
            self._texts.update(batch.texts)

    def get(self, tag_id: int) -> TagValue:
        """The current state of one tag."""
        with self._lock:
            return TagValue(
                value=float(self.values[tag_id]),
                timestamp=float(self.timestamps[tag_id]),
                quality=Quality(int(self.quality[tag_id])),
                reason=self._reasons.get(tag_id, ""),
                text=self._texts.get(tag_id),
            )

    def snapshot(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of (values, timestamps, quality) for all tags."""
        with self._lock:
            return self.values.copy(), self.timestamps.copy(), self.quality.copy()
