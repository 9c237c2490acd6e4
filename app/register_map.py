"""Import a device's register map (the tag list a PLC programmer hands over) from CSV or XLSX.

The first row names the columns (any case, any order): ``name`` and ``address`` are required;
``type``, ``table``, ``unit``, ``description``, ``scale``, ``offset``, ``byte_order``, ``bit``,
``length``, ``display_min``, ``display_max``, ``decimals``, ``poll_group`` and ``key`` are
optional, and empty cells mean the default. Each row is checked by the same schema and driver
as a station file (a one-tag station with the chosen driver), so a row that imports is a tag
that loads. A bad row is reported with its line number and column and skipped; the good rows
are kept.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import ConfigError
from app.config_loader import parse_config

#: Column -> how a cell becomes a config value.
_TEXT = ("name", "type", "table", "unit", "description", "byte_order", "poll_group", "field")
_INT = ("address", "bit", "length", "decimals")
_FLOAT = ("scale", "offset", "display_min", "display_max")
_BOOL = ("key",)
COLUMNS = (*_TEXT, *_INT, *_FLOAT, *_BOOL)
REQUIRED = ("name", "address")
_TRUE = {"1", "true", "yes", "y", "x", "예"}
_FALSE = {"0", "false", "no", "n", "", "아니요"}

#: Called with (rows done, rows in all); returns False to stop (the user cancelled).
ProgressCallback = Callable[[int, int], bool]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row of the file was not imported."""

    line: int
    """1-based line (CSV) or row (XLSX) number, as a spreadsheet shows it."""
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(slots=True)
class RegisterMap:
    """The tags that imported, and every row that did not."""

    tags: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    cancelled: bool = False

    def report(self) -> str:
        """The problems, one per line (empty when there are none)."""
        return "\n".join(str(p) for p in self.problems)


class RegisterMapError(ValueError):
    """The file as a whole cannot be read (missing, not a table, no header)."""


def read_register_map(
    path: str | Path,
    driver: str = "modbus-tcp",
    connection: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> RegisterMap:
    """Read ``path`` (``.csv`` or ``.xlsx``) as tags for a ``driver`` device."""
    path = Path(path)
    rows = list(_rows(path))
    if not rows:
        raise RegisterMapError(f"{path.name}: the file is empty")
    header_line, header = rows[0]
    columns = [str(c or "").strip().lower().replace(" ", "_") for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise RegisterMapError(
            f"{path.name}: line {header_line}: the header has no column {', '.join(missing)} "
            f"(columns: {', '.join(COLUMNS)})"
        )
    result = RegisterMap()
    seen: dict[str, int] = {}
    body = rows[1:]
    for done, (line, cells) in enumerate(body, 1):
        if progress is not None and done % 50 == 1 and not progress(done - 1, len(body)):
            result.cancelled = True
            return result
        if all(_blank(c) for c in cells):
            continue
        tag, problems = _tag(line, columns, cells)
        if not problems:
            problems = _check(line, tag, driver, connection or {})
        if not problems and tag["name"] in seen:
            problems = [
                RowProblem(line, "name", f"'{tag['name']}' is already on line {seen[tag['name']]}")
            ]
        if problems:
            result.problems.extend(problems)
            continue
        seen[tag["name"]] = line
        result.tags.append(tag)
    if progress is not None:
        progress(len(body), len(body))
    return result


def _rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for number, row in enumerate(csv.reader(handle), 1):
                    yield number, row
        elif suffix in (".xlsx", ".xlsm"):
            from openpyxl import load_workbook  # only when a workbook is read

            book = load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
                    yield number, list(values)
            finally:
                book.close()
        else:
            raise RegisterMapError(f"{path.name}: not a .csv or .xlsx file")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegisterMapError(f"{path.name}: cannot be read: {exc}") from None
    except Exception as exc:  # openpyxl's many errors for a file that is not a workbook
        if isinstance(exc, RegisterMapError):
            raise
        raise RegisterMapError(f"{path.name}: not a readable workbook: {exc}") from None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _tag(
    line: int, columns: list[str], cells: list[Any]
) -> tuple[dict[str, Any], list[RowProblem]]:
    tag: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for column, cell in zip(columns, cells, strict=False):
        if column not in COLUMNS or _blank(cell):
            continue
        try:
            tag[column] = _convert(column, cell)
        except ValueError as exc:
            problems.append(RowProblem(line, column, str(exc)))
    for column in REQUIRED:
        if column not in tag and not any(p.column == column for p in problems):
            problems.append(RowProblem(line, column, "empty"))
    return tag, problems


def _convert(column: str, cell: Any) -> Any:
    text = str(cell).strip()
    if column in _TEXT:
        return text
    if column in _BOOL:
        if isinstance(cell, bool):
            return cell
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"'{text}' is not yes or no")
    try:
        number = float(text.replace(",", "")) if not isinstance(cell, int | float) else float(cell)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"'{text}' is not a finite number")
    if column in _INT:
        if not number.is_integer():
            raise ValueError(f"'{text}' is not a whole number")
        return int(number)
    return number


def _check(
    line: int, tag: dict[str, Any], driver: str, connection: dict[str, Any]
) -> list[RowProblem]:
    """The row as the one tag of a station: the schema's and the driver's own checks."""
    station = {
        "station": {"company": "-", "site": "-", "line": "-", "station": "-"},
        "devices": [{"name": "device", "driver": driver, "connection": connection, "tags": [tag]}],
    }
    try:
        parse_config(station)
    except ConfigError as exc:
        prefix = "devices[0].tags[0]."
        problems = []
        for text in exc.problems:
            where, _, message = str(text).partition(": ")
            if where.startswith(prefix):
                column = where[len(prefix) :].split(".")[0].split("[")[0]
                problems.append(RowProblem(line, column, message or text))
            elif where.startswith("devices[0].connection"):
                continue  # the device's settings are not the row's fault
            else:
                problems.append(RowProblem(line, "", str(text)))
        return problems
    return []
