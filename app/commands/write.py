"""``shopfloor write --config FILE --device D --tag T --value V [--user NAME]``: write one tag.

For setpoints and for acknowledging a machine's fault (a coil). The actor needs the "write to
devices" permission (:data:`app.security.DEVICE_WRITE`). The value is an engineering value:
the tag's scale and offset are undone before writing. The tag is read before and after the
write, and every attempt (done, refused or failed) is recorded as an event in the station's
database: kind ``device_write`` (or ``device_write_refused``) with who, what, before and after,
and as an entry of the audit trail. Once the station has users, ``--user`` must sign in (the
password from the terminal, or from stdin with ``--password-stdin``) and ``--role`` is ignored:
the stored role decides.
Exit code 0 when the read-back matches, 1 when the write failed or reads back otherwise, 2 for
bad input or a refused permission.
"""

from __future__ import annotations

import argparse
import getpass
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from app.audit import AuditTrail
from app.commands.common import device_or_report, load_config_or_report
from app.commands.sign_in import sign_in
from app.config import DeviceConfig, TagConfig
from app.model import Event, EventKind, Severity
from app.security import DEVICE_WRITE, AccessDenied, AccessPolicy, Actor, StationUserPolicy, require
from app.storage import DatabaseGateway, open_database
from app.users import SignInError, UserPolicy, UserStore
from app.worker import default_driver_factory
from drivers.base import DeviceError, Driver

INTEGER_TYPES = frozenset({"int16", "uint16", "int32", "uint32", "int64", "uint64"})
Raw = float | int | str | bool
Value = float | int | str | None


@dataclass(slots=True)
class WriteRecord:
    """What one write did; also the event's ``data``."""

    user: str
    roles: list[str]
    device: str
    tag: str
    value: str
    """The engineering value as requested."""
    raw: Raw | None = None
    before: Value = None
    after: Value = None
    confirmed: bool = False
    error: str | None = None


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "write",
        help="write one tag (setpoint, fault acknowledge) and read it back",
        description="Write an engineering value to one tag, read it back and record the write "
        "as an event. Needs the 'write to devices' permission. Exit code 0 when the read-back "
        "matches, 1 when the write failed or reads back otherwise, 2 for bad input or refusal.",
    )
    parser.add_argument("--config", required=True, help="station config (TOML)")
    parser.add_argument("--device", required=True, help="device name")
    parser.add_argument("--tag", required=True, help="tag name (without the device)")
    parser.add_argument("--value", required=True, help="engineering value (scale is undone)")
    parser.add_argument("--user", default=None, help="who writes (default: the login name)")
    parser.add_argument(
        "--role", action="append", default=[], help="a role of the user (repeatable)"
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the user's password from stdin (needed once the station has users)",
    )
    parser.add_argument("--db", help="SQLAlchemy database URL (default: the station's)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write, print the outcome, record the event; return the exit code."""
    config = load_config_or_report(args.config)
    if config is None:
        return 2
    device = device_or_report(config, args.device)
    if device is None:
        return 2
    tag = next((t for t in device.tags if t.name == args.tag), None)
    if tag is None:
        known = ", ".join(t.name for t in device.tags)
        print(f"device {device.name} has no tag '{args.tag}' (tags: {known})", file=sys.stderr)
        return 2
    url = args.db or config.storage.url
    database = open_database(url)
    gateway = DatabaseGateway(database)
    try:
        audit = AuditTrail(gateway, config.station.station)
        try:
            actor, policy = _who(args, UserStore(gateway), audit)
        except ValueError as exc:
            print(f"--user: {exc}", file=sys.stderr)
            return 2
        except SignInError as exc:
            print(f"sign-in refused: {exc}", file=sys.stderr)
            return 2
        try:
            record, event = write_tag(device, tag, args.value, actor, policy)
        except ValueError as exc:
            print(f"--value: {exc}", file=sys.stderr)
            return 2
        refused = event.kind == EventKind.DEVICE_WRITE_REFUSED
        outcome = "denied" if refused else "ok" if record.confirmed else "failed"
        details = {k: getattr(record, k) for k in ("value", "raw", "before", "after", "error")}
        audit.record(actor, DEVICE_WRITE, f"{device.name}.{tag.name}", details, outcome)
    finally:
        gateway.stop(timeout=10.0)
        database.dispose()
    _store(event, url)
    print(event.text, file=sys.stdout if record.confirmed else sys.stderr)
    if refused:
        return 2
    return 0 if record.confirmed else 1


def _who(
    args: argparse.Namespace, store: UserStore, audit: AuditTrail
) -> tuple[Actor, AccessPolicy]:
    """The acting user and the policy: a signed-in user once the station has users (the
    password from stdin or the terminal), else any name as before users existed."""
    name = args.user or getpass.getuser()
    if store.count() == 0:
        return Actor.named(name, args.role), StationUserPolicy()
    return sign_in(store, audit, name, args.password_stdin), UserPolicy(store)


def write_tag(
    device: DeviceConfig,
    tag: TagConfig,
    value: str,
    actor: Actor,
    policy: AccessPolicy,
    driver_factory: Callable[[DeviceConfig], Driver] = default_driver_factory,
) -> tuple[WriteRecord, Event]:
    """Check the permission, write, read back; the record and the event that tells it.

    Raises ValueError when ``value`` does not fit the tag (nothing is written then).
    """
    record = WriteRecord(actor.name, sorted(actor.roles), device.name, tag.name, value)
    try:
        require(policy, actor, DEVICE_WRITE)
    except AccessDenied as exc:
        record.error = str(exc)
        return record, _event(EventKind.DEVICE_WRITE_REFUSED, device, record, Severity.WARNING)
    record.raw = to_raw(tag, value)
    driver = driver_factory(device)
    try:
        driver.connect()
        record.before = _read_one(driver, tag)
        driver.write(tag, record.raw)
        record.after = _read_one(driver, tag)
        record.confirmed = _same(tag, record.after, value)
    except DeviceError as exc:
        record.error = f"{exc.kind}: {exc.message}"
    finally:
        driver.close()
    severity = Severity.INFO if record.confirmed and record.error is None else Severity.ERROR
    return record, _event(EventKind.DEVICE_WRITE, device, record, severity)


def to_raw(tag: TagConfig, value: str) -> Raw:
    """The raw value (scale and offset undone) of an engineering value typed by a user."""
    text = value.strip()
    if tag.data_type == "string":
        return value
    if tag.data_type == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "on", "yes"):
            return True
        if lowered in ("0", "false", "off", "no"):
            return False
        raise ValueError(f"not a bool: {value!r} (use 1/0, true/false, on/off)")
    exact = tag.scale == 1 and tag.offset == 0
    if tag.data_type in INTEGER_TYPES and exact and text.lstrip("+-").isdigit():
        return int(text)  # exact, also beyond 2**53
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    raw = (number - tag.offset) / tag.scale
    if tag.data_type in INTEGER_TYPES:
        whole = round(raw)
        if abs(whole - raw) > 1e-9 * max(1.0, abs(raw)):
            raise ValueError(
                f"{number} is not a whole number of steps of {tag.scale} (raw {raw:g})"
            )
        return int(whole)
    return raw


