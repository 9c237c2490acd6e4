"""Credentials: referenced from the config, never written in it, never logged.

A config value that needs a secret (today: the password of a ``storage.url`` for a database
server; later the broker and HTTPS credentials of the sync work) holds a *reference*:

* ``${env:NAME}``: the environment variable ``NAME``;
* ``${keyring:SERVICE/USER}``: the OS keyring (``keyring`` package: Windows Credential Manager,
  macOS Keychain, Secret Service).

:func:`plain_secret_problem` tells the config loader when a literal password is written instead.
Resolved secrets are registered with :class:`SecretFilter`, which the command line installs on
the log handlers, so a secret that finds its way into a message is masked. :func:`exposure`
warns about config and database files that other users of the machine can read.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

REFERENCE = re.compile(r"^\$\{(env|keyring):([^}]+)\}$")
MASK = "***"
#: Passwords inside URLs (``scheme://user:password@host``), masked in logs whatever they are.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+(@)")

_known: set[str] = set()
_known_lock = threading.Lock()


class SecretError(ValueError):
    """A reference that cannot be resolved (the message names it, never a secret)."""


def is_reference(value: str) -> bool:
    return REFERENCE.match(value.strip()) is not None


def _keyring_get(service: str, user: str) -> str | None:
    import keyring  # imported when used: the keyring backends are slow to discover

    try:
        return keyring.get_password(service, user)
    except Exception as exc:  # no backend, locked keyring ...: one clear sentence
        raise SecretError(f"keyring {service}/{user}: {type(exc).__name__}: {exc}") from None


def resolve(
    value: str,
    getenv: Callable[[str], str | None] = os.environ.get,
    keyring_get: Callable[[str, str], str | None] = _keyring_get,
) -> str:
    """The secret a reference names (a plain value is returned unchanged)."""
    match = REFERENCE.match(value.strip())
    if match is None:
        return value
    source, name = match.groups()
    if source == "env":
        secret = getenv(name)
        if secret is None:
            raise SecretError(f"the environment variable {name} is not set")
    else:
        service, _, user = name.partition("/")
        if not service or not user:
            raise SecretError(f"'{value}': a keyring reference is ${{keyring:SERVICE/USER}}")
        secret = keyring_get(service, user)
        if secret is None:
            raise SecretError(f"the keyring has no password for {service}/{user}")
    remember(secret)
    return secret


def resolve_url(text: str | URL, **kwargs: Callable[..., str | None]) -> URL:
    """A database URL whose password reference is replaced by the secret."""
    url = make_url(text) if isinstance(text, str) else text
    if url.password is not None and is_reference(str(url.password)):
        url = url.set(password=resolve(str(url.password), **kwargs))
    return url


def plain_secret_problem(url_text: str | None) -> str | None:
    """Why a URL in the config must not be used as written (a literal password), or None."""
    if not url_text:
        return None
    try:
        url = make_url(url_text)
    except (ArgumentError, ValueError):
        return None  # the database check reports a malformed URL
    if url.password is None or is_reference(str(url.password)):
        return None
    return (
        "the password must not be written in the config; "
        "use ${env:NAME} or ${keyring:SERVICE/USER} in its place"
    )


def remember(secret: str) -> None:
    """Mask ``secret`` in every log record from now on (short values are not worth masking:
    they would mask ordinary words)."""
    if len(secret) >= 4:
        with _known_lock:
            _known.add(secret)


def redact(text: str) -> str:
    """``text`` with every known secret and every URL password masked."""
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}\g<2>", text)
    with _known_lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class SecretFilter(logging.Filter):
    """Masks secrets in a record's rendered message (and its exception text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
        return True


def install_log_filter(logger: logging.Logger | None = None) -> SecretFilter:
    """Put a :class:`SecretFilter` on every handler of ``logger`` (default: the root)."""
    target = logger or logging.getLogger()
    secret_filter = SecretFilter()
    for handler in target.handlers:
        if not any(isinstance(f, SecretFilter) for f in handler.filters):
            handler.addFilter(secret_filter)
    return secret_filter


def exposure(path: Path) -> str | None:
    """A warning when ``path`` can be read by users other than its owner (POSIX), or None."""
    if os.name != "posix":
        return None  # NTFS ACLs: the per-user data directory is private by default
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        who = "everyone" if mode & (stat.S_IROTH | stat.S_IWOTH) else "its group"
        return (
            f"{path} can be read by {who} (mode {stat.S_IMODE(mode):04o}); "
            f"make it private: chmod 600 {path}"
        )
    return None


def exposure_warnings(paths: Iterable[Path | None]) -> list[str]:
    """:func:`exposure` of each existing path given."""
    return [w for p in paths if p is not None and (w := exposure(p)) is not None]
