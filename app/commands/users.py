"""``shopfloor users list|add|disable|enable|set-role|reset-password``: the station's users.

There is no default account: on a new station the first ``users add NAME --role admin`` needs
no sign-in. From then on every change is made as a signed-in user with the ``users.manage``
permission (``--as ADMIN``, whose password is asked for, or read from stdin). Passwords are
read from the terminal without echo, or one per line from stdin with ``--password-stdin``
(the ``--as`` user's first, then the new one); they are never taken as arguments, printed or
logged. Every change and every refusal is an audit entry. Exit codes: 0 done, 2 bad input,
refused sign-in or permission.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from app.audit import AuditTrail
from app.commands.common import add_database_options, error_reason, open_station_database
from app.commands.sign_in import StdinEnded, add_acting_options, read_secret
from app.security import AccessDenied, Actor
from app.storage import DatabaseGateway
from app.users import (
    Authenticator,
    SignInError,
    UserAdmin,
    UserError,
    UserPolicy,
    UserStore,
    WeakPasswordError,
    role_named,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "users",
        help="list, add and change the station's users",
        description="Users and roles of this station. Changes need --as ADMIN (a user with "
        "the 'manage users' permission), except creating the first admin.",
    )
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        add_database_options(sub)
        if name != "list":
            sub.add_argument("name", help="user name")
            add_acting_options(
                sub, "ADMIN", "read passwords from stdin, one per line (the --as user's first)"
            )
        return sub

    action("list", "list the users and their roles")
    add = action("add", "add a user")
    add.add_argument("--role", required=True, help="operator, inspector, maintenance, ...")
    add.add_argument("--badge-stdin", action="store_true", help="read a badge code from stdin")
    action("disable", "disable a user (their entries stay in the audit trail)")
    action("enable", "enable a disabled user")
    set_role = action("set-role", "change a user's role")
    set_role.add_argument("role", help="the new role")
    action("reset-password", "set a new password (also lifts a lockout)")
    parser.set_defaults(handler=run)


class _Secrets:
    """Passwords from stdin (one per line) or the terminal, never echoed."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin

    def read(self, prompt: str, confirm: bool = False) -> str:
        try:
            first = read_secret(self.from_stdin, prompt)
        except StdinEnded as exc:
            raise UserError(str(exc)) from exc
        if confirm and not self.from_stdin and getpass.getpass("Repeat: ") != first:
            raise UserError("the passwords differ")
        return first


def run(args: argparse.Namespace) -> int:
    opened = open_station_database(args)
    if opened is None:
        return 2
    database, station = opened
    gateway = DatabaseGateway(database)
    try:
        audit = AuditTrail(gateway, station)
        store = UserStore(gateway)
        if args.users_action == "list":
            return _list(store)
        return _change(args, store, audit)
    except SQLAlchemyError as exc:
        reason = error_reason(exc)
        print(f"shopfloor users: database error: {reason}", file=sys.stderr)
        return 2
    finally:
        if not gateway.stop(timeout=10.0):
            print("shopfloor users: the database refused the change", file=sys.stderr)
        database.dispose()


def _list(store: UserStore) -> int:
    users = store.all()
    if not users:
        print("no users yet: create the first admin with 'shopfloor users add NAME --role admin'")
        return 0
    for user in users:
        flags = [] if user.enabled else ["disabled"]
        if user.locked_until is not None and user.locked_until > datetime.now(UTC).timestamp():
            flags.append("locked")
        if user.badge:
            flags.append("badge")
        extra = f" ({', '.join(flags)})" if flags else ""
        print(f"{user.name:<24} {user.role.value:<12}{extra}")
    return 0


def _change(args: argparse.Namespace, store: UserStore, audit: AuditTrail) -> int:
    secrets = _Secrets(args.password_stdin)
    admin = UserAdmin(store, UserPolicy(store), audit)
    try:
        actor = _sign_in(args, store, audit, secrets)
        operation = _operation(args, admin, actor, secrets)
        done = operation()
    except SignInError as exc:
        print(f"shopfloor users: sign-in refused: {exc}", file=sys.stderr)
        return 2
    except AccessDenied as exc:
        hint = "" if args.acting else " (sign in with --as ADMIN)"
        print(f"shopfloor users: {exc}{hint}", file=sys.stderr)
        return 2
    except (UserError, WeakPasswordError, ValueError) as exc:
        print(f"shopfloor users: {exc}", file=sys.stderr)
        return 2
    print(done)
    return 0


def _sign_in(
    args: argparse.Namespace, store: UserStore, audit: AuditTrail, secrets: _Secrets
) -> Actor | None:
    if not args.acting:
        return None
    password = secrets.read(f"Password for {args.acting}: ")
    return Authenticator(store, audit).sign_in(args.acting, password)


def _operation(
    args: argparse.Namespace, admin: UserAdmin, actor: Actor | None, secrets: _Secrets
) -> Callable[[], str]:
    name: str = args.name
    match args.users_action:
        case "add":
            role = role_named(args.role)

            def add() -> str:
                if actor is not None or not admin.first_run:
                    admin.require(actor, "user.add", name)  # before asking for passwords
                password = secrets.read(f"New password for {name}: ", confirm=True)
                badge = secrets.read("Badge code: ") if args.badge_stdin else None
                user = admin.add(actor, name, role, password, badge)
                return f"user {user.name} added as {user.role.value}"

            return add
        case "disable" | "enable":
            enabled = args.users_action == "enable"
            return lambda: (
                f"user {admin.set_enabled(actor, name, enabled).name} "
                f"{'enabled' if enabled else 'disabled'}"
            )
        case "set-role":
            role = role_named(args.role)
            return lambda: f"{admin.set_role(actor, name, role).name} is now {role.value}"
        case "reset-password":

            def reset() -> str:
                admin.require(actor, "user.reset_password", name)
                password = secrets.read(f"New password for {name}: ", confirm=True)
                return f"password of {admin.reset_password(actor, name, password).name} reset"

            return reset
    raise ValueError(f"unknown action {args.users_action}")
