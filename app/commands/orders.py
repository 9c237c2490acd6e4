"""``shopfloor orders list|import|publish``: work orders from the command line.

``list`` prints every order with its progress and delivery risk (``--json`` for scripts).
``import FILE`` reads a CSV or XLSX file (columns ``order``, ``part_number``, ``quantity``,
``due``, optional ``customer`` and ``machine``): new orders are added, planned ones updated;
a file with any bad row imports nothing and names each bad row. Once the station has users,
importing needs ``--as USER`` (the ``order.edit`` permission; password from the terminal or
``--password-stdin``). ``publish FILE --broker URL --to COMPANY/SITE/LINE/STATION`` is the
cluster lead's side: it publishes each order of the file to that partner station's order topic
(docs/SYNC.md, "Orders from the lead"). Exit codes: 0 done, 2 bad input, refused sign-in or
permission, an unreachable or refusing broker.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from app.audit import AuditTrail
from app.commands.common import add_database_options, error_reason, open_station_database
from app.commands.orders_publish import publish
from app.commands.sign_in import add_acting_options, sign_in
from app.orders import OrderBook, OrderError, WorkOrder, order_risk
from app.orders.importer import OrderFileError, read_orders
from app.security import AccessDenied, Actor
from app.storage import DatabaseGateway
from app.users import SignInError, UserPolicy, UserStore


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "orders",
        help="list the station's work orders or import them from CSV/XLSX",
        description="Work orders of this station: list them, or import them from a CSV or "
        "XLSX file (an ERP export).",
    )
    actions = parser.add_subparsers(dest="orders_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every order, its progress and delivery risk")
    add_database_options(listing)
    listing.add_argument("--json", action="store_true", help="one JSON document")
    importing = actions.add_parser("import", help="add or update orders from a CSV/XLSX file")
    add_database_options(importing)
    importing.add_argument("file", help="CSV or XLSX file")
    add_acting_options(importing)
    publishing = actions.add_parser(
        "publish", help="the cluster lead: publish orders from a CSV/XLSX file to a partner"
    )
    publishing.add_argument("file", help="CSV or XLSX file (the columns of import)")
    publishing.add_argument("--broker", required=True, help="mqtt://host:1883 or mqtts://...")
    publishing.add_argument(
        "--to", required=True, metavar="COMPANY/SITE/LINE/STATION", help="the partner station"
    )
    publishing.add_argument(
        "--revision",
        type=int,
        help="revision of these orders (default: now in Unix seconds); a station applies a "
        "revision of an order once and ignores older ones",
    )
    publishing.add_argument("--cancel", action="store_true", help="cancel these orders instead")
    publishing.add_argument("--sender", default="lead", help="who publishes (in the audit trail)")
    publishing.add_argument("--prefix", default="shopfloor", help="topic prefix")
    publishing.add_argument("--username")
    publishing.add_argument("--password-env", help="environment variable holding the password")
    publishing.add_argument("--ca-file", help="PEM file of the CA that signed the broker")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.orders_action == "publish":
        return publish(args)
    incoming: list[WorkOrder] = []
    if args.orders_action == "import":
        try:  # the file first: a bad file needs no database and no password
            incoming = read_orders(Path(args.file))
        except OrderFileError as exc:
            print(f"shopfloor orders: {exc.path}: nothing imported", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 2
    opened = open_station_database(args)
    if opened is None:
        return 2
    database, station = opened
    gateway = DatabaseGateway(database)
    try:
        audit = AuditTrail(gateway, station)
        store = UserStore(gateway)
        book = OrderBook(gateway, UserPolicy(store, open_until_first_user=True), audit)
        if args.orders_action == "list":
            return _list(book, args.json)
        actor = _acting(args, store, audit)
        result = book.import_orders(actor, incoming)
    except SignInError as exc:
        print(f"shopfloor orders: sign-in refused: {exc}", file=sys.stderr)
        return 2
    except AccessDenied as exc:
        hint = "" if args.acting else " (sign in with --as USER)"
        print(f"shopfloor orders: {exc}{hint}", file=sys.stderr)
        return 2
    except OrderError as exc:
        print(f"shopfloor orders: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        reason = error_reason(exc)
        print(f"shopfloor orders: database error: {reason}", file=sys.stderr)
        return 2
    finally:
        if not gateway.stop(timeout=10.0):
            print("shopfloor orders: the database refused the change", file=sys.stderr)
        database.dispose()
    print(
        f"{len(incoming)} orders read: {len(result.added)} added, {len(result.updated)} "
        f"updated, {len(result.unchanged)} unchanged, {len(result.skipped)} already running "
        "or finished (kept)"
    )
    return 0


def _acting(args: argparse.Namespace, store: UserStore, audit: AuditTrail) -> Actor:
    if not args.acting:
        return Actor.named(getpass.getuser())  # allowed only while the station has no users
    return sign_in(store, audit, args.acting, args.password_stdin)


def _list(book: OrderBook, as_json: bool) -> int:
    now = time.time()
    orders = book.all()
    if as_json:
        rows = [
            {**asdict(o), "status": str(o.status), "risk": str(order_risk(o, None, now))}
            for o in orders
        ]
        print(json.dumps({"orders": rows}, indent=2))
        return 0
    if not orders:
        print("no work orders")
        return 0
    for o in orders:
        due = datetime.fromtimestamp(o.due).strftime("%Y-%m-%d %H:%M")
        machine = o.machine or "-"
        print(
            f"{o.order_id:<16} {o.part_number:<14} {o.good:>7}/{o.quantity:<7} "
            f"{o.status!s:<10} {machine:<12} due {due}  {order_risk(o, None, now)}"
        )
    return 0
