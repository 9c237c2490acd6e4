"""Vectorised evaluation of tag conditions (limits, deviation, rate, discrete) over sample batches.

Each condition turns a sample into a *measure* ``x`` and compares it with two thresholds:
``x > on`` sets the raw condition, ``x <= off`` (``off = on - deadband``) resets it, anything in
between (and every bad or NaN sample) keeps the previous state: that is the deadband
hysteresis. High limits use ``x = value``, low limits ``x = -value`` with ``on = -limit``, so
one comparison serves both. Only *changes* of the raw state come back to Python; delays and
the ISA-18.2 state model are applied by the manager.

A bad-value condition (ISA-18.2 bad-measurement alarm) is set by a sample whose value is not a
finite number though the device answered (reason ``not a number`` or ``out of range`` from
:mod:`app.scaling`, or a non-finite GOOD value from elsewhere) and reset by a good finite one.
Every other bad sample (a device that does not answer has its own communication alarm) holds
it, as it holds the process conditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.alarms.model import AlarmDefinition, Kind
from app.model import Quality, SampleBatch
from app.scaling import VALUE_REASONS

_LIMIT, _DEVIATION, _RATE, _DISCRETE, _BAD = 0, 1, 2, 3, 4
_KIND_CODE = {
    Kind.LIMIT: _LIMIT,
    Kind.DEVIATION: _DEVIATION,
    Kind.RATE: _RATE,
    Kind.DISCRETE: _DISCRETE,
    Kind.BAD_VALUE: _BAD,
}
_DIRECTION = {"both": 0.0, "above": 1.0, "below": -1.0}
_LARGEST = float(np.finfo(np.float64).max)


@dataclass(frozen=True, slots=True)
class RawChanges:
    """Raw condition changes found in one batch, in time order."""

    conditions: npt.NDArray[np.intp]
    """Index of each changed condition (position in the evaluator's definitions)."""
    timestamps: npt.NDArray[np.float64]
    states: npt.NDArray[np.bool_]
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.conditions.shape[0])


