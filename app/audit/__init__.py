"""The tamper-evident audit trail: who did what, when, at which station (docs/SECURITY.md)."""

from app.audit.chain import Anchor, AuditEntry, VerifyResult
from app.audit.trail import SYSTEM, AuditFilter, AuditTrail, load_anchor, query, verify

__all__ = [
    "SYSTEM",
    "Anchor",
    "AuditEntry",
    "AuditFilter",
    "AuditTrail",
    "VerifyResult",
    "load_anchor",
    "query",
    "verify",
]
