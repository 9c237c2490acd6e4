"""Alarm-system performance figures from the journal (ISA-18.2 section 16, EEMUA 191).

Counted alarms are *annunciated* raises (a raise that the operator saw: state ``unack``);
raises of shelved, suppressed or out-of-service alarms are not counted. Figures:

* alarm rate per 10-minute period (average and peak) — EEMUA 191: about 1 is very likely
  acceptable, 2 manageable, more than 10 is a flood;
* flood periods: consecutive 10-minute periods with more than ``flood_threshold`` alarms,
  and the share of time spent in flood (target below 1 %);
* standing alarms: active at the end of the window for longer than ``standing_s`` (24 h);
* chattering alarms: ``chatter_count`` or more raises within ``chatter_window_s`` (3 in 60 s);
* fleeting alarms: raised and returned to normal within ``fleeting_s``;
* the top-10 bad actors (most frequent alarms, with their share of all alarms);
* the priority distribution (ISA-18.2 suggests roughly 80 % low, 15 % medium/high, 5 % top).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import func, select

from app.alarms.journal import (
    AlarmJournal,
    ensure_schema,
    journal_table,
    message_from_row,
    transition_from_row,
)
from app.alarms.model import AlarmState, Priority, Transition, TransitionKind
from app.messages import Message
from app.storage.database import Database

PERIOD_S = 600.0


class _Entry(NamedTuple):
    """The journal columns the figures need (event and state as their stored strings)."""

    timestamp: float
    alarm_id: str
    event: str
    state: str
    priority: int
    message: str
    message_id: str | None
    message_params: Any


_NO_MESSAGE = Message("alarm.custom", {"text": ""})


@dataclass(frozen=True, slots=True)
class FloodPeriod:
    """Consecutive 10-minute periods over the flood threshold."""

    start: float
    end: float
    alarms: int


@dataclass(frozen=True, slots=True)
class AlarmCount:
    """One alarm and how often something happened to it."""

    alarm_id: str
    count: int
    message: Message = _NO_MESSAGE
    share_pct: float = 0.0


@dataclass(frozen=True, slots=True)
class StandingAlarm:
    """An alarm active for longer than the standing threshold."""

    alarm_id: str
    since: float
    hours: float
    state: str
    message: Message


@dataclass(slots=True)
class PerformanceReport:
    """Every figure for one time window."""

    start: float
    end: float
    alarms: int = 0
    periods: int = 0
    average_per_10min: float = 0.0
    peak_per_10min: int = 0
    pct_periods_over_threshold: float = 0.0
    floods: list[FloodPeriod] = field(default_factory=list)
    pct_time_in_flood: float = 0.0
    standing: list[StandingAlarm] = field(default_factory=list)
    chattering: list[AlarmCount] = field(default_factory=list)
    fleeting: list[AlarmCount] = field(default_factory=list)
    bad_actors: list[AlarmCount] = field(default_factory=list)
    top10_share_pct: float = 0.0
    priorities: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    median_ack_s: float | None = None
    shelved: int = 0
    per_period: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``; times as ISO 8601 UTC next to the epoch seconds."""
        data = asdict(self)
        for name in ("chattering", "fleeting", "bad_actors", "standing"):
            for item, said in zip(data[name], getattr(self, name), strict=True):
                item["message"] = said.message.render()
                item["message_id"] = said.message.id
        data["start_iso"] = _iso(self.start)
        data["end_iso"] = _iso(self.end)
        for flood in data["floods"]:
            flood["start_iso"] = _iso(flood["start"])
            flood["end_iso"] = _iso(flood["end"])
        for standing in data["standing"]:
            standing["since_iso"] = _iso(standing["since"])
        return data

    def format_text(self) -> str:
        """A report for people, one figure per line."""
        lines = [
            f"Alarm performance {_local(self.start)} .. {_local(self.end)}",
            f"  annunciated alarms        {self.alarms}",
            f"  per 10 min: average       {self.average_per_10min:.2f}  (EEMUA: <=1 good, "
            f"<=2 manageable)",
            f"  per 10 min: peak          {self.peak_per_10min}",
            f"  periods over flood level  {self.pct_periods_over_threshold:.1f} %",
            f"  time in flood             {self.pct_time_in_flood:.1f} %  (target < 1 %)",
            f"  acknowledged              {self.acknowledged}"
            + (f"  (median {self.median_ack_s:.0f} s)" if self.median_ack_s is not None else ""),
            f"  shelve actions            {self.shelved}",
            "  priorities                "
            + ", ".join(f"{name} {count}" for name, count in self.priorities.items()),
        ]
        if self.floods:
            lines.append(f"Flood periods ({len(self.floods)}):")
            lines += [
                f"  {_local(f.start)} .. {_local(f.end)}  {f.alarms} alarms" for f in self.floods
            ]
        if self.bad_actors:
            lines.append(f"Top {len(self.bad_actors)} bad actors ({self.top10_share_pct:.0f} %):")
            lines += [
                f"  {a.count:6d}  {a.share_pct:5.1f} %  {a.alarm_id}  {a.message.render()}"
                for a in self.bad_actors
            ]
        for title, items in (("Chattering", self.chattering), ("Fleeting", self.fleeting)):
            if items:
                lines.append(f"{title} alarms ({len(items)}):")
                lines += [f"  {a.count:6d}  {a.alarm_id}  {a.message.render()}" for a in items]
        if self.standing:
            lines.append(f"Standing alarms ({len(self.standing)}):")
            lines += [
                f"  {s.hours:7.1f} h  {s.alarm_id}  since {_local(s.since)}  {s.message.render()}"
                for s in self.standing
            ]
        return "\n".join(lines)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _local(t: float) -> str:
    """Local time with its offset, as the window shows it (the text report is for people)."""
    return datetime.fromtimestamp(t).astimezone().isoformat(sep=" ", timespec="seconds")


