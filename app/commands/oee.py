"""``shopfloor oee shifts``: the stored OEE per shift, per machine and for the line.

Reads the ``oee_shifts`` rows the station writes (app/oee/shifts.py): every shift that started
between ``--from`` and ``--to``, oldest first, the line's row after its machines'. A shift still
running (or left by a kill) shows its figures so far as ``partial``. ``not seen`` is planned
time of the shift the station did not observe (it was off). Shift times are shown in the
calendar's time zone with ``--config``, else in this computer's. Reading never writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.commands.alarms import parse_time
from app.commands.common import (
    UsageError,
    add_database_options,
    error_reason,
    load_config_or_report,
    station_database,
)
from app.oee.calendar import zone_of
from app.oee.shifts import LINE, ShiftRecord, load_shifts

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``oee`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "oee",
        help="OEE per shift as the station stored it",
        description="The station's stored OEE per shift (per machine and for the line).",
    )
    actions = parser.add_subparsers(dest="oee_action", metavar="ACTION")
    shifts = actions.add_parser(
        "shifts",
        help="availability, performance, quality and OEE of each stored shift",
        description="Each stored shift that started between --from and --to, oldest first.",
    )
    add_database_options(shifts)
    shifts.add_argument(
        "--from",
        dest="start",
        default="7d",
        help="start: ISO time or a duration before --to like 24h, 7d (default 7d)",
    )
    shifts.add_argument("--to", dest="end", default="now", help="end: ISO time (default now)")
    shifts.add_argument("--machine", help="only this machine (and not the line)")
    shifts.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run, oee_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Exit 0 on success, 1 when the database cannot be read, 2 on bad input."""
    if getattr(args, "oee_action", None) is None:
        args.oee_parser.print_help(sys.stderr)
        return EXIT_USAGE
    zone: tzinfo | None = None
    if args.config:
        config = load_config_or_report(args.config)
        if config is None:
            return EXIT_USAGE
        zone = zone_of(config.shift_calendar)
    try:
        end = parse_time(args.end, None)
        start = parse_time(args.start, end)
        if start >= end:
            raise UsageError(f"--from ({args.start}) must be before --to ({args.end})")
        database, _ = station_database(args.db, args.config, must_exist=True)
        try:
            records = load_shifts(database, start, end)
        finally:
            database.dispose()
    except UsageError as exc:
        print(f"shopfloor oee: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        print(f"shopfloor oee: cannot read the shifts: {error_reason(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if args.machine is not None:
        records = [r for r in records if r.scope != LINE and r.name == args.machine]
    # The line's row after its machines' within a shift.
    records.sort(key=lambda r: (r.shift_start, r.shift, r.scope == LINE, r.name))
    if args.json:
        print(json.dumps([as_json(r) for r in records], indent=2))
    else:
        print_table(records, zone)
    return EXIT_OK


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def as_json(record: ShiftRecord) -> dict[str, Any]:
    body = record.to_dict()
    for name in ("shift_start", "shift_end", "seen_from", "seen_until"):
        body[f"{name}_iso"] = _iso(float(body[name]))
    return body


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _min(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


HEADER = (
    "day",
    "shift",
    "start-end",
    "machine",
    "avail",
    "perf",
    "quality",
    "OEE",
    "planned min",
    "run min",
    "stop min",
    "good",
    "total",
    "not seen min",
    "status",
)


def print_table(records: list[ShiftRecord], zone: tzinfo | None) -> None:
    if not records:
        print("no stored shifts in this time range")
        return
    rows = [HEADER]
    for r in records:
        result = r.result
        start = datetime.fromtimestamp(r.shift_start, zone).astimezone(zone)
        end = datetime.fromtimestamp(r.shift_end, zone).astimezone(zone)
        rows.append(
            (
                r.day,
                r.shift,
                f"{start:%H:%M}-{end:%H:%M}",
                "(line)" if r.scope == LINE else r.name,
                _pct(result.availability),
                _pct(result.performance),
                _pct(result.quality),
                _pct(result.oee),
                _min(result.planned_s),
                _min(result.run_s),
                _min(r.stop_s),
                f"{result.good}",
                f"{result.good + result.reject}",
                _min(r.unobserved_s),
                "final" if r.final else "partial",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    for row in rows:
        cells = [
            cell.ljust(width) if i < 4 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
