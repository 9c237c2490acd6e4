"""``shopfloor orders publish``: the cluster lead sends work orders to a partner station."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from app.config.sync import SCHEMES, TLS_SCHEMES
from app.orders.feed import order_message, order_topic
from app.orders.importer import OrderFileError, read_orders
from app.orders.publish import PublishError, publish_orders


def publish(args: argparse.Namespace) -> int:
    parts = urlsplit(args.broker)
    try:
        port = parts.port or SCHEMES.get(parts.scheme, 0)
    except ValueError:
        port = 0
    if parts.scheme not in SCHEMES or not parts.hostname or not port:
        print(f"shopfloor orders: --broker: '{args.broker}' is not a broker URL "
              "(mqtt://host:1883 or mqtts://host:8883)", file=sys.stderr)  # fmt: skip
        return 2
    levels = args.to.split("/")
    if len(levels) != 4 or not all(level.strip() for level in levels):
        print(f"shopfloor orders: --to: '{args.to}' is not COMPANY/SITE/LINE/STATION "
              "(as 'shopfloor cluster status' names the station)", file=sys.stderr)  # fmt: skip
        return 2
    if args.revision is not None and args.revision < 1:
        print("shopfloor orders: --revision must be at least 1", file=sys.stderr)
        return 2
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if password is None:
            print(f"shopfloor orders: the environment variable {args.password_env} is not set",
                  file=sys.stderr)  # fmt: skip
            return 2
    try:
        orders = read_orders(Path(args.file), source="cluster")
    except OrderFileError as exc:
        print(f"shopfloor orders: {exc.path}: nothing published", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    revision = args.revision if args.revision is not None else int(time.time())
    action = "cancel" if args.cancel else "put"
    bodies = [order_message(o, revision, args.sender, action) for o in orders]
    topic = order_topic(args.prefix, *levels)
    try:
        done = publish_orders(parts.hostname, port, topic, bodies, username=args.username,
                              password=password, ca_file=args.ca_file,
                              tls=parts.scheme in TLS_SCHEMES)  # fmt: skip
    except PublishError as exc:
        print(f"shopfloor orders: {exc}", file=sys.stderr)
        return 2
    print(f"{done} orders published to {topic} (revision {revision})")
    return 0
