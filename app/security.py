"""Who is acting, and may they do this?

The alarm code and device writes ask only :meth:`AccessPolicy.may` (or :func:`require`) with an
:class:`Actor` and an action name. Today :class:`StationUserPolicy` lets any named station user
acknowledge and shelve, and users with the engineer or supervisor role write to devices.
:class:`app.users.UserPolicy` decides from signed-up users, their roles and the permission
matrix (:mod:`app.users.roles`) without touching callers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

#: Actions the alarm system asks about.
ALARM_ACKNOWLEDGE = "alarm.acknowledge"
ALARM_SHELVE = "alarm.shelve"
ALARM_UNSHELVE = "alarm.unshelve"
ALARM_OUT_OF_SERVICE = "alarm.out_of_service"
#: Writing to devices: setpoints, acknowledging a machine's fault ("write to devices").
DEVICE_WRITE = "device.write"
#: Seeing the station's screens (everyone signed in; nobody signed in sees them read-only).
VIEW = "view"
#: Quality: entering defects, dispositioning and voiding them.
DEFECT_ENTER = "defect.enter"
DEFECT_DISPOSITION = "defect.disposition"
DEFECT_VOID = "defect.void"
#: Changing limits and the station config.
CONFIG_EDIT = "config.edit"
#: Forgetting the learned detector baselines of a machine.
BASELINE_RELEARN = "baseline.relearn"
#: Adding users, changing their roles, disabling them, resetting passwords.
USERS_MANAGE = "users.manage"
#: Reading the audit trail.
AUDIT_VIEW = "audit.view"
#: Work orders: running one on a machine and completing it; adding, importing, cancelling.
ORDER_RUN = "order.run"
ORDER_EDIT = "order.edit"
#: Leaving the full-screen kiosk window of an operator station.
KIOSK_LEAVE = "kiosk.leave"
#: Sending again the sync messages a sink gave up on (refused by the broker or platform).
SYNC_RETRY = "sync.retry"

#: Role that may take alarms out of service under the station policy.
SUPERVISOR = "supervisor"
#: Role that may write to devices (so may a supervisor) under the station policy.
ENGINEER = "engineer"
#: Role that may void defects (so may a supervisor) under the station policy.
QUALITY = "quality"

MAX_NAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or the system itself) acting at this station."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        name = self.name.strip()
        if not name:
            raise ValueError("a user name is required")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"user name is longer than {MAX_NAME_LENGTH} characters")
        if any(not ch.isprintable() for ch in name):
            raise ValueError("user name contains control characters")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "roles", frozenset(self.roles))

    @classmethod
    def named(cls, name: str, roles: Iterable[str] = ()) -> Actor:
        """``Actor.named("anna", ["supervisor"])``."""
        return cls(name, frozenset(roles))


class AccessDenied(PermissionError):
    """The actor may not perform the action; the message says who, what and why."""

    def __init__(self, actor: Actor, action: str, reason: str = "") -> None:
        self.actor = actor
        self.action = action
        self.reason = reason
        text = f"{actor.name} may not perform '{action}'"
        super().__init__(f"{text}: {reason}" if reason else text)


@runtime_checkable
class AccessPolicy(Protocol):
    """Decides whether an actor may perform an action."""

    def may(self, actor: Actor, action: str) -> bool:
        """True when ``actor`` may perform ``action``."""
        ...

    def why_not(self, actor: Actor, action: str) -> str:
        """A short reason for a refusal (empty when allowed)."""
        ...


class StationUserPolicy:
    """Any named station user may acknowledge, shelve and unshelve alarms.

    ``users`` restricts the accepted names (None accepts any name typed at the station);
    taking alarms out of service needs one of ``privileged_roles``, writing to devices one of
    ``writer_roles``.
    """

    OPEN_ACTIONS = frozenset(
        {ALARM_ACKNOWLEDGE, ALARM_SHELVE, ALARM_UNSHELVE, DEFECT_ENTER, DEFECT_DISPOSITION}
    )

    def __init__(
        self,
        users: Collection[str] | None = None,
        privileged_roles: Collection[str] = (SUPERVISOR,),
        writer_roles: Collection[str] = (SUPERVISOR, ENGINEER),
    ) -> None:
        self.users = None if users is None else frozenset(u.strip().casefold() for u in users)
        self.privileged_roles = frozenset(privileged_roles)
        self.writer_roles = frozenset(writer_roles)

    def why_not(self, actor: Actor, action: str) -> str:
        """A short reason for a refusal (empty when allowed)."""
        if self.users is not None and actor.name.casefold() not in self.users:
            return "not a user of this station"
        if action in self.OPEN_ACTIONS:
            return ""
        if action == ALARM_OUT_OF_SERVICE:
            if actor.roles & self.privileged_roles:
                return ""
            roles = ", ".join(sorted(self.privileged_roles))
            return f"needs the role {roles}"
        if action == DEVICE_WRITE:
            if actor.roles & self.writer_roles:
                return ""
            return f"needs one of the roles {', '.join(sorted(self.writer_roles))}"
        if action == DEFECT_VOID:
            if actor.roles & {SUPERVISOR, QUALITY}:
                return ""
            return f"needs one of the roles {QUALITY}, {SUPERVISOR}"
        return "unknown action"

    def may(self, actor: Actor, action: str) -> bool:
        """True when ``actor`` may perform ``action``."""
        return not self.why_not(actor, action)


def require(policy: AccessPolicy, actor: Actor, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``policy`` lets ``actor`` perform ``action``."""
    if not policy.may(actor, action):
        raise AccessDenied(actor, action, policy.why_not(actor, action))
