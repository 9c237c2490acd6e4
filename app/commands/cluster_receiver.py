"""``shopfloor cluster-receiver --broker URL --db URL``: the reference receiver of a cluster.

Subscribes to every station under ``<prefix>/v1/#``, stores their messages (SQLite or any
SQLAlchemy URL), drops duplicates by id and shows gaps per station (``shopfloor cluster
status``). Runs until Ctrl-C or SIGTERM (or ``--duration``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from app.commands.common import positive_float, stop_on_signals
from app.config.sync import SCHEMES, TLS_SCHEMES
from app.storage.database import check_database_url, open_database
from app.storage.gateway import DatabaseGateway
from app.sync.receiver import Receiver

READY_TIMEOUT_S = 30.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cluster-receiver",
        help="receive every station's summaries from the cluster's broker into a database",
        description="The reference receiver: subscribes to the stations' namespace with QoS 1 "
        "in a persistent session, stores each message once (duplicates dropped by id) and "
        "acknowledges it only after it is committed.",
    )
    parser.add_argument("--broker", required=True, help="mqtt://host:1883 or mqtts://host:8883")
    parser.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite file")
    parser.add_argument("--prefix", default="shopfloor", help="topic prefix (default shopfloor)")
    parser.add_argument("--client-id", default="shopfloor-receiver")
    parser.add_argument("--username")
    parser.add_argument(
        "--password-env", help="name of the environment variable that holds the password"
    )
    parser.add_argument("--ca-file", help="PEM file of the CA that signed the broker")
    parser.add_argument("--duration", type=positive_float, help="stop after this many seconds")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    parts = urlsplit(args.broker)
    try:
        port = parts.port or SCHEMES.get(parts.scheme, 0)
    except ValueError:
        port = 0
    if parts.scheme not in SCHEMES or not parts.hostname or not port:
        print(
            f"shopfloor: --broker: '{args.broker}' is not a broker URL "
            "(mqtt://host:1883 or mqtts://host:8883)",
            file=sys.stderr,
        )
        return 2
    problem = check_database_url(args.db)
    if problem is not None:
        print(f"shopfloor: --db: {problem}", file=sys.stderr)
        return 2
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if password is None:
            print(
                f"shopfloor: the environment variable {args.password_env} is not set",
                file=sys.stderr,
            )
            return 2
    stop = stop_on_signals()
    try:
        gateway = DatabaseGateway(open_database(args.db), flush_interval_s=0.2)
        receiver = Receiver(
            gateway,
            parts.hostname,
            port,
            prefix=args.prefix,
            client_id=args.client_id,
            username=args.username,
            password=password,
            ca_file=args.ca_file,
            tls=parts.scheme in TLS_SCHEMES,
        )
    except SQLAlchemyError as exc:
        print(f"shopfloor: cannot open the database: {exc}", file=sys.stderr)
        return 2
    receiver.start()
    deadline = None if args.duration is None else time.monotonic() + args.duration
    announced = False
    try:
        while not stop.is_set():
            if not announced and receiver.subscribed.is_set():
                print(
                    f"receiving {receiver.topic} from {parts.hostname}:{port}",
                    file=sys.stderr,
                    flush=True,
                )
                announced = True
            if deadline is not None and time.monotonic() >= deadline:
                break
            stop.wait(0.1)
    finally:
        receiver.stop()
    print(
        f"stopped: {receiver.kind.stored} stored, {receiver.kind.duplicates} duplicates dropped",
        file=sys.stderr,
    )
    return 0
