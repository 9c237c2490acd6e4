"""Which machine stands still, and for how long: a batch and tick subscriber on the dispatcher.

A stop is any state but ``running`` and ``planned_stop`` (a planned stop needs no reason). One
shorter than ``oee.micro_stop_s`` is a micro-stop, counted apart; one that lasts
``oee.reason_after_s`` is opened in the :class:`app.oee.downtime.DowntimeLog` at once (the
operator may explain it while the machine is still down) and closed when it runs again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.config import DeviceConfig, StationConfig
from app.model import Quality, SampleBatch
from app.oee.calendar import shift_label
from app.oee.downtime import DowntimeLog
from app.tags import TagTable

NOT_STOPPED = ("running", "planned_stop")


@dataclass
class _Watch:
    device: DeviceConfig
    state_id: int
    since: float | None = None
    """When the current stop began (None: not stopped)."""
    category: str = ""
    uid: str | None = None
    """The stop's entry in the log, once it lasted ``reason_after_s``."""


class StopWatcher:
    """``engine.subscribe(w.on_batch)``, ``engine.subscribe_ticks(w.tick)``."""

    def __init__(self, config: StationConfig, tags: TagTable, log: DowntimeLog) -> None:
        self.config = config
        self.log = log
        self.micro_s = config.oee.micro_stop_s
        self.reason_s = config.oee.reason_after_s
        self.watches: dict[str, _Watch] = {}
        for device in config.devices:
            if device.state_tag is None or not device.enabled:
                continue
            watch = _Watch(device, tags.by_name(f"{device.name}.{device.state_tag}").id)
            left_open = log.ongoing(device.name)  # stopped when the station last stopped
            if left_open is not None:
                watch.since, watch.category, watch.uid = (
                    left_open.start,
                    left_open.category,
                    left_open.uid,
                )
            self.watches[device.name] = watch

    def on_batch(self, batch: SampleBatch) -> None:
        watch = self.watches.get(batch.device)
        if watch is None:
            return
        mine = (batch.tag_ids == watch.state_id) & (batch.quality == Quality.GOOD)
        for index in np.flatnonzero(mine & np.isfinite(batch.values)).tolist():
            state = watch.device.state_of(float(batch.values[index]))
            category = str(state.category) if state is not None else "unknown"
            self._state(watch, float(batch.timestamps[index]), category)

    def _state(self, watch: _Watch, t: float, category: str) -> None:
        stopped = category not in NOT_STOPPED
        if stopped and watch.since is None:
            watch.since, watch.category = t, category
        elif not stopped and watch.since is not None:
            self._ended(watch, t)
        self.tick(t)

    def _ended(self, watch: _Watch, t: float) -> None:
        assert watch.since is not None
        name = watch.device.name
        if watch.uid is not None:
            self.log.close(watch.uid, t)
        elif t - watch.since < self.micro_s:
            shift = shift_label(self.config.shift_calendar, watch.since)
            self.log.micro(name, watch.since, t, watch.category, shift)
        watch.since, watch.uid = None, None

    def tick(self, now: float) -> None:
        """Open the stops that have lasted long enough to ask for a reason."""
        for watch in self.watches.values():
            if watch.since is not None and watch.uid is None and now - watch.since >= self.reason_s:
                shift = shift_label(self.config.shift_calendar, watch.since)
                stop = self.log.open(watch.device.name, watch.since, watch.category, shift)
                watch.uid = stop.uid
