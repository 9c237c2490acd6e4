"""The values that flow through the engine: sample batches, events and device status.

Workers emit :class:`SampleBatch` objects (numpy arrays, never single samples); the engine's
dispatcher fans them out to subscribers (storage, alarms, detectors, the GUI bridge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from app.messages import Message

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
QualityArray = npt.NDArray[np.uint8]


class Quality(IntEnum):
    """Quality of a tag value, stored as a small integer."""

    GOOD = 0
    BAD = 1
    STALE = 2
    UNKNOWN = 3


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """Samples of several tags; arrays are aligned and of equal length.

    ``reasons`` maps the tag id of every non-good sample to why it is not good.
    ``texts`` carries the value of string tags (their numeric value is NaN).
    ``integers`` carries the exact value of 64-bit integer tags whose engineering value is an
    integer (``values`` holds them as float64, exact only up to 2**53).
    """

    device: str
    tag_ids: IntArray
    timestamps: FloatArray
    values: FloatArray
    quality: QualityArray
    reasons: dict[int, str] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    integers: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.tag_ids.shape[0])

    @classmethod
    def uniform(
        cls,
        device: str,
        tag_ids: IntArray,
        timestamp: float,
        values: FloatArray,
        quality: QualityArray,
        reasons: dict[int, str] | None = None,
        texts: dict[int, str] | None = None,
        integers: dict[int, int] | None = None,
    ) -> SampleBatch:
        """A batch whose samples share one timestamp (one poll of one group)."""
        return cls(
            device=device,
            tag_ids=tag_ids,
            timestamps=np.full(tag_ids.shape[0], timestamp, dtype=np.float64),
            values=values,
            quality=quality,
            reasons=reasons or {},
            texts=texts or {},
            integers=integers or {},
        )


class Severity(IntEnum):
    """How loud an event is; alarms have their own priorities."""

    INFO = 0
    WARNING = 1
    ERROR = 2


class EventKind(StrEnum):
    """What an engine event is about; its ``data`` holds the facts (see each member)."""

    COMM_LOSS = "comm_loss"
    """A device stopped answering: ``fault`` (a ``DeviceError.kind``) and ``detail`` (the
    driver's own words, for the tooltip and the log)."""
    COMM_RESTORED = "comm_restored"
    """A device answers again."""
    PART_SCANNED = "part_scanned"
    """A barcode was read: ``serial``."""
    STATE_CHANGED = "state_changed"
    """A machine's state tag changed: ``from_value``, ``to_value``, ``from_label``,
    ``to_label``, ``from_category``, ``to_category``."""
    DEVICE_WRITE = "device_write"
    """A value was written to a device: ``tag``, ``value``, ``before``, ``after``, ``user``,
    ``outcome`` (confirmed, differs, failed) and ``error``."""
    DEVICE_WRITE_REFUSED = "device_write_refused"
    """A write that the user may not make: ``user``, ``tag``, ``value``, ``error``."""
    DISK_FULL = "disk_full"
    """The database's disk is full: samples wait in memory, at most ``cap``; ``pending``,
    ``error`` (the database's words)."""
    SAMPLES_DROPPED = "samples_dropped"
    """The disk is still full and the in-memory buffer reached ``cap``: the oldest unsaved
    samples are dropped from now on; ``dropped`` so far, ``pending``."""
    STORAGE_RESUMED = "storage_resumed"
    """The database takes writes again after a full disk: ``dropped`` samples were lost in
    all, ``pending`` are being written."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened once: communication lost, a part scanned, a machine stopped.

    Typed: a :class:`EventKind` and structured ``data``; the sentence is made only when someone
    reads it (:attr:`message`, rendered in the reader's language by the view).
    """

    timestamp: float
    kind: EventKind
    source: str
    data: dict[str, Any] = field(default_factory=dict)
    severity: Severity = Severity.INFO
    source_title: str = ""
    """The source as people name it (a device's title), for messages."""

    @property
    def message(self) -> Message:
        """What to say about this event (render it with the reader's translator)."""
        params = {"device": self.source_title or self.source, "kind": str(self.kind), **self.data}
        outcome = self.data.get("outcome")  # one sentence per outcome, each translatable
        return Message(f"event.{self.kind}" + (f".{outcome}" if outcome else ""), params)

    @property
    def text(self) -> str:
        """The message in English (logs, command line, the database's readable column)."""
        return self.message.render()


@dataclass(slots=True)
class DeviceDiagnostics:
    """Live health of one device, owned and updated by its worker."""

    device: str
    driver: str
    connected: bool = False
    last_good: float | None = None
    last_error: str = ""
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    cycles_attempted: int = 0
    cycles_published: int = 0
    backoff_s: float = 0.0
    response_times_ms: list[float] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    """Driver-specific counts, e.g. serial lines skipped as ``garbage`` or ``overlong``."""

    def record_error(self, kind: str, message: str) -> None:
        """Count an error of ``kind``."""
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.last_error = message

    @property
    def error_count(self) -> int:
        """All errors, any kind."""
        return sum(self.errors.values())

    def response_stats(self) -> tuple[float, float]:
        """Mean and p99 response time in ms over the recent window (0, 0 when none)."""
        if not self.response_times_ms:
            return 0.0, 0.0
        times = np.asarray(self.response_times_ms)
        return float(times.mean()), float(np.percentile(times, 99))

    def snapshot(self) -> DeviceDiagnostics:
        """A copy that other threads may keep."""
        return DeviceDiagnostics(
            device=self.device,
            driver=self.driver,
            connected=self.connected,
            last_good=self.last_good,
            last_error=self.last_error,
            requests=self.requests,
            errors=dict(self.errors),
            cycles_attempted=self.cycles_attempted,
            cycles_published=self.cycles_published,
            backoff_s=self.backoff_s,
            response_times_ms=list(self.response_times_ms),
            counters=dict(self.counters),
        )
