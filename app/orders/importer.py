"""Work orders from a CSV or XLSX file (an ERP export, a planner's sheet).

The first row names the columns (any order, any case): ``order``, ``part_number``,
``quantity``, ``due`` (an ISO date, meaning the end of that day in the station's local time, or
an ISO date and time), and optionally ``customer`` and ``machine``. Every row is checked; a
file with any bad row imports nothing, and each problem names its line and column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from app.orders.model import WorkOrder

REQUIRED = ("order", "part_number", "quantity", "due")
OPTIONAL = ("customer", "machine")
ALIASES = {"order_id": "order", "part": "part_number", "qty": "quantity", "due_date": "due"}
MAX_ROWS = 100_000


class OrderFileError(ValueError):
    """The file cannot be imported; ``problems`` lists each one (``line N, column C: ...``)."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path.name}: " + "; ".join(problems[:5]))
        self.path = path
        self.problems = problems


def read_orders(path: Path, source: str = "import") -> list[WorkOrder]:
    """Every order of the file, or OrderFileError naming every bad row."""
    try:
        rows = list(_xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path))
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise OrderFileError(path, [str(exc) or type(exc).__name__]) from None
    if not rows:
        raise OrderFileError(path, ["the file is empty"])
    header = [ALIASES.get(_key(cell), _key(cell)) for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise OrderFileError(path, [f"line 1: missing column(s) {', '.join(missing)}"])
    if len(rows) - 1 > MAX_ROWS:
        raise OrderFileError(path, [f"more than {MAX_ROWS} orders"])
    orders: list[WorkOrder] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if all(cell in (None, "") for cell in row):
            continue
        cells = {name: row[i] if i < len(row) else None for i, name in enumerate(header)}
        before = len(problems)
        order = _order(cells, line, problems, source)
        if order is None or len(problems) > before:
            continue
        if order.order_id in seen:
            problems.append(
                f"line {line}, column order: '{order.order_id}' is also on line "
                f"{seen[order.order_id]}"
            )
            continue
        seen[order.order_id] = line
        orders.append(order)
    if problems:
        raise OrderFileError(path, problems)
    return orders


def _key(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_")


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else "excel"
        yield from csv.reader(handle, dialect)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # only when a workbook is imported

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def _order(cells: dict[str, Any], line: int, problems: list[str], source: str) -> WorkOrder | None:
    def text(name: str) -> str:
        value = cells.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet's number written as an order number
        return "" if value is None else str(value).strip()

    for name in ("order", "part_number"):
        if not text(name):
            problems.append(f"line {line}, column {name}: empty")
    quantity = _quantity(cells.get("quantity"))
    if quantity is None:
        problems.append(
            f"line {line}, column quantity: '{text('quantity')}' is not a whole number above 0"
        )
    due = _due(cells.get("due"))
    if due is None:
        problems.append(
            f"line {line}, column due: '{text('due')}' is not a date (YYYY-MM-DD) or date and time"
        )
    if quantity is None or due is None or not text("order") or not text("part_number"):
        return None
    return WorkOrder(
        order_id=text("order")[:64],
        part_number=text("part_number")[:64],
        quantity=quantity,
        due=due,
        customer=text("customer")[:120],
        machine=text("machine") or None,
        source=source,
    )


def _quantity(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().replace(",", ""))
        except ValueError:
            return None
    if not number.is_integer() or number < 1 or number > 10**9:
        return None
    return int(number)


def _due(value: Any) -> float | None:
    """Unix seconds; a date alone means the end of that day, local time."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59)).timestamp()
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59)).timestamp()
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
