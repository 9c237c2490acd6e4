"""``shopfloor audit verify|list``: check the audit trail's hash chain, list or export it.

``verify`` exits 0 when every entry links to the one before and the anchor matches the last
entry, 1 naming the first broken entry otherwise, 2 when the database cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from app.audit import Anchor, AuditFilter, load_anchor, query, verify
from app.audit.export import iso_utc, write_csv
from app.commands.common import add_database_options, error_reason, open_station_database
from app.storage.database import Database


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="verify, list or export the audit trail",
        description="The audit trail: who did what, when, from which station; hash-chained.",
    )
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "verify",
        help="check the hash chain (exit 1 naming the first broken entry)",
        description="Check every link of the chain and its anchor. Exit 0 when intact, 1 when "
        "an entry was edited, deleted, reordered or the tail truncated, 2 for bad input.",
    )
    add_database_options(check)
    check.add_argument(
        "--head",
        type=_head,
        metavar="SEQ:HASH",
        help="a head printed by an earlier verify and kept elsewhere: it must still be there",
    )
    listing = actions.add_parser("list", help="list entries, newest first, or export them")
    add_database_options(listing)
    listing.add_argument("--since", type=_when, help="from this time (ISO 8601, local)")
    listing.add_argument("--until", type=_when, help="before this time (ISO 8601, local)")
    listing.add_argument("--actor", help="only this user")
    listing.add_argument("--action", help="only this action, or a prefix ending in '.'")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    listing.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-': stdout)")
    parser.set_defaults(handler=run)


def _head(text: str) -> Anchor:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise argparse.ArgumentTypeError(f"expected SEQ:HASH (64 hex digits), got {text!r}")
    return Anchor(int(seq), digest)


def _when(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None


def run(args: argparse.Namespace) -> int:
    opened = open_station_database(args)
    if opened is None:
        return 2
    database, _station = opened
    try:
        if args.audit_action == "verify":
            return _verify(database, args.head)
        return _list(database, args)
    except SQLAlchemyError as exc:
        reason = error_reason(exc)
        print(f"shopfloor audit: cannot read the database: {reason}", file=sys.stderr)
        return 2
    finally:
        database.dispose()


def _verify(database: Database, known: Anchor | None) -> int:
    result = verify(database, known)
    if not result.ok:
        print(f"audit trail BROKEN at entry {result.first_bad}: {result.problem}", file=sys.stderr)
        return 1
    anchor = load_anchor(database)
    head = f"; head {anchor.seq}:{anchor.hash}" if anchor is not None else ""
    print(f"audit trail OK: {result.entries} entries{head}")
    return 0


def _list(database: Database, args: argparse.Namespace) -> int:
    wanted = AuditFilter(args.since, args.until, args.actor, args.action, max(1, args.limit))
    found = query(database, wanted)
    if args.csv:
        if args.csv == "-":
            write_csv(found, sys.stdout)
        else:
            with open(args.csv, "w", newline="", encoding="utf-8") as out:
                write_csv(found, out)
            print(f"{len(found)} entries written to {args.csv}", file=sys.stderr)
        return 0
    for e in found:
        target = f" {e.target}" if e.target else ""
        flag = "" if e.outcome == "ok" else f" [{e.outcome}]"
        print(f"{e.seq:>6} {iso_utc(e.ts)} {e.station} {e.actor}: {e.action}{target}{flag}")
    return 0
