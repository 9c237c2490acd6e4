"""``shopfloor cluster status --db URL [--json]``: what the cluster receiver got, per station.

Received messages, duplicates dropped, gaps (sequence numbers missing between the first and
the last received; a replay after an outage fills them), last seen, online.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from app.storage.database import check_database_url, open_database
from app.sync.receiver import report


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cluster",
        help="the cluster receiver's per-station report",
        description="Reports of the cluster receiver's database.",
    )
    actions = parser.add_subparsers(dest="cluster_action", metavar="ACTION")
    status = actions.add_parser("status", help="per station: received, duplicates, gaps")
    status.add_argument("--db", required=True, help="the receiver's database URL or file")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def _when(ts: float | None) -> str:
    return "never" if ts is None else datetime.fromtimestamp(ts).isoformat(timespec="seconds")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "cluster_action", None) != "status":
        print("usage: shopfloor cluster status --db URL [--json]", file=sys.stderr)
        return 2
    problem = check_database_url(args.db)
    if problem is not None:
        print(f"shopfloor: --db: {problem}", file=sys.stderr)
        return 2
    try:
        database = open_database(args.db)
        stations = report(database)
    except SQLAlchemyError as exc:
        print(f"shopfloor: cannot read the receiver's database: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([s.to_dict() for s in stations], indent=2, ensure_ascii=False))
        return 0
    if not stations:
        print("no station has sent anything yet")
    for s in stations:
        online = {True: "online", False: "OFFLINE", None: "unknown"}[s.online]
        gaps = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in s.gaps[:10]) or "none"
        print(
            f"{s.station}: {online}, {s.received} received, {s.duplicates} duplicates "
            f"dropped, {s.missing} missing (gaps: {gaps}), last seen {_when(s.last_seen)}"
        )
    return 0
