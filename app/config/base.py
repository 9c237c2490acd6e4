"""What every config model shares: strict, immutable, finite, no unknown keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_\-]*$"
Identifier = Annotated[str, Field(pattern=IDENTIFIER, max_length=64)]


def repeated(names: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(index, name)`` of every name that already came before it."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield index, name
        seen.add(name)


class StrictModel(BaseModel):
    """Base of every config model, also of the drivers' connection and tag models.

    Unknown keys are errors (a typo never passes silently); types are strict (``"yes"`` is not
    a boolean, ``0.0`` is not a register address); NaN and infinity are errors, because a NaN
    limit makes an alarm that can never fire; values are immutable once loaded.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False
    )
