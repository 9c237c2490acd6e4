"""Signing in on the command line: the ``--as USER`` / ``--password-stdin`` options and the
password prompt, shared by every subcommand that acts for a user."""

from __future__ import annotations

import argparse
import getpass
import sys

from app.audit import AuditTrail
from app.security import Actor
from app.users import Authenticator, UserStore


class StdinEnded(ValueError):
    """stdin ran out before every password asked for was read."""


def add_acting_options(
    parser: argparse.ArgumentParser, metavar: str = "USER", stdin_help: str | None = None
) -> None:
    """``--as NAME`` (stored as ``acting``) and ``--password-stdin``."""
    parser.add_argument("--as", dest="acting", metavar=metavar, help="act as this user")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=stdin_help or "read the --as user's password from stdin",
    )


def read_secret(from_stdin: bool, prompt: str) -> str:
    """One line of stdin (scripts, tests) or a prompt on the terminal that does not echo."""
    if not from_stdin:
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise StdinEnded("stdin ended before every password was read")
    return line.rstrip("\r\n")


def sign_in(store: UserStore, audit: AuditTrail, name: str, from_stdin: bool) -> Actor:
    """The user ``name`` signed in with their password; raises ``SignInError`` when refused
    (audited like a sign-in at the window)."""
    try:
        password = read_secret(from_stdin, f"Password for {name}: ")
    except StdinEnded:
        password = ""  # refused and audited like any failed attempt
    return Authenticator(store, audit).sign_in(name, password)
