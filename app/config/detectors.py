"""Detector settings as they appear in the station config.

Under a tag::

    [[devices.tags]]
    name = "vibration_rms"
    detectors = { robust = { spike_sigma = 5 }, limits = { min = 0, max = 50 }, spc = {} }

Under a device, ``all_tags`` gives every numeric tag without its own ``detectors`` key the same
settings, and ``multivariate`` watches the machine as a whole::

    [devices.detectors]
    all_tags = {}
    multivariate = { tags = ["current", "flow", "pressure"] }

A section that is present is enabled with sensible defaults; ``enabled = false`` turns it off.
Times are in seconds and turned into samples with the tag's poll period.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.config.base import StrictModel

Seconds = Annotated[float, Field(gt=0, le=366 * 86400)]


class RobustSettings(StrictModel):
    """Spikes, steps and variance changes against an adaptive baseline."""

    enabled: bool = True
    spike_sigma: float = Field(default=6.0, gt=1, le=100)
    """A single sample this many baseline sigmas away is a spike."""
    step_sigma: float = Field(default=6.0, gt=1, le=100)
    """A short-term average this many of its own sigmas away is a step."""
    variance_ratio: float = Field(default=2.5, gt=1, le=100)
    """Short-term spread this many times the baseline spread is a variance change."""
    short_s: Seconds | None = None
    """Span of the short-term average (default: 10 samples)."""


class DriftSettings(StrictModel):
    """Slow trends (CUSUM against a slowly adapting reference)."""

    enabled: bool = True
    k_sigma: float = Field(default=0.5, gt=0, le=10)
    """Allowance per sample, in sigmas: shifts smaller than this are ignored."""
    h_sigma: float = Field(default=20.0, gt=0, le=1000)
    """Decision interval, in sigmas: the CUSUM alarms at this level."""
    reference_s: Seconds | None = None
    """Time constant of the reference level (default: ten times the baseline)."""


class FlatlineSettings(StrictModel):
    """A sensor stuck at one value."""

    enabled: bool = True
    after_s: Seconds = 300.0
    """Unchanged for this long (and four times the longest run seen in warm-up) is stuck."""
    tolerance: float = Field(default=0.0, ge=0)
    """Changes up to this much count as unchanged (engineering units)."""


class LimitSettings(StrictModel):
    """Values that cannot physically occur."""

    min: float | None = None
    max: float | None = None
    max_step: float | None = Field(default=None, gt=0)
    """Largest possible change between two consecutive samples."""

    @model_validator(mode="after")
    def _ordered(self) -> LimitSettings:
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("min must be below max")
        return self


class SpcSettings(StrictModel):
    """SPC run rules (Nelson 1-8; Western Electric are rules 1, 2, 5, 6)."""

    enabled: bool = True
    rules: list[Annotated[int, Field(ge=1, le=8)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6, 7, 8], min_length=1
    )
    center: float | None = None
    """Centre line; learned in the warm-up when not given."""
    sigma: float | None = Field(default=None, gt=0)
    """Process sigma; learned in the warm-up (moving range) when not given."""
    run_length: int = Field(default=9, ge=7, le=20)
    """Points in a row on one side for rule 2 (Nelson 9, Western Electric 8)."""


class NoveltySettings(StrictModel):
    """Pattern novelty with an anomaly likelihood (the detector scored on NAB)."""

    enabled: bool = True


class TagDetectors(StrictModel):
    """Detectors that watch one tag."""

    enabled: bool = True
    warmup_s: Seconds = 300.0
    """Baseline learning time after start or relearn (at least 30 samples)."""
    baseline_s: Seconds = 3600.0
    """Time constant of the adaptive baseline."""
    threshold: float = Field(default=0.5, gt=0, lt=1)
    """Score at or above which an anomaly is reported."""
    clear_samples: int = Field(default=10, ge=1, le=100_000)
    """An anomaly clears after this many samples below the threshold."""
    robust: RobustSettings | None = Field(default_factory=RobustSettings)
    drift: DriftSettings | None = Field(default_factory=DriftSettings)
    flatline: FlatlineSettings | None = Field(default_factory=FlatlineSettings)
    limits: LimitSettings | None = None
    spc: SpcSettings | None = None
    novelty: NoveltySettings | None = None

    @model_validator(mode="after")
    def _warmup_shorter(self) -> TagDetectors:
        if self.warmup_s > self.baseline_s:
            raise ValueError("warmup_s must not exceed baseline_s")
        return self


class MultivariateSettings(StrictModel):
    """Several tags of one machine watched together.

    ``method = "pca"``: online PCA (Hotelling T² and Q/SPE). ``method = "process"``: the
    process monitor (T², Q and the distance to the learned region, limits learned without
    looking at the rows they judge, slow drift followed; see ``app/detectors/process.py``),
    the one scored on the Tennessee Eastman and simulator corpus in docs/DETECTORS.md.
    """

    enabled: bool = True
    method: Literal["pca", "process"] = "pca"
    tags: list[str] | None = Field(default=None, min_length=2)
    """Tags to watch together (default: every numeric tag of the device)."""
    variance: float | None = Field(default=None, gt=0, lt=1)
    """Share of the variance the kept components explain (default: 0.9 for pca, 0.98 for
    process, whose k-NN distance and out-of-fold limits leave less to the residual)."""
    warmup_s: Seconds = 600.0
    baseline_s: Seconds = 3600.0
    confidence: float | None = Field(default=None, gt=0.5, lt=1)
    """Control limits of the statistics, as a confidence level (default: 0.999999 for pca,
    0.999 for process, whose limits are out-of-fold and whose episodes need min_samples)."""
    neighbours: int = Field(default=5, ge=1, le=100)
    """process: the k of the k-nearest-neighbour distance to the learned rows."""
    drift_s: Seconds | None = None
    """process: time over which the learned rows renew themselves from quiet rows (default:
    50 warm-ups); the operating point itself follows within a few hundred samples."""
    min_samples: int | None = Field(default=None, ge=1, le=100_000)
    """Rows at or above the threshold before an anomaly starts (default: 1 for pca, 3 for
    process)."""
    threshold: float = Field(default=0.5, gt=0, lt=1)
    clear_samples: int = Field(default=60, ge=1, le=100_000)
    """Longer than for one tag: a broken correlation shows on some rows, not on all."""
    max_age_s: Seconds = 10.0
    """A tag value older than this makes the row incomplete (not scored)."""

    @model_validator(mode="after")
    def _distinct(self) -> MultivariateSettings:
        if self.tags is not None and len(set(self.tags)) != len(self.tags):
            raise ValueError("tags must be distinct")
        return self


class ActiveWhen(StrictModel):
    """The machine states in which the detectors watch (and learn)."""

    tag: str = Field(min_length=1)
    """A tag of the same device, usually the machine state."""
    in_: list[float] = Field(alias="in", min_length=1)
    """Values of ``tag`` in which the detectors run, e.g. ``[1]`` for running."""
    settle_s: float = Field(default=60.0, ge=0, le=3600)
    """After entering a watched state, wait this long (pumps, heaters and spindles come up
    to their working point after a restart)."""


class DeviceDetectors(StrictModel):
    """Detectors that watch a whole machine."""

    active_when: ActiveWhen | None = None
    """Watch only in these machine states: a stopped, tripped or serviced machine is not
    anomalous, and must not be learned as normal either."""

    all_tags: TagDetectors | None = None
    """Detectors for every numeric tag that has no ``detectors`` key of its own."""
    multivariate: MultivariateSettings | None = None
