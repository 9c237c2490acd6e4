"""Splitting a message too large for its sink into parts a receiver can put back together.

A message whose body holds a list of records (a status with its devices, an audit batch, a
shared copy with its records) is split by that list: every part keeps the other fields and a
slice of the list, so each part is a valid body of the same kind. A part has an id of its own,
derived from the message's id and its position (UUID 5), so a part sent again has the same id
and a receiver drops the copy as for any message; the envelope's ``part`` says which message it
belongs to (``of``), its ``index`` and the ``count`` of parts, and all parts keep the message's
``seq``. A body with no list of two or more records cannot be split: the sink reports it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Most parts one message becomes (a bound, so a tiny limit never makes thousands).
MAX_PARTS = 256


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a split message: its own id, its place, and the body's JSON text."""

    id: str
    index: int
    count: int
    data: str


def part_id(message_id: str, index: int, count: int) -> str:
    """The id of part ``index`` of ``count`` (the same for the same split, every time)."""
    return str(uuid.uuid5(uuid.UUID(message_id), f"part {index}/{count}"))


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def list_field(body: dict[str, Any]) -> str | None:
    """The field holding the longest list of two or more records (None: no such field)."""
    best: str | None = None
    for name, value in body.items():
        if not isinstance(value, list) or len(value) < 2:
            continue
        if best is None or len(value) > len(body[best]):
            best = name
    return best


def split(message_id: str, data: str, fits: Callable[[str], bool]) -> list[Part] | None:
    """Parts of the body ``data`` (JSON text) that each ``fits``, or None when it cannot be
    split so that they do (no list, a single record too large, more than ``MAX_PARTS``)."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    name = list_field(body)
    if name is None:
        return None
    records: list[Any] = body[name]
    count = 2
    while count <= min(MAX_PARTS, len(records)):
        size = -(-len(records) // count)  # ceiling: ``count`` slices, the last maybe shorter
        slices = [records[i : i + size] for i in range(0, len(records), size)]
        texts = [_dumps({**body, name: chunk}) for chunk in slices]
        if all(fits(t) for t in texts):
            n = len(texts)
            return [Part(part_id(message_id, i, n), i, n, t) for i, t in enumerate(texts)]
        count *= 2
    if len(records) <= MAX_PARTS and count // 2 < len(records):
        # The last try: one record per part.
        texts = [_dumps({**body, name: [record]}) for record in records]
        if all(fits(t) for t in texts):
            n = len(texts)
            return [Part(part_id(message_id, i, n), i, n, t) for i, t in enumerate(texts)]
    return None