def analyse(
    source: AlarmJournal | Database,
    start: float,
    end: float,
    *,
    flood_threshold: int = 10,
    chatter_count: int = 3,
    chatter_window_s: float = 60.0,
    fleeting_s: float = 1.0,
    standing_s: float = 24 * 3600.0,
) -> PerformanceReport:
    """Compute the figures for ``start <= t < end`` (epoch seconds) from the journal."""
    if not end > start:
        raise ValueError("the end of the window must be after its start")
    database = source.db if isinstance(source, AlarmJournal) else source
    j = journal_table
    # Only the columns and events the figures need: a month of journal stays cheap.
    columns = (
        j.c.ts,
        j.c.alarm_id,
        j.c.event,
        j.c.state,
        j.c.priority,
        j.c.message,
        j.c.message_id,
        j.c.message_params,
    )
    kinds = (TransitionKind.RAISE, TransitionKind.CLEAR, TransitionKind.ACK, TransitionKind.SHELVE)
    wanted = [e.value for e in kinds]
    ensure_schema(database)
    with database.connect() as conn:
        rows = conn.execute(
            select(*columns)
            .where(j.c.ts >= start, j.c.ts < end, j.c.event.in_(wanted))
            .order_by(j.c.seq)
        ).all()
        last = select(func.max(j.c.seq)).where(j.c.ts < end).group_by(j.c.alarm_id)
        latest = conn.execute(select(j).where(j.c.seq.in_(last.scalar_subquery()))).all()
    transitions = [_Entry(*row) for row in rows]
    report = PerformanceReport(start=start, end=end)
    raises = [t for t in transitions if t.event == "raise" and t.state == "unack"]
    report.alarms = len(raises)

    periods = max(1, math.ceil((end - start) / PERIOD_S))
    report.periods = periods
    index = np.array([int((t.timestamp - start) // PERIOD_S) for t in raises], dtype=np.int64)
    per_period = np.bincount(index, minlength=periods)[:periods]
    report.per_period = per_period.tolist()
    report.average_per_10min = len(raises) / ((end - start) / PERIOD_S)
    report.peak_per_10min = int(per_period.max(initial=0))
    flooded = per_period > flood_threshold
    report.pct_periods_over_threshold = 100.0 * float(flooded.mean())
    report.floods = _flood_periods(flooded, per_period, start)
    flood_time = sum(min(f.end, end) - f.start for f in report.floods)
    report.pct_time_in_flood = 100.0 * flood_time / (end - start)

    final = {t.alarm_id: t for t in transitions}
    messages = {a: message_from_row(t._asdict()) for a, t in final.items()}
    by_alarm: dict[str, list[float]] = defaultdict(list)
    for t in raises:
        by_alarm[t.alarm_id].append(t.timestamp)
    counts = Counter({alarm_id: len(times) for alarm_id, times in by_alarm.items()})
    top = counts.most_common(10)
    report.bad_actors = [
        AlarmCount(a, n, messages.get(a, _NO_MESSAGE), 100.0 * n / len(raises)) for a, n in top
    ]
    report.top10_share_pct = 100.0 * sum(n for _, n in top) / len(raises) if raises else 0.0
    report.chattering = _chattering(by_alarm, chatter_count, chatter_window_s, messages)
    report.fleeting = _fleeting(transitions, fleeting_s, messages)
    report.standing = _standing([transition_from_row(r) for r in latest], end, standing_s)
    labels = {int(p): p.label for p in Priority}
    report.priorities = {p.label: 0 for p in Priority}
    for t in raises:
        report.priorities[labels[t.priority]] += 1
    ack_delays = _ack_delays(transitions)
    report.acknowledged = len(ack_delays)
    report.median_ack_s = float(np.median(ack_delays)) if ack_delays else None
    report.shelved = sum(1 for t in transitions if t.event == TransitionKind.SHELVE)
    return report


def _flood_periods(flooded: np.ndarray, per_period: np.ndarray, start: float) -> list[FloodPeriod]:
    floods: list[FloodPeriod] = []
    run_start: int | None = None
    for i, is_flood in enumerate([*flooded.tolist(), False]):
        if is_flood and run_start is None:
            run_start = i
        elif not is_flood and run_start is not None:
            floods.append(
                FloodPeriod(
                    start + run_start * PERIOD_S,
                    start + i * PERIOD_S,
                    int(per_period[run_start:i].sum()),
                )
            )
            run_start = None
    return floods


def _chattering(
    by_alarm: dict[str, list[float]], count: int, window: float, messages: dict[str, Message]
) -> list[AlarmCount]:
    found = []
    for alarm_id, times in by_alarm.items():
        if len(times) < count:
            continue
        t = np.sort(np.asarray(times))
        spans = t[count - 1 :] - t[: len(t) - count + 1]
        if np.any(spans <= window):
            found.append(AlarmCount(alarm_id, len(times), messages.get(alarm_id, _NO_MESSAGE)))
    return sorted(found, key=lambda a: -a.count)


def _fleeting(
    transitions: list[_Entry], limit_s: float, messages: dict[str, Message]
) -> list[AlarmCount]:
    raised_at: dict[str, float] = {}
    fleeting: Counter[str] = Counter()
    for t in transitions:
        if t.event == TransitionKind.RAISE and t.state == AlarmState.UNACK:
            raised_at[t.alarm_id] = t.timestamp
        elif t.event == TransitionKind.CLEAR and t.alarm_id in raised_at:
            duration = t.timestamp - raised_at.pop(t.alarm_id)
            fleeting[t.alarm_id] += duration < limit_s
    return [AlarmCount(a, n, messages.get(a, _NO_MESSAGE)) for a, n in fleeting.most_common() if n]


def _standing(latest: list[Transition], end: float, standing_s: float) -> list[StandingAlarm]:
    found = []
    for t in latest:
        since = t.flags.get("active_since")
        if t.state not in (AlarmState.UNACK, AlarmState.ACKED) or since is None:
            continue
        if end - since >= standing_s:
            found.append(
                StandingAlarm(t.alarm_id, since, (end - since) / 3600.0, t.state.value, t.message)
            )
    return sorted(found, key=lambda s: s.since)


def _ack_delays(transitions: list[_Entry]) -> list[float]:
    raised_at: dict[str, float] = {}
    delays = []
    for t in transitions:
        if t.event == TransitionKind.RAISE and t.state == AlarmState.UNACK:
            raised_at[t.alarm_id] = t.timestamp
        elif t.event == TransitionKind.ACK and t.alarm_id in raised_at:
            delays.append(t.timestamp - raised_at.pop(t.alarm_id))
    return delays
