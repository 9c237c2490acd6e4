"""Machine state changes as events: a stop, a start and a fault each leave a line in the log.

Runs on the engine's dispatcher thread as a batch subscriber. It remembers the last good value
of each device's state tag and posts a :attr:`EventKind.STATE_CHANGED` event through the engine
when it changes. The first value after start-up only sets the baseline (nothing changed then);
a bad sample (communication loss) is skipped, so a machine that comes back in another state
still reports the change.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from app.config import DeviceConfig, StateCategory, StationConfig
from app.model import Event, EventKind, Quality, SampleBatch, Severity
from app.tags import TagTable

PostEvent = Callable[[Event], None]


def value_key(value: float) -> float | int:
    """A state value as stored in the event (integers stay integers)."""
    return int(value) if float(value).is_integer() else float(value)


class MachineStateWatcher:
    """Turns changes of each device's state tag into events."""

    def __init__(self, config: StationConfig, tags: TagTable, post: PostEvent) -> None:
        self._post = post
        self._devices: dict[str, tuple[int, DeviceConfig]] = {}
        for device in config.devices:
            if device.state_tag is not None:
                tag_id = tags.by_name(f"{device.name}.{device.state_tag}").id
                self._devices[device.name] = (tag_id, device)
        self._last: dict[str, float] = {}

    def on_batch(self, batch: SampleBatch) -> None:
        """Look for the device's state tag in ``batch`` (engine batch subscriber)."""
        watched = self._devices.get(batch.device)
        if watched is None:
            return
        tag_id, device = watched
        for index in np.flatnonzero(batch.tag_ids == tag_id).tolist():
            if batch.quality[index] != Quality.GOOD:
                continue
            value = float(batch.values[index])
            if math.isnan(value):
                continue
            previous = self._last.get(device.name)
            self._last[device.name] = value
            if previous is not None and previous != value:
                self._post(self._event(device, previous, value, float(batch.timestamps[index])))

    @staticmethod
    def _event(device: DeviceConfig, before: float, after: float, timestamp: float) -> Event:
        old, new = device.state_of(before), device.state_of(after)
        to_category = new.category if new is not None else None
        severity = Severity.ERROR if to_category is StateCategory.FAULT else Severity.INFO
        return Event(
            timestamp=timestamp,
            kind=EventKind.STATE_CHANGED,
            source=device.name,
            source_title=device.display_name,
            severity=severity,
            data={
                "from_value": value_key(before),
                "to_value": value_key(after),
                "from_label": old.label if old is not None else str(value_key(before)),
                "to_label": new.label if new is not None else str(value_key(after)),
                "from_category": str(old.category) if old is not None else None,
                "to_category": str(to_category) if to_category is not None else None,
            },
        )
