"""Downtime Pareto: stop time per reason over a window, largest first, with the cumulative
share. A pure function over the downtime log's stops."""

from __future__ import annotations

from collections.abc import Iterable

from app.oee.downtime import Stop

#: The key of stops nobody explained yet.
UNEXPLAINED = ""


def downtime_pareto(
    stops: Iterable[Stop], start: float, end: float, now: float, machines: set[str] | None = None
) -> list[tuple[str, float, float]]:
    """``(reason path or UNEXPLAINED, seconds within [start, end), cumulative share 0..1)``
    of the stops that asked for a reason (micro-stops are counted apart), largest first."""
    seconds: dict[str, float] = {}
    for stop in stops:
        if stop.micro or (machines is not None and stop.machine not in machines):
            continue
        stop_end = stop.end if stop.end is not None else now
        inside = min(stop_end, end) - max(stop.start, start)
        if inside > 0:
            key = stop.reason or UNEXPLAINED
            seconds[key] = seconds.get(key, 0.0) + inside
    ranked = sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0] == UNEXPLAINED, kv[0]))
    total = sum(seconds.values())
    result = []
    running = 0.0
    for key, value in ranked:
        running += value
        result.append((key, value, running / total))
    return result


def micro_stops(stops: Iterable[Stop], start: float, end: float) -> dict[str, int]:
    """Micro-stops per machine that began within ``[start, end)``."""
    counts: dict[str, int] = {}
    for stop in stops:
        if stop.micro and start <= stop.start < end:
            counts[stop.machine] = counts.get(stop.machine, 0) + 1
    return counts
