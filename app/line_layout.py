"""The line layout the window shows, and writing an edited one back to the station config.

The layout is part of the station config (``[layout]``, :mod:`app.config.layout`). A station
without one, or with machines left out, still gets a whole line: unplaced machines follow in
device order. An edit made in the window is written back into the config file with tomlkit,
so the technician's comments and formatting stay; the new file is validated as a whole before
it replaces the old one (atomically), so a bad edit never leaves a half-written config.
"""

from __future__ import annotations

import os
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import tomlkit

from app.config import StationConfig
from app.config.layout import LayoutConfig, LayoutLink, LinkKind, MachinePlace
from app.config_loader import parse_config

#: Grid cells from one machine to the next in the default layout (room for a buffer between).
DEFAULT_STEP = 5


def effective_layout(config: StationConfig) -> LayoutConfig:
    """The configured layout with every device placed; the default line when none is given."""
    layout = config.layout
    placed = {m.device for m in layout.machines}
    machines = list(layout.machines)
    row = max((m.y for m in machines), default=-2) + 2 if machines else 0
    taken = {(m.x, m.y) for m in machines}
    column = 0
    for device in config.devices:
        if device.name in placed:
            continue
        while (column, row) in taken:
            column += DEFAULT_STEP
        machines.append(MachinePlace(device=device.name, x=column, y=row))
        column += DEFAULT_STEP
    links = list(layout.links)
    if not layout.machines and not links:
        names = [d.name for d in config.devices]
        links = [LayoutLink.model_validate({"from": a, "to": b}) for a, b in pairwise(names)]
    return LayoutConfig(machines=machines, links=links)


def layout_table(layout: LayoutConfig) -> dict[str, Any]:
    """The ``[layout]`` table as plain data (for the config file and the audit trail)."""
    links = []
    for link in layout.links:
        item: dict[str, Any] = {"from": link.source, "to": link.target}
        if link.kind is not LinkKind.CONVEYOR:
            item["kind"] = str(link.kind)
        if link.label:
            item["label"] = link.label
        if link.capacity is not None:
            item["capacity"] = link.capacity
        links.append(item)
    return {
        "machines": [{"device": m.device, "x": m.x, "y": m.y} for m in layout.machines],
        "links": links,
    }


def _inline_array(items: list[dict[str, Any]]) -> tomlkit.items.Array:
    array = tomlkit.array()
    for item in items:
        table = tomlkit.inline_table()
        table.update(item)
        array.append(table)
    return array.multiline(True)


def write_layout(path: Path, layout: LayoutConfig) -> StationConfig:
    """Replace the ``[layout]`` table of the config file at ``path``; the rest stays as it was.

    Raises ConfigError (the file untouched) when the result is not a valid station config,
    OSError when the file cannot be read or written. Returns the new config.
    """
    text = path.read_text(encoding="utf-8")
    document = tomlkit.parse(text)
    plain = layout_table(layout)
    table = tomlkit.table()
    table.add("machines", _inline_array(plain["machines"]))
    table.add("links", _inline_array(plain["links"]))
    document["layout"] = table
    new_text = tomlkit.dumps(document)
    config = parse_config(tomlkit.parse(new_text).unwrap(), str(path))
    # Atomic: a crash leaves the old file or the new one, never half of it.
    mode = path.stat().st_mode & 0o777
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(new_text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return config
