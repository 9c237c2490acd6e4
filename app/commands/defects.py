"""``shopfloor defects add``: enter a defect at a headless station.

Every check (defect code in the catalogue, serial pattern, machine, photos that are images)
runs before anything is written: bad input exits 2 with one line per problem and leaves the
database untouched. The defect is committed through the gateway before the command returns.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from app.commands.common import database_problem, load_config_or_report
from app.messages import Message
from app.quality.model import Disposition
from app.quality.queries import defect_by_uid
from app.quality.service import DefectDraft, QualityInputError, QualityService
from app.security import AccessDenied, Actor, StationUserPolicy
from app.storage import DatabaseGateway, open_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``defects`` and its actions."""
    parser = subparsers.add_parser(
        "defects", help="enter quality defects", description="Quality defect records."
    )
    actions = parser.add_subparsers(dest="defects_action", metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="enter one defect",
        description="Enter one defect; nothing is written unless every field is valid.",
    )
    add.add_argument("--config", required=True, help="station config (TOML): the catalogue")
    add.add_argument("--db", help="database URL or SQLite file (default: the station's)")
    add.add_argument("--machine", required=True, help="device name where the defect was found")
    add.add_argument("--code", required=True, help="defect code from the catalogue")
    add.add_argument("--serial", required=True, help="part serial")
    add.add_argument("--part-number", default="", help="default: from the serial or config")
    add.add_argument("--severity", choices=["critical", "major", "minor"], default=None)
    add.add_argument(
        "--disposition", choices=[d.value for d in Disposition], default=Disposition.PENDING.value
    )
    add.add_argument("--notes", default="")
    add.add_argument(
        "--measured",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a measured value (repeatable)",
    )
    add.add_argument("--photo", action="append", default=[], help="image file (repeatable)")
    add.add_argument("--user", default=None, help="inspector (default: the login name)")
    add.add_argument("--role", action="append", default=[], help="a role of the user")
    add.set_defaults(handler=run)
    parser.set_defaults(handler=run, defects_parser=parser)


def _measured(items: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            value = float(text)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            raise QualityInputError([Message("quality.bad_measured", {"text": item})]) from None
        values[name.strip()] = value
    return values


def run(args: argparse.Namespace) -> int:
    """Check, write, and say which defect was entered."""
    if getattr(args, "defects_action", None) is None:
        args.defects_parser.print_help(sys.stderr)
        return EXIT_USAGE
    config = load_config_or_report(args.config)
    if config is None or database_problem(args.db, config):
        return EXIT_USAGE
    try:
        actor = Actor.named(args.user or getpass.getuser(), args.role)
    except ValueError as exc:
        print(f"shopfloor defects: --user: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        draft = DefectDraft(
            machine=args.machine,
            code=args.code,
            serial=args.serial,
            part_number=args.part_number,
            severity=args.severity,
            disposition=Disposition(args.disposition),
            notes=args.notes,
            measured=_measured(args.measured),
            photos=tuple(Path(p) for p in args.photo),
        )
    except QualityInputError as exc:
        for message in exc.messages:
            print(f"shopfloor defects: {message.render()}", file=sys.stderr)
        return EXIT_USAGE
    gateway = DatabaseGateway(open_database(args.db or config.storage.url))
    try:
        service = QualityService(config, gateway, StationUserPolicy())
        defect = service.add_defect(actor, draft)
    except QualityInputError as exc:
        gateway.close()
        for message in exc.messages:
            print(f"shopfloor defects: {message.render()}", file=sys.stderr)
        return EXIT_USAGE
    except AccessDenied as exc:
        gateway.close()
        print(f"shopfloor defects: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        gateway.close()
        print(f"shopfloor defects: cannot open the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not gateway.stop(timeout=10.0):
        print("shopfloor defects: the database did not take the defect", file=sys.stderr)
        gateway.db.dispose()
        return EXIT_FAILED
    stored = defect_by_uid(gateway.db, defect.uid)
    gateway.db.dispose()
    number = stored.id if stored is not None else "?"
    print(f"defect {number} entered: {defect.code} on {defect.serial} at {defect.machine}")
    return EXIT_OK