class ConditionEvaluator:
    """Raw (undelayed) state of every tag condition, advanced one batch at a time.

    Not thread safe: the alarm manager calls it under its lock.
    """

    def __init__(self, definitions: Sequence[AlarmDefinition], tag_count: int) -> None:
        evaluable = [d for d in definitions if d.kind in _KIND_CODE and d.tag_id is not None]
        # Conditions of one tag are contiguous so that a tag id maps to a slice.
        self.definitions: list[AlarmDefinition] = sorted(evaluable, key=lambda d: d.tag_id or 0)
        size = max([tag_count, *[self._max_ref(d) + 1 for d in self.definitions]])
        self.tag_count = size
        n = len(self.definitions)
        tag_of = np.array([d.tag_id for d in self.definitions], dtype=np.intp)
        self._count = np.bincount(tag_of, minlength=size).astype(np.intp)
        self._start = (np.cumsum(self._count) - self._count).astype(np.intp)
        self._kind = np.array([_KIND_CODE[d.kind] for d in self.definitions], dtype=np.int8)
        self._sign = np.ones(n)
        self._on = np.zeros(n)
        self._off = np.zeros(n)
        self._setpoint = np.zeros(n, dtype=np.intp)
        self._bit = np.full(n, -1, dtype=np.int64)
        width = max([1, *[len(self._discrete_values(d)) for d in self.definitions]])
        self._match = np.full((n, width), np.nan)
        for i, d in enumerate(self.definitions):
            self._configure(i, d)
        self._has = {code: bool(np.any(self._kind == code)) for code in _KIND_CODE.values()}
        self._raw = np.zeros(n, dtype=bool)
        self._last_v = np.full(size, np.nan)
        self._last_t = np.full(size, np.nan)
        self._mark = np.full(size, -1, dtype=np.intp)

    @staticmethod
    def _max_ref(d: AlarmDefinition) -> int:
        refs = [d.tag_id or 0, int(d.params.get("setpoint_id", 0))]
        if d.suppress_key is not None:
            refs.append(d.suppress_key[0])
        return max(refs)

    @staticmethod
    def _discrete_values(d: AlarmDefinition) -> list[float]:
        if d.kind != Kind.DISCRETE:
            return []
        if d.params.get("values") is not None:
            return [float(v) for v in d.params["values"]]
        if d.params.get("equals") is not None:
            return [float(d.params["equals"])]
        return []

    def _configure(self, i: int, d: AlarmDefinition) -> None:
        p = d.params
        if d.kind == Kind.LIMIT:
            self._sign[i] = p["sign"]
            self._on[i] = p["sign"] * p["limit"]
            self._off[i] = self._on[i] - d.deadband
        elif d.kind in (Kind.DEVIATION, Kind.RATE):
            self._sign[i] = _DIRECTION[p["direction"]]
            self._on[i] = p["limit"]
            self._off[i] = p["limit"] - d.deadband
            self._setpoint[i] = int(p.get("setpoint_id", 0))
        elif d.kind == Kind.BAD_VALUE:
            # The measure is the value itself: every finite one resets the condition and costs
            # nothing extra; a bad value is given the measure +inf, the only one that sets it.
            self._on[i] = _LARGEST
            self._off[i] = _LARGEST
        else:  # discrete: the measure is 1 on a match, 0 otherwise
            self._on[i] = 0.5
            self._off[i] = 0.5
            values = self._discrete_values(d)
            self._match[i, : len(values)] = values
            if p.get("bit") is not None:
                self._bit[i] = int(p["bit"])

    # -- state ------------------------------------------------------------------------------

    def raw_state(self, index: int) -> bool:
        """Current raw state of condition ``index``."""
        return bool(self._raw[index])

    def set_raw_state(self, index: int, state: bool) -> None:
        """Seed a raw state (restored from the journal)."""
        self._raw[index] = state

    def last_time(self, tag_id: int) -> float:
        """Timestamp of the latest good sample of a tag (NaN if none)."""
        if 0 <= tag_id < self.tag_count:
            return float(self._last_t[tag_id])
        return float("nan")

    def last_value(self, tag_id: int) -> float:
        """Latest good value seen for a tag (NaN if none)."""
        if 0 <= tag_id < self.tag_count:
            return float(self._last_v[tag_id])
        return float("nan")

    # -- evaluation -------------------------------------------------------------------------

    def evaluate(self, batch: SampleBatch) -> RawChanges:
        """Advance every condition over ``batch``; return the raw changes."""
        ids = np.asarray(batch.tag_ids, dtype=np.intp)
        values = np.asarray(batch.values, dtype=np.float64)
        times = np.asarray(batch.timestamps, dtype=np.float64)
        if ids.size == 0:
            return _NO_CHANGES
        if ids.min() < 0 or ids.max() >= self.tag_count:
            keep = (ids >= 0) & (ids < self.tag_count)
            ids, values, times = ids[keep], values[keep], times[keep]
            quality = np.asarray(batch.quality)[keep]
        else:
            quality = np.asarray(batch.quality)
        good = (quality == 0) & np.isfinite(values)
        # Bad values are rare: nothing is spent on them while every sample is good.
        bad_value = None
        if self._has[_BAD] and not good.all():
            bad_value = self._bad_values(batch, ids, values, quality)
            if not bad_value.any():
                bad_value = None

        n = ids.size
        positions = np.arange(n)
        self._mark[ids] = positions
        unique = bool(np.all(self._mark[ids] == positions))

        counts = self._count[ids]
        total = int(counts.sum())
        if total == 0:
            self._remember(ids, times, values, good)
            return _NO_CHANGES

        # Expand samples into (sample, condition) pairs.
        sample = np.repeat(positions, counts)
        first = np.cumsum(counts) - counts
        cond = np.repeat(self._start[ids], counts) + (np.arange(total) - np.repeat(first, counts))
        if not unique:
            # 16-bit keys let numpy use its O(n) radix sort.
            key = cond.astype(np.uint16) if len(self.definitions) <= 65536 else cond
            order = np.argsort(key, kind="stable")
            sample, cond = sample[order], cond[order]
            group_start = np.r_[True, cond[1:] != cond[:-1]]
        v = values[sample]
        t = times[sample]
        ok = good[sample]
        tag = ids[sample]

        x = self._sign[cond] * v  # limits; other kinds overwrite their pairs below
        if self._has[_RATE] or self._has[_DEVIATION] or self._has[_DISCRETE]:
            kind = self._kind[cond]
        if self._has[_RATE]:
            prev_v = self._last_v[tag]
            prev_t = self._last_t[tag]
            if not unique:
                # Within a group the previous sample is the last good pair before this one.
                anchor = np.maximum.accumulate(np.where(ok | group_start, np.arange(total), 0))
                before_idx = np.r_[0, anchor[:-1]]
                use = ~group_start & ok[before_idx]
                prev_v[use] = v[before_idx[use]]
                prev_t[use] = t[before_idx[use]]
            is_rate = kind == _RATE
            with np.errstate(divide="ignore", invalid="ignore"):
                dt = t[is_rate] - prev_t[is_rate]
                rate = np.where(dt > 0, (v[is_rate] - prev_v[is_rate]) / dt, np.nan)
            sign = self._sign[cond[is_rate]]
            x[is_rate] = np.where(sign == 0, np.abs(rate), sign * rate)
        self._remember(ids, times, values, good)
        if self._has[_DEVIATION]:
            is_dev = kind == _DEVIATION
            delta = v[is_dev] - self._last_v[self._setpoint[cond[is_dev]]]
            sign = self._sign[cond[is_dev]]
            x[is_dev] = np.where(sign == 0, np.abs(delta), sign * delta)
        if self._has[_DISCRETE]:
            is_disc = kind == _DISCRETE
            dv = v[is_disc]
            dc = cond[is_disc]
            match = np.any(dv[:, None] == self._match[dc], axis=1)
            bits = self._bit[dc]
            has_bit = bits >= 0
            if has_bit.any():
                as_int = np.nan_to_num(dv[has_bit]).astype(np.int64)
                match[has_bit] = ((as_int >> bits[has_bit]) & 1) == 1
            x[is_disc] = match.astype(np.float64)

        if bad_value is not None:
            hit = bad_value[sample] & (self._kind[cond] == _BAD)
            x[hit] = np.inf
            ok[hit] = True  # a bad value decides this condition; other bad samples hold it

        with np.errstate(invalid="ignore"):
            on = ok & (x > self._on[cond])
            off = ok & (x <= self._off[cond])
        prior = self._raw[cond]
        if unique:
            state = on | (prior & ~off)
            before = prior
        else:
            # Forward-fill the last decisive sample within each condition's group; a group
            # starts from the condition's stored state.
            decisive = on | off
            anchor = np.where(decisive | group_start, np.arange(total), 0)
            anchor = np.maximum.accumulate(anchor)
            state = np.where(decisive[anchor], on[anchor], prior)
            before = np.r_[prior[:1], state[:-1]]
            before[group_start] = prior[group_start]
        changed = np.flatnonzero(state != before)
        if unique:
            self._raw[cond] = state
        else:
            last = np.r_[group_start[1:], True]
            self._raw[cond[last]] = state[last]
        if changed.size == 0:
            return _NO_CHANGES
        order = np.argsort(t[changed], kind="stable")
        changed = changed[order]
        value = v[changed]
        value[~np.isfinite(value)] = np.nan  # what a bad-value alarm saw: no infinity onwards
        return RawChanges(cond[changed], t[changed], state[changed], value)

    @staticmethod
    def _bad_values(
        batch: SampleBatch,
        ids: npt.NDArray[np.intp],
        values: npt.NDArray[np.float64],
        quality: npt.NDArray[np.uint8],
    ) -> npt.NDArray[np.bool_]:
        """Samples whose value is not a finite number though the device answered."""
        flagged = (quality == Quality.GOOD) & ~np.isfinite(values)
        for position in np.flatnonzero(flagged).tolist():
            if int(ids[position]) in batch.texts:  # a string tag's value is its text
                flagged[position] = False
        if batch.reasons:
            for position in np.flatnonzero(quality == Quality.BAD).tolist():
                if batch.reasons.get(int(ids[position])) in VALUE_REASONS:
                    flagged[position] = True
        return flagged

    def _remember(
        self,
        ids: npt.NDArray[np.intp],
        times: npt.NDArray[np.float64],
        values: npt.NDArray[np.float64],
        good: npt.NDArray[np.bool_],
    ) -> None:
        if not good.all():
            ids, times, values = ids[good], times[good], values[good]
        self._last_v[ids] = values
        self._last_t[ids] = times


_NO_CHANGES = RawChanges(
    np.empty(0, dtype=np.intp), np.empty(0), np.empty(0, dtype=bool), np.empty(0)
)
