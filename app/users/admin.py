"""Managing users: the core API behind ``shopfloor users`` and the GUI's users dialog.

Every change needs the ``users.manage`` permission, except creating the very first user, who
must be an admin (there is no default account and no default password). Every change, and every
refused attempt, is an audit entry; a password or badge never appears in one.
"""

from __future__ import annotations

import time
from dataclasses import replace

from app import security
from app.audit import SYSTEM, AuditTrail
from app.security import AccessDenied, AccessPolicy, Actor
from app.users.passwords import Passwords, badge_digest
from app.users.roles import Role
from app.users.store import UserRecord, UserStore


class UserError(ValueError):
    """A user change that cannot be made (unknown user, duplicate, last admin ...)."""


class UserAdmin:
    """Adds and changes users, checking the actor's permission and auditing each change."""

    def __init__(
        self,
        store: UserStore,
        policy: AccessPolicy,
        audit: AuditTrail,
        passwords: Passwords | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.audit = audit
        self.passwords = passwords or Passwords()

    @property
    def first_run(self) -> bool:
        """No user exists: the next :meth:`add` creates the first admin, with no actor."""
        return self.store.count() == 0

    def require(self, actor: Actor | None, action: str, target: str) -> None:
        """AccessDenied (and a ``denied`` audit entry) unless ``actor`` may manage users."""
        if actor is None:
            self.audit.record(None, action, target, outcome="denied", details={"reason": "no user"})
            raise AccessDenied(Actor.named(SYSTEM), action, "nobody is signed in")
        if not self.policy.may(actor, security.USERS_MANAGE):
            reason = self.policy.why_not(actor, security.USERS_MANAGE)
            self.audit.record(actor, action, target, outcome="denied", details={"reason": reason})
            raise AccessDenied(actor, action, reason)

    def _existing(self, name: str) -> UserRecord:
        user = self.store.get(name)
        if user is None:
            raise UserError(f"no user named '{name}'")
        return user

    def add(
        self,
        actor: Actor | None,
        name: str,
        role: Role,
        password: str,
        badge: str | None = None,
    ) -> UserRecord:
        """Create a user; ``actor`` None only on the first run, for the first admin."""
        clean = Actor.named(name).name  # same rules as any actor's name
        if self.first_run and actor is None:
            if role is not Role.ADMIN:
                raise UserError("the first user must be an admin (--role admin)")
        else:
            self.require(actor, "user.add", clean)
        if self.store.get(clean) is not None:
            raise UserError(f"a user named '{clean}' exists already")
        digest = self._free_badge(badge, clean)
        now = time.time()
        user = UserRecord(clean, role, self.passwords.hash(password), digest, created_at=now)
        self.store.put(user)
        details = {"role": role.value, "badge": digest is not None, "first_admin": actor is None}
        self.audit.record(actor, "user.add", clean, details)
        return user

    def _free_badge(self, badge: str | None, name: str) -> str | None:
        if badge is None or not badge.strip():
            return None
        digest = badge_digest(badge)
        owner = self.store.by_badge(digest)
        if owner is not None and owner.key != name.casefold():
            raise UserError("that badge belongs to another user")
        return digest

    def set_role(self, actor: Actor | None, name: str, role: Role) -> UserRecord:
        self.require(actor, "user.set_role", name)
        user = self._existing(name)
        if user.role is Role.ADMIN and role is not Role.ADMIN:
            self._keep_an_admin(user)
        changed = self.store.put(replace(user, role=role))
        self.audit.record(
            actor, "user.set_role", user.name, {"before": user.role.value, "after": role.value}
        )
        return changed

    def set_enabled(self, actor: Actor | None, name: str, enabled: bool) -> UserRecord:
        action = "user.enable" if enabled else "user.disable"
        self.require(actor, action, name)
        user = self._existing(name)
        if not enabled and user.role is Role.ADMIN:
            self._keep_an_admin(user)
        changed = self.store.put(replace(user, enabled=enabled, failures=0, locked_until=None))
        self.audit.record(actor, action, user.name, {"before": user.enabled, "after": enabled})
        return changed

    def reset_password(self, actor: Actor | None, name: str, password: str) -> UserRecord:
        """New password; also lifts a lockout."""
        self.require(actor, "user.reset_password", name)
        user = self._existing(name)
        hashed = self.passwords.hash(password)
        changed = self.store.put(replace(user, password_hash=hashed, failures=0, locked_until=None))
        self.audit.record(actor, "user.reset_password", user.name)
        return changed

    def set_badge(self, actor: Actor | None, name: str, badge: str | None) -> UserRecord:
        self.require(actor, "user.set_badge", name)
        user = self._existing(name)
        changed = self.store.put(replace(user, badge=self._free_badge(badge, user.name)))
        self.audit.record(actor, "user.set_badge", user.name, {"badge": changed.badge is not None})
        return changed

    def _keep_an_admin(self, leaving: UserRecord) -> None:
        others = [
            u
            for u in self.store.all()
            if u.role is Role.ADMIN and u.enabled and u.key != leaving.key
        ]
        if not others:
            raise UserError(f"'{leaving.name}' is the last enabled admin of this station")
