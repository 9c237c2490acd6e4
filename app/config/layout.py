"""The line layout: where each machine stands and how parts flow between them.

Made from the config, not drawn by hand: a machine is a device of the station placed on a grid
(``x`` to the right, ``y`` down, in grid cells), and a link is a conveyor or a buffer from one
machine to the next. Without a ``[layout]`` table the line is laid out in the order of the
devices, left to right, each feeding the next. The window edits this table and writes it back
to the station config file.

```toml
[layout]
machines = [
  { device = "diecast", x = 0, y = 0 },
  { device = "cnc", x = 3, y = 0 },
]
links = [
  { from = "diecast", to = "cnc", kind = "buffer", label = "cooling", capacity = 40 },
]
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from app.config.base import Identifier, StrictModel, repeated
from app.config.errors import LocatedError

#: The grid is this many cells wide and high (a line is rarely longer than 30 machines).
GRID_CELLS = 200


class LinkKind(StrEnum):
    CONVEYOR = "conveyor"
    BUFFER = "buffer"


class MachinePlace(StrictModel):
    """A machine (a device of the station) on the layout grid."""

    device: Identifier
    x: int = Field(ge=0, lt=GRID_CELLS)
    y: int = Field(ge=0, lt=GRID_CELLS)


class LayoutLink(StrictModel):
    """Parts flow from one machine to another, over a conveyor or through a buffer."""

    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    kind: Annotated[LinkKind, Field(strict=False)] = LinkKind.CONVEYOR  # text in TOML
    label: str = Field(default="", max_length=40)
    capacity: int | None = Field(default=None, gt=0)
    """A buffer's capacity in parts (shown beside it)."""

    @model_validator(mode="after")
    def _not_a_loop(self) -> LayoutLink:
        if self.source == self.target:
            raise LocatedError(("to",), f"a link from '{self.source}' to itself")
        return self


class LayoutConfig(StrictModel):
    machines: list[MachinePlace] = Field(default_factory=list)
    links: list[LayoutLink] = Field(default_factory=list)

    @model_validator(mode="after")
    def _each_machine_once(self) -> LayoutConfig:
        for index, name in repeated(m.device for m in self.machines):
            raise LocatedError(("machines", index, "device"), f"'{name}' is placed twice")
        for index, spot in repeated(f"x = {m.x}, y = {m.y}" for m in self.machines):
            raise LocatedError(("machines", index), f"two machines on the same cell {spot}")
        return self


def layout_problems(layout: LayoutConfig, devices: list[str]) -> list[str]:
    """Names that are not devices of the station, as ``layout.…`` key-path problems."""
    known = set(devices)
    listed = ", ".join(devices)
    problems = [
        f"layout.machines[{i}].device: no device named '{m.device}' (devices: {listed})"
        for i, m in enumerate(layout.machines)
        if m.device not in known
    ]
    placed = {m.device for m in layout.machines} or known
    for i, link in enumerate(layout.links):
        for key, name in (("from", link.source), ("to", link.target)):
            if name not in placed:
                where = "devices" if name not in known else "placed machines"
                problems.append(
                    f"layout.links[{i}].{key}: no machine named '{name}' among the {where}"
                )
    return problems
