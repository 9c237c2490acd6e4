"""The audit trail as CSV (the GUI's export and ``shopfloor audit list --csv``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from app.audit.chain import AuditEntry

COLUMNS = ("seq", "time_utc", "station", "actor", "action", "target", "outcome", "details", "hash")


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def _cell(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: keep them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(entries: Iterable[AuditEntry], out: TextIO) -> int:
    """Write a header and one row per entry; returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for e in entries:
        details = json.dumps(e.details, sort_keys=True, ensure_ascii=False)
        row = (e.seq, iso_utc(e.ts), e.station, e.actor, e.action, e.target, e.outcome, details)
        writer.writerow([_cell(str(v)) for v in row] + [e.hash])
        count += 1
    return count
