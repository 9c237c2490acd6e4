"""Operator actions on alarms, as audit entries.

The alarm manager already stamps every operator action (acknowledge, shelve, unshelve, out of
service, back in service) on its transition with the actor and the comment, and hands the
transitions to its listeners after journaling them. This listener turns those into audit
entries, so the alarm code needs no audit call of its own. Transitions without an actor
(a shelve expiring, a condition clearing) are the system's, not a person's: not audited.
Refusals are audited by :class:`app.users.AuditingPolicy`.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.alarms.model import Transition, TransitionKind
from app.audit.trail import AuditTrail

#: Alarm event -> the audited action.
AUDITED = {
    TransitionKind.ACK: "alarm.acknowledge",
    TransitionKind.SHELVE: "alarm.shelve",
    TransitionKind.UNSHELVE: "alarm.unshelve",
    TransitionKind.OUT_OF_SERVICE: "alarm.out_of_service",
    TransitionKind.IN_SERVICE: "alarm.in_service",
}


class AlarmAuditor:
    """``manager.add_listener(AlarmAuditor(trail))``."""

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail

    def __call__(self, transitions: Sequence[Transition]) -> None:
        for t in transitions:
            action = AUDITED.get(t.event)
            if action is None or not t.actor:
                continue
            details = {
                "comment": t.comment,
                "state_before": str(t.previous),
                "state_after": str(t.state),
                "priority": t.priority.name.lower(),
                "alarm_time": t.timestamp,
            }
            self.trail.record(t.actor, action, t.alarm_id, details)
