"""Signing in and out: passwords, badges, lockout and the idle sign-out.

:class:`Authenticator` checks credentials (argon2 takes tens of milliseconds and may re-read the
user from the database: call it off the GUI thread). After ``max_failures`` wrong passwords in a
row a user is locked for ``lockout_s``; the count and the lock are stored with the user, so a
restart does not lift them. :class:`Session` is who is signed in at this workstation now; it
signs out by itself after ``idle_timeout_s`` without activity. Both take a clock, so tests
control time. Every sign-in, failure, lock and sign-out is an audit entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from app.audit import AuditTrail
from app.security import MAX_NAME_LENGTH, Actor
from app.users.passwords import Passwords, badge_digest
from app.users.store import UserRecord, UserStore

Clock = Callable[[], float]


class SignInError(Exception):
    """Sign-in refused; the message is safe to show (it never says which part was wrong)."""

    def __init__(self, message: str, locked_until: float | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


WRONG = "wrong user name or password"


def _shown_name(name: str) -> str:
    """A typed name as it may appear in the audit trail (printable, bounded)."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name.strip())
    return text[:MAX_NAME_LENGTH] or "?"


class Authenticator:
    """Checks passwords and badges against the user store."""

    def __init__(
        self,
        store: UserStore,
        audit: AuditTrail,
        passwords: Passwords | None = None,
        clock: Clock = time.time,
        max_failures: int = 5,
        lockout_s: float = 300.0,
    ) -> None:
        self.store = store
        self.audit = audit
        self.passwords = passwords or Passwords()
        self.clock = clock
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._lock = threading.Lock()  # one check at a time: failure counts stay exact

    def sign_in(self, name: str, password: str) -> Actor:
        """The signed-in actor; :class:`SignInError` when refused."""
        with self._lock:
            user = self.store.reload(name)
            now = self.clock()
            if user is None:
                self._fail(None, _shown_name(name), "unknown user")
                raise SignInError(WRONG)
            self._check_usable(user, now)
            if not self.passwords.verify(user.password_hash, password):
                self._wrong_password(user, now)
            return self._success(user, "password")

    def sign_in_badge(self, code: str) -> Actor:
        """Sign in by a scanned badge code (no password)."""
        with self._lock:
            user = self.store.by_badge(badge_digest(code)) if code.strip() else None
            now = self.clock()
            if user is None:
                self.audit.record(None, "signin", outcome="failed", details={"reason": "badge"})
                raise SignInError("unknown badge")
            self._check_usable(user, now)
            return self._success(user, "badge")

    def _check_usable(self, user: UserRecord, now: float) -> None:
        if not user.enabled:
            self._fail(user, user.name, "disabled")
            raise SignInError(f"the user {user.name} is disabled")
        if user.locked_until is not None and now < user.locked_until:
            self._fail(user, user.name, "locked")
            raise SignInError(
                f"{user.name} is locked after repeated failures; try again later",
                user.locked_until,
            )

    def _wrong_password(self, user: UserRecord, now: float) -> None:
        failures = user.failures + 1
        locked_until = None
        if failures >= self.max_failures:
            locked_until = now + self.lockout_s
        self.store.put(replace(user, failures=failures, locked_until=locked_until))
        self._fail(user, user.name, "wrong password", failures)
        if locked_until is not None:
            self.audit.record(
                user.name, "signin.locked", user.name, {"failures": failures, "until": locked_until}
            )
            raise SignInError(
                f"{user.name} is locked for {self.lockout_s / 60:g} min after {failures} failures",
                locked_until,
            )
        raise SignInError(WRONG)

    def _fail(self, user: UserRecord | None, name: str, reason: str, failures: int = 0) -> None:
        details: dict[str, object] = {"reason": reason}
        if failures:
            details["failures"] = failures
        self.audit.record(name, "signin", outcome="failed", details=details)

    def _success(self, user: UserRecord, method: str) -> Actor:
        if user.failures or user.locked_until is not None:
            user = self.store.put(replace(user, failures=0, locked_until=None))
        self.audit.record(user.name, "signin", details={"method": method, "role": user.role.value})
        return Actor.named(user.name, [user.role.value])


class Session:
    """Who is signed in at this workstation; nobody means view-only."""

    def __init__(
        self,
        authenticator: Authenticator,
        idle_timeout_s: float = 900.0,
        clock: Clock | None = None,
    ) -> None:
        self.auth = authenticator
        self.idle_timeout_s = idle_timeout_s
        self.clock = clock or authenticator.clock
        self._actor: Actor | None = None
        self._last_activity = 0.0
        self._lock = threading.Lock()

    @property
    def actor(self) -> Actor | None:
        """The signed-in user, or None (signs out first when idle too long)."""
        self.check_idle()
        with self._lock:
            return self._actor

    def sign_in(self, name: str, password: str) -> Actor:
        actor = self.auth.sign_in(name, password)
        self._start(actor)
        return actor

    def sign_in_badge(self, code: str) -> Actor:
        actor = self.auth.sign_in_badge(code)
        self._start(actor)
        return actor

    def _start(self, actor: Actor) -> None:
        with self._lock:
            previous, self._actor = self._actor, actor
            self._last_activity = self.clock()
        if previous is not None and previous != actor:
            self.auth.audit.record(previous, "signout", details={"reason": "replaced"})

    def touch(self) -> None:
        """The user did something: the idle time starts again."""
        with self._lock:
            if self._actor is not None:
                self._last_activity = self.clock()

    def sign_out(self, reason: str = "user") -> None:
        with self._lock:
            actor, self._actor = self._actor, None
        if actor is not None:
            self.auth.audit.record(actor, "signout", details={"reason": reason})

    def check_idle(self) -> bool:
        """Sign out when idle for ``idle_timeout_s``; True when that happened now."""
        with self._lock:
            idle = (
                self._actor is not None
                and self.clock() - self._last_activity >= self.idle_timeout_s
            )
        if idle:
            self.sign_out("idle")
        return idle
