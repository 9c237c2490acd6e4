"""Export of filtered defects to CSV and XLSX (openpyxl, write-only: bounded memory).

Rows are read page by page (the same query as the history view), so a million defects export
without holding them all in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from app.config.quality import QualityConfig
from app.quality.model import Defect
from app.quality.queries import DefectFilter, defect_page
from app.storage.database import Database

PAGE = 5000
HEADER = (
    "id",
    "time",
    "station",
    "line",
    "shift",
    "machine",
    "part_number",
    "serial",
    "code",
    "defect_en",
    "defect_ko",
    "severity",
    "disposition",
    "inspector",
    "notes",
    "measured",
    "photos",
    "source",
    "voided",
    "void_reason",
)


def iter_defects(database: Database, where: DefectFilter) -> Iterator[Defect]:
    """Every matching defect, oldest first, read a page at a time."""
    offset = 0
    while True:
        page = defect_page(database, where, offset, PAGE, descending=False)
        yield from page
        if len(page) < PAGE:
            return
        offset += len(page)


def local_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def row_of(defect: Defect, quality: QualityConfig | None) -> list[str | int | float]:
    entry = quality.code(defect.code) if quality is not None else None
    measured = "; ".join(f"{k}={v:g}" for k, v in defect.measured.items())
    return [
        defect.id,
        local_iso(defect.ts),
        defect.station,
        defect.line,
        defect.shift,
        defect.machine,
        defect.part_number,
        defect.serial,
        defect.code,
        entry.en if entry is not None else "",
        entry.ko if entry is not None else "",
        defect.severity,
        defect.disposition,
        defect.inspector,
        defect.notes,
        measured,
        "; ".join(defect.photos),
        defect.source,
        int(defect.voided),
        defect.void_reason,
    ]


def write_csv(
    database: Database, where: DefectFilter, out: IO[str], quality: QualityConfig | None = None
) -> int:
    """Write the matching defects as CSV (UTF-8, header row); returns the rows written."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    count = 0
    for defect in iter_defects(database, where):
        writer.writerow(row_of(defect, quality))
        count += 1
    return count


def write_xlsx(
    database: Database, where: DefectFilter, path: Path, quality: QualityConfig | None = None
) -> int:
    """Write the matching defects to an XLSX workbook (sheet "Defects"); returns the rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Defects")
    sheet.append(list(HEADER))
    count = 0
    for defect in iter_defects(database, where):
        sheet.append([_cell(v) for v in row_of(defect, quality)])
        count += 1
    book.save(path)
    return count


def _cell(value: str | int | float) -> str | int | float:
    # A text starting with "=" would be a formula in the sheet: keep notes as text.
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value
