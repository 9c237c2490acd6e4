"""Password and badge hashing.

Passwords: argon2id (argon2-cffi, its RFC 9106 low-memory defaults). A hash carries its own
parameters, so stronger parameters later still verify old hashes (and :func:`needs_rehash`
says when to store a new one). Badge codes are looked up, not searched for, so they are stored
as a salted SHA-256 keyed by the station's badge salt: a leaked table does not give the codes
away outright, and a scan finds its user with one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class WeakPasswordError(ValueError):
    """The password is too short, too long or contains control characters."""


class Passwords:
    """Hashes and verifies passwords; ``hasher`` is injectable (fast parameters in tests)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        check_password(password)
        return self.hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        """True when ``password`` matches ``stored``; never raises for a wrong password."""
        if not stored:
            return False
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True


def check_password(password: str) -> None:
    """Raise :class:`WeakPasswordError` with the reason when ``password`` is unusable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if any(not ch.isprintable() for ch in password):
        raise WeakPasswordError("a password must not contain control characters")


def badge_digest(code: str, salt: str = "shopfloor-badge") -> str:
    """The stored form of a badge code (whitespace around the scanned code is ignored)."""
    return hmac.new(salt.encode(), code.strip().encode(), hashlib.sha256).hexdigest()
