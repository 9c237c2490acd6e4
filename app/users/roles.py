"""Roles and the permission matrix, as data (docs/SECURITY.md prints the same table).

A permission is an action name of :mod:`app.security`. A role grants a fixed set of them; a user
has exactly one role. The matrix is the only place that says who may do what: the core asks it
through :class:`app.users.policy.UserPolicy`, the GUI asks it to show what the user may do.
"""

from __future__ import annotations

from enum import StrEnum

from app import security as s


class Role(StrEnum):
    """The roles of a line workstation, least to most privileged."""

    OPERATOR = "operator"
    INSPECTOR = "inspector"
    MAINTENANCE = "maintenance"
    ENGINEER = "engineer"
    ADMIN = "admin"


#: Every permission the matrix knows, in the order the docs list them.
PERMISSIONS: tuple[str, ...] = (
    s.VIEW,
    s.ALARM_ACKNOWLEDGE,
    s.ALARM_SHELVE,
    s.ALARM_UNSHELVE,
    s.ALARM_OUT_OF_SERVICE,
    s.DEFECT_ENTER,
    s.DEFECT_DISPOSITION,
    s.DEFECT_VOID,
    s.CONFIG_EDIT,
    s.BASELINE_RELEARN,
    s.USERS_MANAGE,
    s.DEVICE_WRITE,
    s.AUDIT_VIEW,
    s.KIOSK_LEAVE,
    s.ORDER_RUN,
    s.ORDER_EDIT,
    s.SYNC_RETRY,
)

_OPERATOR = frozenset(
    {s.VIEW, s.ALARM_ACKNOWLEDGE, s.ALARM_SHELVE, s.ALARM_UNSHELVE, s.DEFECT_ENTER, s.ORDER_RUN}
)

#: Role -> the permissions it grants.
MATRIX: dict[Role, frozenset[str]] = {
    Role.OPERATOR: _OPERATOR,
    Role.INSPECTOR: frozenset(
        {
            s.VIEW,
            s.ALARM_ACKNOWLEDGE,
            s.DEFECT_ENTER,
            s.DEFECT_DISPOSITION,
            s.DEFECT_VOID,
            s.AUDIT_VIEW,
        }
    ),
    Role.MAINTENANCE: _OPERATOR
    | {s.ALARM_OUT_OF_SERVICE, s.BASELINE_RELEARN, s.DEVICE_WRITE, s.SYNC_RETRY},
    Role.ENGINEER: frozenset(PERMISSIONS) - {s.USERS_MANAGE},
    Role.ADMIN: frozenset(PERMISSIONS),
}


def role_named(text: str) -> Role:
    """The role called ``text`` (case-insensitive); ValueError naming the roles otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role '{text}' (roles: {known})") from None


def grants(role: Role, action: str) -> bool:
    """True when ``role`` may perform ``action``."""
    return action in MATRIX[role]


def roles_granting(action: str) -> list[Role]:
    """The roles that may perform ``action`` (for refusal messages)."""
    return [role for role in Role if action in MATRIX[role]]
