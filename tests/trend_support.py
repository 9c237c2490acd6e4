"""Alarm transitions and defects for the trend's markers, written into a real SQLite file
through the production gateway (the alarm journal's and the quality store's write kinds)."""

from __future__ import annotations

from collections.abc import Sequence

from app.alarms.journal import AlarmJournal
from app.alarms.model import AlarmState, Priority, Transition, TransitionKind, custom_message
from app.quality.model import Defect
from app.quality.store import QualityKind
from app.storage import DatabaseGateway, open_database

#: (time, alarm id, raise or clear, priority)
AlarmRow = tuple[float, str, TransitionKind, Priority]
#: (time, code, severity)
DefectRow = tuple[float, str, str]


def transition(seq: int, row: AlarmRow) -> Transition:
    t, alarm_id, event, priority = row
    raised = event == TransitionKind.RAISE
    device, _, rest = alarm_id.partition(".")
    return Transition(
        seq=seq,
        timestamp=t,
        alarm_id=alarm_id,
        event=event,
        state=AlarmState.UNACK if raised else AlarmState.RTN_UNACK,
        previous=AlarmState.NORMAL if raised else AlarmState.UNACK,
        priority=priority,
        device=device,
        tag=rest.split(".")[0] or None,
        condition="hi",
        message=custom_message(f"{alarm_id} over its limit"),
        value=123.0 if raised else 99.0,
    )


def defect(index: int, row: DefectRow) -> Defect:
    t, code, severity = row
    return Defect(
        uid=f"trend{index:08d}",
        ts=t,
        station="S1",
        line="L1",
        machine="press",
        part_number="EVH-220",
        serial=f"EVH220-2611-{index:06d}",
        code=code,
        severity=severity,
        disposition="scrap",
        inspector="anna",
    )


def write_marks(url: str, alarms: Sequence[AlarmRow], defects: Sequence[DefectRow]) -> None:
    """Journal ``alarms`` and store ``defects`` in the database at ``url``; returns once they
    are committed."""
    gateway = DatabaseGateway(open_database(url))
    journal = AlarmJournal(gateway)
    quality = gateway.register(QualityKind())
    gateway.start()
    try:
        for start in range(0, len(alarms), 5000):
            part = alarms[start : start + 5000]
            journal.submit([transition(start + i + 1, row) for i, row in enumerate(part)])
        gateway.submit(quality, [defect(i, row) for i, row in enumerate(defects)])
        assert gateway.flush(30.0)
        assert journal.wait_journaled(30.0)
    finally:
        journal.close()
        gateway.close()
