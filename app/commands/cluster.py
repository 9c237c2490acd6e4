"""``shopfloor cluster status --db URL [--json]``: what the cluster receiver got, per station.

Received messages, duplicates dropped, gaps (sequence numbers missing between the first and
the last received; a replay after an outage fills them), last seen, online; and what the
cluster view shows (app/cluster/view.py): stale, OEE, defect rate, open alarms by priority,
the open orders' delivery risk.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from app.cluster.view import DEFAULT_STALE_AFTER_S, PartnerStatus, cluster_overview
from app.commands.common import positive_float
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
    status.add_argument(
        "--stale-after",
        type=positive_float,
        default=DEFAULT_STALE_AFTER_S,
        metavar="SECONDS",
        help=f"a station not seen for this long is stale (default {DEFAULT_STALE_AFTER_S:g})",
    )
    parser.set_defaults(handler=run)


def _when(ts: float | None) -> str:
    return "never" if ts is None else datetime.fromtimestamp(ts).isoformat(timespec="seconds")


def _figures(p: PartnerStatus | None) -> str:
    if p is None:
        return ""
    parts = []
    if p.oee is not None:
        parts.append(f"OEE {p.oee:.0%}")
    if p.defect_rate is not None:
        parts.append(f"defects {p.defect_rate:.1%}")
    alarms = ", ".join(f"P{k}: {n}" for k, n in p.open_alarms.items()) or "none"
    parts.append(f"open alarms {alarms}")
    if p.risk is not None:
        parts.append(f"{len(p.orders)} open orders, delivery {p.risk.replace('_', ' ')}")
    return "; " + ", ".join(parts)


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
        overview = {p.station: p for p in cluster_overview(database, time.time(), args.stale_after)}
    except SQLAlchemyError as exc:
        print(f"shopfloor: cannot read the receiver's database: {exc}", file=sys.stderr)
        return 2
    if args.json:
        rows = []
        for s in stations:
            view = overview.get(s.station)
            rows.append({**(view.to_dict() if view is not None else {}), **s.to_dict()})
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not stations:
        print("no station has sent anything yet")
    for s in stations:
        view = overview.get(s.station)
        online = {True: "online", False: "OFFLINE", None: "unknown"}[s.online]
        if view is not None and view.stale:
            online = f"STALE ({online})"
        gaps = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in s.gaps[:10]) or "none"
        print(
            f"{s.station}: {online}, {s.received} received, {s.duplicates} duplicates "
            f"dropped, {s.missing} missing (gaps: {gaps}), last seen {_when(s.last_seen)}"
            f"{_figures(view)}"
        )
    return 0
