"""Users, roles, sign-in and the permission checks built on them (docs/SECURITY.md)."""

from app.users.admin import UserAdmin, UserError
from app.users.passwords import Passwords, WeakPasswordError
from app.users.policy import AuditingPolicy, SignedInPolicy, UserPolicy
from app.users.roles import MATRIX, PERMISSIONS, Role, grants, role_named
from app.users.session import Authenticator, Session, SignInError
from app.users.store import UserRecord, UserStore

__all__ = [
    "MATRIX",
    "PERMISSIONS",
    "AuditingPolicy",
    "Authenticator",
    "Passwords",
    "Role",
    "Session",
    "SignInError",
    "SignedInPolicy",
    "UserAdmin",
    "UserError",
    "UserPolicy",
    "UserRecord",
    "UserStore",
    "WeakPasswordError",
    "grants",
    "role_named",
]
