"""The engine's anomaly monitor: every configured detector on every sample batch.

The engine (a subscriber of sample batches) calls :meth:`AnomalyMonitor.process` with each
batch; it returns the anomalies that *started* with that batch. An anomaly is reported once
when its score reaches the threshold and again only after it has cleared (``clear_samples``
samples below the threshold), so the alarm system is never flooded. Anomalies that cleared in
the last call are in :attr:`AnomalyMonitor.cleared` (the onset's anomaly, stamped with the time
it cleared), for the alarm's return to normal::

    started = monitor.process(batch)
    alarms.on_anomalies(started, monitor.cleared)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.config import DeviceConfig, StationConfig
from app.config.checks import multivariate_tags, tag_settings
from app.config.detectors import MultivariateSettings, TagDetectors
from app.detectors.anomaly import Anomaly, Contributor
from app.detectors.base import UnivariateDetector
from app.detectors.checks import FlatlineDetector, LimitCheck
from app.detectors.drift import DriftDetector
from app.detectors.latch import Latch as _Latch
from app.detectors.multivariate import PcaDetector
from app.detectors.process import ProcessDetector
from app.detectors.registry import PROCESS_MIN_ROWS
from app.detectors.robust import RobustDetector
from app.detectors.sequence import SequenceDetector
from app.detectors.spc import NelsonRules
from app.messages import Message
from app.model import Quality, SampleBatch

log = logging.getLogger(__name__)

STATE_VERSION = 1
MIN_WARMUP = 30
PCA_CONFIDENCE = 0.999999
PCA_VARIANCE = 0.9
PROCESS_CONFIDENCE = 0.999
PROCESS_VARIANCE = 0.98


def human_duration(seconds: float) -> Message:
    """3600 -> '1-hour', 300 -> '5-minute', 45 -> '45-second' (rendered where shown)."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return Message(f"duration.{unit}", {"n": int(seconds // size)})
    return Message("duration.second", {"n": seconds})


@dataclass
class _Gate:
    """A device's ``active_when``: the detectors run only while ``tag_id`` holds one of
    ``allowed`` (unknown counts as closed: nothing is learned before the state is known)."""

    tag_id: int
    allowed: frozenset[float]
    settle_s: float
    value: float = math.nan
    entered: float = math.inf
    """When the tag last entered a watched state."""

    @property
    def in_state(self) -> bool:
        return self.value in self.allowed

    def open_at(self, t: float) -> bool:
        return self.in_state and t >= self.entered + self.settle_s


@dataclass
class _TagStream:
    device: str
    tag: str
    subject: str
    detectors: list[tuple[UnivariateDetector, _Latch]]


@dataclass
class _MachineStream:
    device: str
    subject: str
    detector: PcaDetector | ProcessDetector
    latch: _Latch
    tag_ids: list[int]
    max_age: float
    latest: np.ndarray
    stamps: np.ndarray


def _samples(seconds: float, period: float) -> int:
    return max(round(seconds / period), 1)


def build_tag_detectors(settings: TagDetectors, period: float) -> list[UnivariateDetector]:
    """The detectors ``settings`` asks for, sized in samples for this poll period."""
    warmup = max(_samples(settings.warmup_s, period), MIN_WARMUP)
    baseline = max(_samples(settings.baseline_s, period), warmup)
    detectors: list[UnivariateDetector] = []
    if settings.robust is not None and settings.robust.enabled:
        r = settings.robust
        short = _samples(r.short_s, period) if r.short_s is not None else 10
        detectors.append(
            RobustDetector(
                baseline=baseline,
                warmup=warmup,
                short=short,
                spike_sigma=r.spike_sigma,
                step_sigma=r.step_sigma,
                variance_ratio=r.variance_ratio,
                baseline_label=human_duration(settings.baseline_s),
            )
        )
    if settings.drift is not None and settings.drift.enabled:
        d = settings.drift
        reference_s = d.reference_s or 10 * settings.baseline_s
        detectors.append(
            DriftDetector(
                reference=max(_samples(reference_s, period), warmup),
                warmup=warmup,
                k_sigma=d.k_sigma,
                h_sigma=d.h_sigma,
                reference_label=human_duration(reference_s),
            )
        )
    if settings.flatline is not None and settings.flatline.enabled:
        f = settings.flatline
        detectors.append(
            FlatlineDetector(_samples(f.after_s, period), tolerance=f.tolerance, warmup=warmup)
        )
    if settings.limits is not None:
        lim = settings.limits
        detectors.append(LimitCheck(lim.min, lim.max, lim.max_step))
    if settings.spc is not None and settings.spc.enabled:
        s = settings.spc
        detectors.append(
            NelsonRules(tuple(s.rules), s.center, s.sigma, warmup=warmup, run_length=s.run_length)
        )
    if settings.novelty is not None and settings.novelty.enabled:
        detectors.append(SequenceDetector())
    return detectors


