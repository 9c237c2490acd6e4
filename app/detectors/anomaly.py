"""An anomaly as the detectors report it: scored, attributed and explained in one sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.messages import Message


@dataclass(frozen=True, slots=True)
class Contributor:
    """A tag behind a machine-level anomaly and its share of the statistic (0..1)."""

    tag: str
    share: float


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One anomaly, reported when it starts; the alarm system raises an alarm of type anomaly.

    ``tag`` is None for a machine-level (multivariate) anomaly. ``explanation`` says why as a
    message id with parameters, rendered in the reader's language where it is shown; in English,
    e.g. "vibration RMS 4.2σ above its 1-hour baseline (spike)".
    """

    timestamp: float
    device: str
    tag: str | None
    detector: str
    score: float
    explanation: Message
    contributors: tuple[Contributor, ...] = field(default=())

    @property
    def message(self) -> str:
        """The explanation in English (logs, the command line)."""
        return self.explanation.render()

    @property
    def key(self) -> tuple[str, str | None, str]:
        """Identity of the condition: one active anomaly per device, tag and detector."""
        return (self.device, self.tag, self.detector)

    @property
    def source(self) -> str:
        """``device.tag`` or the device alone for a machine-level anomaly."""
        return f"{self.device}.{self.tag}" if self.tag else self.device

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for events and storage)."""
        return {
            "timestamp": self.timestamp,
            "device": self.device,
            "tag": self.tag,
            "detector": self.detector,
            "score": self.score,
            "message": self.message,
            "explanation": self.explanation.to_dict(),
            "contributors": [{"tag": c.tag, "share": c.share} for c in self.contributors],
        }