def _read_one(driver: Driver, tag: TagConfig) -> Value:
    """The tag's engineering value now (exact for 64-bit integers)."""
    readings = driver.read([tag])
    if 0 in readings.errors:
        raise DeviceError("read", f"cannot read {tag.name}: {readings.errors[0]}")
    if 0 in readings.texts:
        return readings.texts[0]
    if 0 in readings.integers and tag.scale == 1 and tag.offset == 0:
        return readings.integers[0]
    number = float(readings.values[0]) * tag.scale + tag.offset
    return None if math.isnan(number) else number


def _same(tag: TagConfig, after: Value, value: str) -> bool:
    """Does the read-back hold what was asked (to the precision of the tag's type)?"""
    if after is None:
        return False
    asked = to_raw(tag, value)
    if isinstance(asked, str) or isinstance(after, str):
        return after == str(asked).rstrip("\x00 ")
    if isinstance(asked, bool):
        return bool(after) == asked
    if isinstance(asked, int) and isinstance(after, int):
        return after == asked
    wanted = float(asked) * tag.scale + tag.offset
    tolerance = 1e-6 if tag.data_type == "float32" else 1e-9  # float32 keeps 24 bits
    return math.isclose(float(after), wanted, rel_tol=tolerance, abs_tol=1e-9)


def _event(kind: EventKind, device: DeviceConfig, record: WriteRecord, severity: Severity) -> Event:
    outcome = (
        "refused"
        if kind is EventKind.DEVICE_WRITE_REFUSED
        else (
            "failed" if record.error is not None else "confirmed" if record.confirmed else "differs"
        )
    )
    data = {**asdict(record), "outcome": outcome}
    return Event(time.time(), kind, device.name, data, severity, source_title=device.display_name)


def _store(event: Event, db_url: str | None) -> None:
    """Append the event to the station's event log (the same database ``run`` writes)."""
    from app.storage import open_database
    from app.storage.events import EventStore

    engine = open_database(db_url)
    try:
        store = EventStore(engine)
        store.write([store.row(event)])
    finally:
        engine.dispose()
