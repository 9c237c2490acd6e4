"""The ``[[stock]]`` tables: finished goods and materials the station keeps count of.

```toml
[[stock]]
item = "EVH-220"        # finished goods: a part number the orders make
kind = "finished"
low = 100               # warn below this many

[[stock]]
item = "AlSi9Cu3"       # a material the machines use up
kind = "material"
unit = "kg"
low = 500
per_part = { "EVH-220" = 2.4, "EVH-221" = 2.9 }   # used per good part of each part number
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from app.config.base import StrictModel
from app.config.errors import LocatedError

PositiveAmount = Annotated[float, Field(gt=0, le=1e9, strict=False)]


class StockKind(StrEnum):
    FINISHED = "finished"
    MATERIAL = "material"


class StockItem(StrictModel):
    item: str = Field(min_length=1, max_length=64)
    kind: Annotated[StockKind, Field(strict=False)] = StockKind.FINISHED
    unit: str = Field(default="pcs", max_length=16)
    low: Annotated[float, Field(ge=0, le=1e12, strict=False)] = 0.0
    """A warning when the stock falls below this."""
    per_part: dict[str, PositiveAmount] = Field(default_factory=dict)
    """For a material: how much one good part of each part number uses."""

    @model_validator(mode="after")
    def _consumption_is_for_materials(self) -> StockItem:
        if self.per_part and self.kind is not StockKind.MATERIAL:
            raise LocatedError(("per_part",), "only a material is used up per part")
        return self
