"""A station's users and audit trail on a real SQLite file, through a started gateway.

Passwords are hashed with argon2 at its smallest cost, so tests stay fast; the production
parameters are argon2-cffi's defaults (app.users.passwords).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from app.audit import AuditEntry, AuditFilter, AuditTrail, query
from app.security import Actor
from app.storage import DatabaseGateway
from app.users import (
    AuditingPolicy,
    Authenticator,
    Passwords,
    Role,
    Session,
    UserAdmin,
    UserPolicy,
    UserStore,
)
from tests.alarm_support import Clock, open_gateway

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
PASSWORD = "correct horse"


@dataclass
class Users:
    """Everything users and the audit trail need, wired as the station wires them."""

    gateway: DatabaseGateway
    clock: Clock
    audit: AuditTrail
    store: UserStore
    policy: UserPolicy
    guard: AuditingPolicy
    admin: UserAdmin
    auth: Authenticator

    def session(self, idle_timeout_s: float = 600.0) -> Session:
        return Session(self.auth, idle_timeout_s)

    def entries(self, **wanted: object) -> list[AuditEntry]:
        """Audit entries (oldest first) once everything submitted is committed."""
        assert self.gateway.flush()
        return list(reversed(query(self.gateway.db, AuditFilter(**wanted))))  # type: ignore[arg-type]


def make_users(db: Path, clock: Clock | None = None, *, with_staff: bool = True) -> Users:
    """A fresh user store; ``with_staff``: the first admin ``ada`` and one user per role."""
    clock = clock or Clock()
    gateway = open_gateway(db)
    audit = AuditTrail(gateway, "S1", clock)
    store = UserStore(gateway)
    policy = UserPolicy(store)
    guard = AuditingPolicy(policy, audit)
    admin = UserAdmin(store, policy, audit, FAST)
    auth = Authenticator(store, audit, FAST, clock, max_failures=3, lockout_s=300.0)
    users = Users(gateway, clock, audit, store, policy, guard, admin, auth)
    if with_staff:
        admin.add(None, "ada", Role.ADMIN, PASSWORD)
        ada = Actor.named("ada")
        for name, role in STAFF.items():
            if role is not Role.ADMIN:
                admin.add(ada, name, role, PASSWORD)
    return users


#: One user per role.
STAFF = {
    "olga": Role.OPERATOR,
    "ivan": Role.INSPECTOR,
    "max": Role.MAINTENANCE,
    "erin": Role.ENGINEER,
    "ada": Role.ADMIN,
}
