"""The runtime state of one alarm: orthogonal flags from which the ISA-18.2 state is derived.

Keeping flags (condition, acknowledged, latched, shelved, suppressed, out of service) rather
than one state variable makes every combination well defined: a shelved alarm still follows its
condition underneath, so unshelving shows exactly what the process is doing now.
"""

from __future__ import annotations

from typing import Any

from app.alarms.model import AlarmDefinition, AlarmState, AlarmView, ShelveInfo


class AlarmRecord:
    """Mutable state of one alarm; owned by the manager and changed only under its lock."""

    __slots__ = (
        "ack_comment",
        "acked",
        "acked_by",
        "active_since",
        "comm",
        "condition",
        "definition",
        "design",
        "detail",
        "eval_index",
        "last_change",
        "last_seen",
        "latched_hold",
        "oos",
        "pending",
        "shelve",
        "text",
        "value",
    )

    def __init__(self, definition: AlarmDefinition, eval_index: int | None = None) -> None:
        self.definition = definition
        self.eval_index = eval_index
        self.condition = False
        """The process condition, after on/off delays."""
        self.acked = True
        """The current occurrence is acknowledged (True while nothing happened)."""
        self.latched_hold = False
        self.shelve: ShelveInfo | None = None
        self.design = False
        self.comm = False
        self.oos: str | None = None
        """Who took the alarm out of service."""
        self.value: float | None = None
        self.text = definition.message
        """What the alarm says now (a comm loss names its fault, an anomaly its explanation)."""
        self.detail = ""
        """Technical detail of the last raise (a driver's own error text), for the detail
        dialog only."""
        self.active_since: float | None = None
        self.last_change: float | None = None
        self.last_seen: float | None = None
        self.acked_by: str | None = None
        self.ack_comment = ""
        self.pending: tuple[bool, float, float | None] | None = None
        """(target condition, due time, value) while an on/off delay runs."""

    @property
    def hidden(self) -> bool:
        """Not annunciated whatever the process does."""
        return self.oos is not None or self.shelve is not None or self.design or self.comm

    @property
    def state(self) -> AlarmState:
        """What the operator sees."""
        if self.oos is not None:
            return AlarmState.OUT_OF_SERVICE
        if self.shelve is not None:
            return AlarmState.SHELVED
        if self.design or self.comm:
            return AlarmState.SUPPRESSED
        if self.condition:
            return AlarmState.ACKED if self.acked else AlarmState.UNACK
        if self.latched_hold:
            return AlarmState.LATCHED
        return AlarmState.NORMAL if self.acked else AlarmState.RTN_UNACK

    def settle_after_unhide(self) -> None:
        """An alarm shown again while its condition is normal starts from normal."""
        if not self.hidden and not self.condition:
            self.acked = True
            self.latched_hold = False

    # -- persistence ------------------------------------------------------------------------

    def flags(self) -> dict[str, Any]:
        """Everything needed to restore this alarm, JSON-serialisable."""
        d = self.definition
        shelve = None
        if self.shelve is not None:
            s = self.shelve
            shelve = {
                "actor": s.actor,
                "reason": s.reason,
                "since": s.since,
                "until": s.until,
                "one_shot": s.one_shot,
            }
        return {
            "kind": d.kind.value,
            "condition": self.condition,
            "acked": self.acked,
            "latched_hold": self.latched_hold,
            "shelve": shelve,
            "design": self.design,
            "comm": self.comm,
            "oos": self.oos,
            "active_since": self.active_since,
            "acked_by": self.acked_by,
            "ack_comment": self.ack_comment,
            "response": d.response,
            "detail": self.detail,
        }

    def restore(self, flags: dict[str, Any], last_change: float, value: float | None) -> None:
        """Take the state saved by :meth:`flags`."""
        self.condition = bool(flags.get("condition", False))
        self.acked = bool(flags.get("acked", True))
        self.latched_hold = bool(flags.get("latched_hold", False))
        shelve = flags.get("shelve")
        self.shelve = ShelveInfo(**shelve) if isinstance(shelve, dict) else None
        self.design = bool(flags.get("design", False))
        self.comm = bool(flags.get("comm", False))
        oos = flags.get("oos")
        self.oos = str(oos) if oos else None
        since = flags.get("active_since")
        self.active_since = float(since) if since is not None else None
        self.acked_by = flags.get("acked_by")
        self.ack_comment = str(flags.get("ack_comment") or "")
        self.detail = str(flags.get("detail") or "")
        self.last_change = last_change
        self.value = value

    def view(self) -> AlarmView:
        """A read-only copy for other threads."""
        d = self.definition
        return AlarmView(
            alarm_id=d.alarm_id,
            device=d.device,
            tag=d.tag,
            condition=d.condition,
            kind=d.kind,
            priority=d.priority,
            state=self.state,
            message=self.text,
            response=d.response,
            tag_id=d.tag_id,
            value=self.value,
            active_since=self.active_since,
            last_change=self.last_change,
            acked_by=self.acked_by,
            ack_comment=self.ack_comment,
            shelve=self.shelve,
            suppressed_by="comm" if self.comm else ("design" if self.design else ""),
            out_of_service_by=self.oos,
            detail=self.detail,
        )
