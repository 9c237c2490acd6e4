"""``shopfloor alarms report|history``: alarm-system performance and the alarm journal.

``report`` prints the ISA-18.2 / EEMUA 191 figures for a time window (``--json`` for tools);
``history`` lists journaled transitions, newest first, optionally filtered by text.
Times are ISO 8601 (``2026-11-24T08:00``; without a zone they are local time) or a duration
before ``--to`` such as ``24h``, ``7d`` or ``90m``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import datetime

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from app.alarms.journal import history, journal_table
from app.alarms.performance import analyse
from app.commands.common import UsageError, add_database_options, error_reason, station_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``alarms`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "alarms",
        help="alarm performance report and journal",
        description="Alarm-system performance (ISA-18.2 / EEMUA 191) and the alarm journal.",
    )
    actions = parser.add_subparsers(dest="alarms_action", metavar="ACTION")

    def common(sub: argparse.ArgumentParser) -> None:
        add_database_options(sub)
        sub.add_argument(
            "--from",
            dest="start",
            default="24h",
            help="start: ISO time or a duration before --to like 24h, 7d (default 24h)",
        )
        sub.add_argument("--to", dest="end", default="now", help="end: ISO time (default now)")
        sub.add_argument("--json", action="store_true", help="machine-readable output")

    report = actions.add_parser(
        "report",
        help="alarm rates, floods, standing, chattering, fleeting and bad actors",
        description="Alarm-system performance figures for a time window.",
    )
    common(report)
    report.add_argument(
        "--flood-threshold",
        type=int,
        default=10,
        metavar="N",
        help="alarms per 10 minutes that make a flood (default 10)",
    )
    report.add_argument(
        "--standing-hours",
        type=float,
        default=24.0,
        metavar="H",
        help="active this long makes a standing alarm (default 24)",
    )
    report.set_defaults(handler=run)

    history = actions.add_parser(
        "history", help="journaled transitions, newest first", description="The alarm journal."
    )
    common(history)
    history.add_argument("--search", default="", help="text in the alarm, message, user, comment")
    history.add_argument("--limit", type=int, default=200, help="rows at most (default 200)")
    history.set_defaults(handler=run)
    parser.set_defaults(handler=run, alarms_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action; exit 0 on success, 1 on a database failure, 2 on bad input."""
    action = getattr(args, "alarms_action", None)
    if action is None:
        args.alarms_parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        end = parse_time(args.end, None)
        start = parse_time(args.start, end)
        if not end > start:
            raise UsageError("--from must be before --to")
        db, _ = station_database(args.db, args.config, must_exist=True)
        if not inspect(db).has_table(journal_table.name):
            raise UsageError(f"no alarm journal in {db.url}")
        if action == "report":
            if args.flood_threshold < 1 or args.standing_hours <= 0:
                raise UsageError("--flood-threshold and --standing-hours must be above zero")
            result = analyse(
                db,
                start,
                end,
                flood_threshold=args.flood_threshold,
                standing_s=args.standing_hours * 3600,
            )
            print(json.dumps(result.to_dict(), indent=2) if args.json else result.format_text())
        else:
            if args.limit < 1:
                raise UsageError("--limit must be at least 1")
            rows = history(db, start, end, args.search, limit=args.limit)
            if args.json:
                print(json.dumps([_row_dict(t) for t in rows], indent=2))
            else:
                for t in rows:
                    print(
                        f"{_local(t.timestamp)}  {t.priority.label:8s} {t.event.value:14s} "
                        f"{t.state.value:14s} {t.alarm_id}  {t.message.render()}"
                        + (f"  [{t.actor}]" if t.actor else "")
                        + (f"  {t.comment}" if t.comment else "")
                    )
    except UsageError as exc:
        print(f"shopfloor alarms: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        print(
            f"shopfloor alarms: cannot read the alarm journal: {error_reason(exc)}", file=sys.stderr
        )
        return EXIT_FAILED
    return EXIT_OK


def parse_time(text: str, end: float | None) -> float:
    """ISO 8601 (local time without a zone), ``now``, or a duration before ``end``."""
    text = text.strip()
    if text == "now":
        return time.time()
    match = _DURATION.match(text)
    if match:
        if end is None:
            raise UsageError(f"a duration like {text!r} only works for --from")
        return end - float(match.group(1)) * _UNITS[match.group(2)]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"not a time: {text!r} (use ISO 8601 like 2026-11-24T08:00, or 24h, 7d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time
    return moment.timestamp()


def _row_dict(t: object) -> dict[str, object]:
    from app.alarms.model import Transition

    assert isinstance(t, Transition)
    return {
        "seq": t.seq,
        "time": t.timestamp,
        "alarm_id": t.alarm_id,
        "event": t.event.value,
        "state": t.state.value,
        "priority": t.priority.label,
        "message": t.message.render(),
        "message_id": t.message.id,
        "message_params": t.message.to_dict()["params"],
        "value": t.value,
        "actor": t.actor,
        "comment": t.comment,
    }


def _local(t: float) -> str:
    return datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")
