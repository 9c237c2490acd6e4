"""``shopfloor demo``: the plant simulator and the window on the bundled demo line."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from app.audit import AuditTrail
from app.commands.common import positive_float
from app.commands.demo_line import point_at
from app.commands.gui import add_window_options, launch_gui
from app.config import ConfigError, StationConfig
from app.config_loader import load_config
from app.orders import OrderBook, WorkOrder
from app.orders.stock import StockBook
from app.security import Actor
from app.storage import DatabaseGateway, check_database_url, open_database
from app.users import UserPolicy, UserStore
from resources import DEMO_CONFIG

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    from drivers.simulator import builtin_names

    parser = subparsers.add_parser(
        "demo",
        help="run the built-in plant simulator and open the window on it",
        description="Start the simulated EV-parts line on a free local port and monitor it.",
    )
    parser.add_argument("--db", help="SQLAlchemy database URL (default: per-user SQLite file)")
    parser.add_argument("--seed", type=int, default=1, help="simulation seed (default: 1)")
    parser.add_argument(
        "--scenario",
        default="default",
        help=f"fault scenario: {', '.join(builtin_names())}, or a .toml file (default: default)",
    )
    parser.add_argument(
        "--speed",
        type=positive_float,
        default=1.0,
        help="simulated seconds per real second (default: 1.0)",
    )
    add_window_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the simulator, open the window, stop the simulator when the window closes."""
    from drivers.simulator import PlantSimulator, ScenarioError

    try:
        config = load_config(DEMO_CONFIG)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    try:
        sim = PlantSimulator(seed=args.seed, scenario=args.scenario, speed=args.speed)
    except (ScenarioError, ValueError) as exc:
        print(f"shopfloor demo: {exc}", file=sys.stderr)
        return 2
    sim.start()
    try:
        server = sim.serve_modbus_tcp("127.0.0.1", 0)
        config = point_at(config, "127.0.0.1", server.port)
        seed_demo_orders(config, args.db)
        return launch_gui(
            config, db_url=args.db, screenshot=args.screenshot, quit_after=args.quit_after
        )
    finally:
        sim.stop()


def demo_orders(now: float) -> list[WorkOrder]:
    """Three orders of the EV-parts line, due relative to now: one comfortable, one that the
    line at its rate of 80 an hour cannot make in time, one for tomorrow."""
    hour = 3600.0
    return [
        WorkOrder("WO-1001", "EVH-220", 240, now + 4 * hour, "Hanbit Motors", source="import"),
        WorkOrder("WO-1002", "EVH-221", 400, now + 2 * hour, "Hanbit Motors", source="import"),
        WorkOrder("WO-1003", "EVH-220", 600, now + 26 * hour, "Daeyang EV", source="import"),
    ]


def seed_demo_orders(config: StationConfig, db_url: str | None) -> None:
    """On a demo database without orders, import the demo's and run the first on the die
    caster, so the Orders screen has something to show (never on a station with users)."""
    url = db_url or config.storage.url
    if check_database_url(url) is not None:
        return  # launch_gui reports it
    database = open_database(url)
    gateway = DatabaseGateway(database)
    try:
        audit = AuditTrail(gateway, config.station.station)
        store = UserStore(gateway)
        book = OrderBook(gateway, UserPolicy(store, open_until_first_user=True), audit)
        if book.all() or store.count():
            return
        demo = Actor.named("demo")
        book.import_orders(demo, demo_orders(time.time()))
        book.start(demo, "WO-1001", "diecast")
        stock = StockBook(config.stock, gateway, book, book.policy, audit)
        if "AlSi9Cu3" in stock.items:
            stock.receive(demo, "AlSi9Cu3", 1200, "demo: ingots on hand")
    except (SQLAlchemyError, OSError) as exc:
        log.warning("demo orders not added: %s", exc)
    finally:
        gateway.stop(timeout=5.0)
        database.dispose()
