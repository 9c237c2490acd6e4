"""Permission checks from the user store and the permission matrix.

:class:`UserPolicy` implements :class:`app.security.AccessPolicy`: the actor's name must be an
enabled user of this station, and the user's *stored* role must grant the action (roles an
``Actor`` claims are ignored: they could be typed by anyone). The core services call it through
:func:`app.security.require`; :class:`AuditingPolicy` wraps it for them so that every refusal is
also an audit entry. Views ask the plain :class:`UserPolicy` to show what a user may do.
"""

from __future__ import annotations

from app import security
from app.audit import AuditTrail
from app.security import AccessPolicy, Actor, StationUserPolicy
from app.users.roles import grants, roles_granting
from app.users.session import Session
from app.users.store import UserStore, user_key

#: What a station with no users yet allows (before the first admin is created), beside the
#: alarm and device rules of :class:`StationUserPolicy`: the way the station worked before users
#: (work orders included, so a station can run orders before anyone sets up users).
OPEN_STATION_EXTRA = frozenset(
    {
        security.VIEW,
        security.BASELINE_RELEARN,
        security.AUDIT_VIEW,
        security.ORDER_RUN,
        security.ORDER_EDIT,
    }
)


class UserPolicy:
    """Decides from the stored users and :data:`app.users.roles.MATRIX`.

    ``open_until_first_user``: while the store has no user at all, decide as the old
    :class:`StationUserPolicy` did (any typed name acknowledges and shelves), so a station
    keeps working until its first admin is created; from then on only users count.
    """

    def __init__(self, store: UserStore, open_until_first_user: bool = False) -> None:
        self.store = store
        self.open_until_first_user = open_until_first_user
        self._open = StationUserPolicy()

    @property
    def enforcing(self) -> bool:
        """True once users decide (always, unless the station is open until its first user)."""
        return not self.open_until_first_user or self.store.count() > 0

    def why_not(self, actor: Actor, action: str) -> str:
        if not self.enforcing:
            return "" if action in OPEN_STATION_EXTRA else self._open.why_not(actor, action)
        user = self.store.get(actor.name)
        if user is None:
            return "not a user of this station"
        if not user.enabled:
            return "the user is disabled"
        if grants(user.role, action):
            return ""
        allowed = ", ".join(r.value for r in roles_granting(action)) or "no role"
        return f"the role {user.role.value} does not allow it (allowed: {allowed})"

    def may(self, actor: Actor, action: str) -> bool:
        return not self.why_not(actor, action)


class SignedInPolicy:
    """``inner``, and the actor must be the user signed in at this workstation now.

    The station's services (alarm actions, relearn) take the actor from their caller; a typed
    name of an existing user must not be enough to act as that user. While the station is open
    (no users yet) this adds nothing.
    """

    def __init__(self, inner: UserPolicy, session: Session) -> None:
        self.inner = inner
        self.session = session

    def why_not(self, actor: Actor, action: str) -> str:
        reason = self.inner.why_not(actor, action)
        if reason or not self.inner.enforcing:
            return reason
        current = self.session.actor
        if current is None:
            return "nobody is signed in at this station"
        if user_key(current.name) != user_key(actor.name):
            return f"{current.name} is signed in at this station, not {actor.name}"
        return ""

    def may(self, actor: Actor, action: str) -> bool:
        return not self.why_not(actor, action)


class AuditingPolicy:
    """``inner``, plus an audit entry (outcome ``denied``) for every refusal it gives."""

    def __init__(self, inner: AccessPolicy, audit: AuditTrail) -> None:
        self.inner = inner
        self.audit = audit

    def why_not(self, actor: Actor, action: str) -> str:
        return self.inner.why_not(actor, action)

    def may(self, actor: Actor, action: str) -> bool:
        if self.inner.may(actor, action):
            return True
        reason = self.inner.why_not(actor, action)
        self.audit.record(actor, action, outcome="denied", details={"reason": reason})
        return False
