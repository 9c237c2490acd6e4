"""Defect actions by people are audit entries too (issue 12): entered, edited with before and
after, voided with the reason; all in one verified hash chain on a real SQLite file."""

from __future__ import annotations

from app.audit import AuditFilter, AuditTrail, query, verify
from app.config_loader import load_config
from app.quality.model import Disposition
from app.quality.service import QualityService
from app.security import Actor, StationUserPolicy
from app.storage import DatabaseGateway, open_database
from resources import DEMO_CONFIG
from tests.test_quality_store import all_defects, draft


def test_entered_edited_and_voided_defects_are_audited(sqlite_url: str) -> None:
    gateway = DatabaseGateway(open_database(sqlite_url))
    gateway.start()
    try:
        trail = AuditTrail(gateway, "S1")
        service = QualityService(
            load_config(DEMO_CONFIG), gateway, StationUserPolicy(), audit=trail
        )
        anna = Actor.named("anna")
        supervisor = Actor.named("sam", ["supervisor"])
        made = service.add_defect(anna, draft())
        (stored,) = all_defects(service)
        service.edit(anna, stored, {"disposition": Disposition.REWORK})
        (edited,) = all_defects(service)
        service.void(supervisor, edited, "entered on the wrong serial")
        assert gateway.flush()
        entries = list(reversed(query(gateway.db, AuditFilter(since=0.0, action="defect."))))
        assert verify(gateway.db).ok
    finally:
        gateway.close()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("anna", "defect.enter", made.uid),
        ("anna", "defect.edit", made.uid),
        ("sam", "defect.void", made.uid),
    ]
    assert entries[0].details == {"machine": "leaktest", "serial": made.serial, "code": "LEAK"}
    assert entries[1].details == {
        "after": {"disposition": "rework"},
        "before": {"disposition": "pending"},
    }
    assert entries[2].details["after"]["void_reason"] == "entered on the wrong serial"