class AnomalyMonitor:
    """Every detector of a station, fed with the engine's sample batches."""

    def __init__(self, config: StationConfig, tag_ids: Mapping[str, int]) -> None:
        self._tags: dict[int, _TagStream] = {}
        self._machines: dict[str, _MachineStream] = {}
        self._by_name: dict[str, _TagStream] = {}
        self._gates: dict[str, _Gate] = {}
        self.cleared: list[Anomaly] = []
        for device in config.devices:
            gate = device.detectors.active_when if device.detectors is not None else None
            if gate is not None:
                # The loader checked that the tag exists (app.config.checks).
                full = f"{device.name}.{gate.tag}"
                self._gates[device.name] = _Gate(tag_ids[full], frozenset(gate.in_), gate.settle_s)
            for tag in device.tags:
                settings = tag_settings(device, tag)
                if settings is None:
                    continue
                full = f"{device.name}.{tag.name}"
                if full not in tag_ids:
                    log.warning("no tag id for %s: its detectors are off", full)
                    continue
                period = device.period_of(tag.poll_group)
                latches = [
                    (det, _Latch(settings.threshold, settings.clear_samples))
                    for det in build_tag_detectors(settings, period)
                ]
                if latches:
                    stream = _TagStream(device.name, tag.name, tag.description or tag.name, latches)
                    self._tags[tag_ids[full]] = stream
                    self._by_name[full] = stream
            multi = device.detectors.multivariate if device.detectors is not None else None
            if multi is not None and multi.enabled:
                self._machines[device.name] = self._machine(device, multi, tag_ids)

    @staticmethod
    def _machine(
        device: DeviceConfig, settings: MultivariateSettings, tag_ids: Mapping[str, int]
    ) -> _MachineStream:
        # The loader checked the tag list (app.config.checks.detector_problems): every tag
        # exists, is numeric, and there are at least two.
        known = {t.name: t for t in device.tags}
        names = multivariate_tags(device, settings)
        period = min(device.period_of(known[n].poll_group) for n in names)
        warmup = max(_samples(settings.warmup_s, period), MIN_WARMUP)
        detector: PcaDetector | ProcessDetector
        if settings.method == "process":
            drift = settings.drift_s
            detector = ProcessDetector(
                names,
                warmup=warmup,
                variance=settings.variance or PROCESS_VARIANCE,
                confidence=settings.confidence or PROCESS_CONFIDENCE,
                neighbours=settings.neighbours,
                drift_rows=_samples(drift, period) if drift else 50 * warmup,
            )
            min_samples = settings.min_samples or PROCESS_MIN_ROWS
        else:
            detector = PcaDetector(
                names,
                warmup=warmup,
                baseline=max(_samples(settings.baseline_s, period), warmup),
                variance=settings.variance or PCA_VARIANCE,
                confidence=settings.confidence or PCA_CONFIDENCE,
            )
            min_samples = settings.min_samples or 1
        return _MachineStream(
            device=device.name,
            subject=device.display_name,
            detector=detector,
            latch=_Latch(settings.threshold, settings.clear_samples, min_samples),
            tag_ids=[tag_ids[f"{device.name}.{n}"] for n in names],
            max_age=settings.max_age_s,
            latest=np.full(len(names), np.nan),
            stamps=np.full(len(names), -np.inf),
        )

    @property
    def watched(self) -> list[str]:
        """Full names of the tags with detectors, and the devices with a multivariate one."""
        return sorted(self._by_name) + sorted(self._machines)

    def process(self, batch: SampleBatch) -> list[Anomaly]:
        """Score a batch; return the anomalies that started (skips non-GOOD samples)."""
        onsets: list[Anomaly] = []
        self.cleared = []
        good = batch.quality == Quality.GOOD
        ids = batch.tag_ids[good].tolist()
        stamps = batch.timestamps[good].tolist()
        values = batch.values[good].tolist()
        gate = self._gates.get(batch.device)
        if gate is not None and not self._gate_allows(gate, batch, ids, values):
            return onsets
        tags = self._tags
        for tag_id, stamp, value in zip(ids, stamps, values, strict=True):
            stream = tags.get(tag_id)
            if stream is None or not math.isfinite(value):
                continue
            for detector, latch in stream.detectors:
                score = detector.update(value)
                change = latch.step(score)
                if change > 0:
                    anomaly = Anomaly(
                        timestamp=stamp,
                        device=stream.device,
                        tag=stream.tag,
                        detector=detector.name,
                        score=min(max(score, 0.0), 1.0),
                        explanation=Message(
                            "anomaly.tag",
                            {"subject": stream.subject, "detail": detector.describe()},
                        ),
                    )
                    latch.onset = anomaly
                    onsets.append(anomaly)
                elif change < 0 and latch.onset is not None:
                    self.cleared.append(replace(latch.onset, timestamp=stamp))
                    latch.onset = None
        machine = self._machines.get(batch.device)
        if machine is not None and ids:
            self._machine_step(machine, ids, stamps, values, onsets)
        return onsets

    def _gate_allows(
        self, gate: _Gate, batch: SampleBatch, ids: list[int], values: list[float]
    ) -> bool:
        """Follow the device's state; when it leaves the watched states, end its anomalies."""
        now = float(batch.timestamps.max()) if len(batch) else math.nan
        was_in_state = gate.in_state
        if gate.tag_id in ids:
            gate.value = values[ids.index(gate.tag_id)]
        if gate.in_state and not was_in_state:
            gate.entered = now
            self._resume(batch.device)
        if gate.open_at(now):
            return True
        if was_in_state and not gate.in_state:
            when = now
            for stream in self._by_name.values():
                if stream.device == batch.device:
                    for _, latch in stream.detectors:
                        self._end(latch, when)
            machine = self._machines.get(batch.device)
            if machine is not None:
                self._end(machine.latch, when)
        return False

    def _resume(self, device: str) -> None:
        for stream in self._by_name.values():
            if stream.device == device:
                for detector, _ in stream.detectors:
                    detector.resume()

    def _end(self, latch: _Latch, when: float) -> None:
        if latch.onset is not None:
            self.cleared.append(replace(latch.onset, timestamp=when))
        latch.reset()

    def _machine_step(
        self,
        machine: _MachineStream,
        ids: list[int],
        stamps: list[float],
        values: list[float],
        onsets: list[Anomaly],
    ) -> None:
        updated = False
        for tag_id, stamp, value in zip(ids, stamps, values, strict=True):
            if tag_id in machine.tag_ids and math.isfinite(value):
                i = machine.tag_ids.index(tag_id)
                machine.latest[i] = value
                machine.stamps[i] = stamp
                updated = True
        if not updated:
            return
        now = float(machine.stamps.max())
        if (now - machine.stamps).max() > machine.max_age:
            return  # a tag is missing or stale: the row is incomplete
        detector = machine.detector
        score = detector.update(machine.latest)
        change = machine.latch.step(score)
        if change > 0:
            anomaly = Anomaly(
                timestamp=now,
                device=machine.device,
                tag=None,
                detector=detector.name,
                score=min(max(score, 0.0), 1.0),
                explanation=Message(
                    "anomaly.machine", {"subject": machine.subject, "detail": detector.describe()}
                ),
                contributors=tuple(
                    Contributor(tag, share) for tag, share in detector.top_contributors()
                ),
            )
            machine.latch.onset = anomaly
            onsets.append(anomaly)
        elif change < 0 and machine.latch.onset is not None:
            self.cleared.append(replace(machine.latch.onset, timestamp=now))
            machine.latch.onset = None

    def relearn(self, device: str, tag: str | None = None) -> None:
        """Forget the baselines of one tag, or of every tag and the machine model of a device
        (after maintenance); they are learned again from the next samples."""
        found = False
        for stream in self._by_name.values():
            if stream.device == device and (tag is None or stream.tag == tag):
                for detector, latch in stream.detectors:
                    detector.reset()
                    latch.reset()
                found = True
        machine = self._machines.get(device)
        if machine is not None and tag is None:
            machine.detector.reset()
            machine.latch.reset()
            found = True
        if not found:
            target = device if tag is None else f"{device}.{tag}"
            raise KeyError(f"no detectors on {target}")

    def state(self) -> dict[str, Any]:
        """Baselines of every detector, JSON-serialisable (persist it across restarts)."""
        return {
            "version": STATE_VERSION,
            "tags": {
                name: {det.name: det.state() for det, _ in stream.detectors}
                for name, stream in self._by_name.items()
            },
            "machines": {name: m.detector.state() for name, m in self._machines.items()},
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Continue from :meth:`state`. Parts that no longer fit (settings or tags changed) are
        relearned, with a log line; the rest is kept."""
        if state.get("version") != STATE_VERSION:
            log.warning("detector state of another version: every baseline is relearned")
            return
        saved_tags = state.get("tags", {})
        for name, stream in self._by_name.items():
            saved = saved_tags.get(name, {})
            for detector, _ in stream.detectors:
                if detector.name in saved:
                    self._restore_one(detector, saved[detector.name], f"{name}/{detector.name}")
        for name, machine in self._machines.items():
            saved_machine = state.get("machines", {}).get(name)
            if saved_machine is not None:
                self._restore_one(machine.detector, saved_machine, f"{name}/multivariate")

    @staticmethod
    def _restore_one(detector: Any, saved: Any, label: str) -> None:
        try:
            detector.restore(saved)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            log.warning("cannot restore the baseline of %s (%s): relearning it", label, exc)
            detector.reset()
