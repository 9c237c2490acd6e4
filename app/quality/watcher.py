"""Parts finished at inspecting machines become measurements, inspections and defects.

Runs on the engine's dispatcher thread as a batch subscriber (like the machine-state watcher).
It keeps the last good value of every tag it needs; when an inspection's part counter rises, the
part just finished is recorded with its measured characteristics, and each reject rule that
holds (the leak tester's fail result) or characteristic outside its limits (the checkweigher's
weight) becomes a defect with the measured values. The first counter value after start only
sets the baseline; a counter that falls (machine reset) sets a new one.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from app.config import StationConfig
from app.config.quality import InspectionConfig
from app.model import Event, EventKind, Quality, SampleBatch
from app.quality.service import QualityService
from app.tags import TagTable

log = logging.getLogger(__name__)


class RejectWatcher:
    """Turns finished parts into quality records (engine batch and event subscriber)."""

    def __init__(self, config: StationConfig, tags: TagTable, service: QualityService) -> None:
        self.service = service
        self.quality = config.quality
        self._ids: dict[str, int] = {}  # "device.tag" -> tag id
        self._devices: set[str] = set()
        for inspection in self.quality.inspections:
            names = [inspection.part_done, *(r.tag for r in inspection.rejects)]
            if inspection.serial_tag is not None:
                names.append(inspection.serial_tag)
            for name in names:
                self._watch(tags, inspection.device, name)
        for char in self.quality.characteristics:
            self._watch(tags, char.device, char.tag)
        self._values: dict[int, float] = {}
        self._texts: dict[int, str] = {}
        self._counts: dict[str, float] = {}
        self.parts_recorded = 0
        self.defects_made = 0

    def _watch(self, tags: TagTable, device: str, tag: str) -> None:
        full = f"{device}.{tag}"
        self._ids[full] = tags.by_name(full).id
        self._devices.add(device)

    def on_batch(self, batch: SampleBatch) -> None:
        """Remember the watched values of ``batch``, then look for finished parts."""
        if batch.device not in self._devices:
            return
        good = batch.quality == Quality.GOOD
        for index in np.flatnonzero(good).tolist():
            tag_id = int(batch.tag_ids[index])
            if tag_id in batch.texts:
                self._texts[tag_id] = batch.texts[tag_id]
            value = float(batch.values[index])
            if not math.isnan(value):
                self._values[tag_id] = value
        for inspection in self.quality.inspections:
            if inspection.device == batch.device:
                self._check(inspection, float(batch.timestamps.max()))

    def on_event(self, event: Event) -> None:
        """A barcode scan starts or closes a part's record (engine event subscriber)."""
        if event.kind is EventKind.PART_SCANNED:
            serial = str(event.data.get("serial", ""))
            if serial and self.service.serial_problem(serial) is None:
                self.service.record_scan(event.timestamp, event.source, serial)
            elif serial:
                log.warning("%s scanned %r, which fails the serial pattern", event.source, serial)

    def _value(self, device: str, tag: str) -> float | None:
        return self._values.get(self._ids[f"{device}.{tag}"])

    def _check(self, inspection: InspectionConfig, ts: float) -> None:
        count = self._value(inspection.device, inspection.part_done)
        if count is None:
            return
        previous = self._counts.get(inspection.device)
        self._counts[inspection.device] = count
        if previous is None or count <= previous:
            return
        if count - previous > 1:
            log.warning(
                "%s finished %d parts between two polls; recording the last one",
                inspection.device,
                int(count - previous),
            )
        serial = ""
        if inspection.serial_tag is not None:
            serial = self._texts.get(self._ids[f"{inspection.device}.{inspection.serial_tag}"], "")
        measured: dict[str, float] = {}
        for name in inspection.measure:
            char = self.quality.characteristic(name)
            assert char is not None
            value = self._value(char.device, char.tag)
            if value is not None:
                measured[name] = value
        rejects: list[tuple[str, dict[str, float]]] = []
        for rule in inspection.rejects:
            if self._value(inspection.device, rule.tag) == rule.equals:
                values = {n: measured[n] for n in rule.measured if n in measured}
                rejects.append((rule.code, values))
        for name, value in measured.items():
            char = self.quality.characteristic(name)
            assert char is not None
            code = char.reject_of(value)
            if code is not None and not any(known == code for known, _ in rejects):
                rejects.append((code, {name: value}))
        made = self.service.record_part(
            ts, inspection.device, serial, list(measured.items()), rejects
        )
        self.parts_recorded += 1
        self.defects_made += len(made)
