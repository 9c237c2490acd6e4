"""The hash chain of the audit trail: canonical entries, their hashes, and the check.

Each entry's hash is SHA-256 over the previous entry's hash followed by the canonical JSON of
the entry (sorted keys, no spaces, UTF-8, its sequence number included). Editing an entry
changes its hash; deleting or reordering entries breaks a sequence number or a ``prev_hash``
link. Removing entries from the end leaves a shorter, valid chain: that is caught by the
*anchor* (the last sequence number and hash, stored apart from the rows; see
:mod:`app.audit.trail`). This module is pure: no database.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action, as stored (``seq``, ``prev_hash`` and ``hash`` set when chained)."""

    entry_id: str
    ts: float
    station: str
    actor: str
    action: str
    target: str = ""
    outcome: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """What the hash covers: everything but the hashes themselves."""
        return {
            "seq": self.seq,
            "entry_id": self.entry_id,
            "ts": self.ts,
            "station": self.station,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "outcome": self.outcome,
            "details": self.details,
        }


def plain_text(text: str) -> str:
    """``text`` as valid UTF-8 (a lone surrogate, e.g. from undecodable command-line bytes,
    becomes ``?``): an entry that cannot be hashed or stored would block the trail."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _plain(value: Any) -> Any:
    """JSON-safe: non-finite floats and unknown objects become text (the hash must not fail)."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {plain_text(str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, int | float | bool):
        return value
    return plain_text(str(value))


def plain_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """``details`` as stored: plain JSON values only."""
    return _plain(dict(details or {}))


def canonical(value: Any) -> str:
    """The one JSON text of ``value`` that the hash is computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 (hex) over the previous hash and the canonical JSON of the entry."""
    return hashlib.sha256((prev_hash + canonical(entry.body())).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head of the chain, stored apart from the entries: catches a truncated tail."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of :func:`verify`: ok, or the first broken entry and what is wrong."""

    ok: bool
    entries: int
    first_bad: int | None = None
    """Sequence number of the first entry that fails (or would follow the last one)."""
    problem: str = ""


def verify(
    entries: Iterable[AuditEntry], anchor: Anchor | None, known: Anchor | None = None
) -> VerifyResult:
    """Walk the chain in sequence order and check every link, then the anchor.

    ``known``: a head noted earlier and kept apart from the database (printed by ``audit
    verify``): the chain must still hold that entry with that hash, which catches a truncation
    even when the stored anchor was rewritten too.
    """
    prev = GENESIS
    expected = 1
    count = 0
    for entry in entries:
        if known is not None and entry.seq == known.seq and entry.hash != known.hash:
            return VerifyResult(
                False, count + 1, entry.seq, f"entry {entry.seq} differs from the known head"
            )
        count += 1
        if entry.seq != expected:
            what = "missing" if entry.seq > expected else "out of order or duplicated"
            return VerifyResult(
                False, count, expected, f"entry {expected} {what} (found entry {entry.seq} there)"
            )
        if entry.prev_hash != prev:
            return VerifyResult(
                False,
                count,
                entry.seq,
                f"entry {entry.seq} does not follow entry {entry.seq - 1} "
                "(previous hash differs: an entry was deleted, inserted or reordered)",
            )
        if entry_hash(prev, entry) != entry.hash:
            return VerifyResult(
                False, count, entry.seq, f"entry {entry.seq} was altered (its hash differs)"
            )
        prev = entry.hash
        expected += 1
    last = expected - 1
    if known is not None and known.seq > last:
        return VerifyResult(
            False,
            count,
            last + 1,
            f"entries {last + 1} to {known.seq} are missing (the known head is {known.seq})",
        )
    if anchor is None:
        if count:
            return VerifyResult(
                False, count, last, "the chain's anchor is missing (it was deleted or never saved)"
            )
        return VerifyResult(True, 0)
    if anchor.seq > last:
        return VerifyResult(
            False,
            count,
            last + 1,
            f"entries {last + 1} to {anchor.seq} are missing (the tail was truncated)",
        )
    if anchor.seq < last:
        return VerifyResult(
            False,
            count,
            anchor.seq + 1,
            f"entries after {anchor.seq} are not covered by the anchor",
        )
    if anchor.hash != prev:
        return VerifyResult(False, count, last, f"entry {last} differs from the anchor's hash")
    return VerifyResult(True, count)
