"""The station's users: a table in the station database and an in-memory copy.

Writes go through the gateway (the ``users`` write kind, urgent) and update the in-memory copy
at once, so a permission check never touches the database. The copy is loaded at start-up;
:meth:`UserStore.reload` re-reads one user (at sign-in, off the GUI thread) so that a change
made by ``shopfloor users`` in another process is seen.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind
from app.users.roles import Role

metadata = MetaData()

users_table = Table(
    "users",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("badge", String(64), nullable=True, unique=True),
    Column("enabled", Boolean, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("changed_at", Float, nullable=False),
)


def user_key(name: str) -> str:
    """Names are matched without regard to case or surrounding spaces."""
    return name.strip().casefold()


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One user as stored (the password and badge only as hashes)."""

    name: str
    role: Role
    password_hash: str
    badge: str | None = None
    enabled: bool = True
    failures: int = 0
    locked_until: float | None = None
    created_at: float = 0.0
    changed_at: float = 0.0

    @property
    def key(self) -> str:
        return user_key(self.name)


def _record(row: Any) -> UserRecord:
    return UserRecord(
        name=row.name,
        role=Role(row.role),
        password_hash=row.password_hash,
        badge=row.badge,
        enabled=bool(row.enabled),
        failures=row.failures,
        locked_until=row.locked_until,
        created_at=row.created_at,
        changed_at=row.changed_at,
    )


class UserKind(WriteKind[UserRecord]):
    """Replaces a user's row by key; only the newest of a key in one round is written."""

    name = "users"
    urgent = True

    def __init__(self, committed: Callable[[Sequence[UserRecord]], None] | None = None) -> None:
        self._on_committed = committed

    def create(self, database: Database) -> None:
        metadata.create_all(database)

    def write(self, conn: Connection, items: Sequence[UserRecord], retry: bool) -> None:
        newest = {item.key: item for item in items}
        for key, user in newest.items():
            conn.execute(delete(users_table).where(users_table.c.key == key))
            conn.execute(
                insert(users_table).values(
                    key=key,
                    name=user.name,
                    role=user.role.value,
                    password_hash=user.password_hash,
                    badge=user.badge,
                    enabled=user.enabled,
                    failures=user.failures,
                    locked_until=user.locked_until,
                    created_at=user.created_at,
                    changed_at=user.changed_at,
                )
            )

    def committed(self, items: Sequence[UserRecord]) -> None:
        if self._on_committed is not None:
            self._on_committed(items)


def load_users(database: Database) -> list[UserRecord]:
    """Every stored user (a direct read: start-up, the command line, sign-in)."""
    metadata.create_all(database)
    with database.connect() as conn:
        return [_record(row) for row in conn.execute(select(users_table))]


def load_user(database: Database, name: str) -> UserRecord | None:
    with database.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.key == user_key(name))).first()
    return None if row is None else _record(row)


class UserStore:
    """The users of this station (thread-safe)."""

    def __init__(self, gateway: DatabaseGateway) -> None:
        self.gateway = gateway
        self.kind = gateway.register(UserKind(self._committed))
        self._lock = threading.Lock()
        self._users = {user.key: user for user in load_users(gateway.db)}
        # Users written by us and not yet committed: the database is behind the copy there.
        self._unwritten: Counter[str] = Counter()

    def get(self, name: str) -> UserRecord | None:
        with self._lock:
            return self._users.get(user_key(name))

    def by_badge(self, digest: str) -> UserRecord | None:
        with self._lock:
            return next((u for u in self._users.values() if u.badge == digest), None)

    def all(self) -> list[UserRecord]:
        with self._lock:
            return sorted(self._users.values(), key=lambda u: u.key)

    def count(self) -> int:
        with self._lock:
            return len(self._users)

    def put(self, user: UserRecord) -> UserRecord:
        """Store ``user`` (replacing the one of the same name); returns at once."""
        user = replace(user, changed_at=time.time())
        with self._lock:
            self._users[user.key] = user
            self._unwritten[user.key] += 1
            self.gateway.submit(self.kind, [user])
        return user

    def _committed(self, items: Sequence[UserRecord]) -> None:
        with self._lock:
            for item in items:
                self._unwritten[item.key] -= 1
                if self._unwritten[item.key] <= 0:
                    del self._unwritten[item.key]

    def reload(self, name: str) -> UserRecord | None:
        """Re-read one user from the database (unless a write of ours is not committed yet:
        then our copy is the newer one)."""
        with self._lock:
            if user_key(name) in self._unwritten:
                return self._users.get(user_key(name))
        stored = load_user(self.gateway.db, name)
        with self._lock:
            if user_key(name) in self._unwritten:  # written meanwhile
                return self._users.get(user_key(name))
            if stored is None:
                self._users.pop(user_key(name), None)
            else:
                self._users[stored.key] = stored
        return stored
