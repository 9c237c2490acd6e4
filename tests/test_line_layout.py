"""The line layout: made from the config (default line, unplaced machines, key-path errors),
written back into a real config file with its comments kept, refused for operators and
audited with before and after for engineers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.audit import AuditFilter, query
from app.config import ConfigError
from app.config.layout import LayoutConfig, MachinePlace
from app.config_loader import load_config, parse_config
from app.line_layout import effective_layout, layout_table, write_layout
from app.security import AccessDenied, Actor
from app.station import Station
from app.users import Role
from tests.conftest import REPO
from tests.security_support import PASSWORD

DEMO = REPO / "resources" / "demo" / "line.toml"
HEAD = """# Line 3 station: keep this comment
[station]
company = "ACME"
site = "Plant 1"
line = "L1"
station = "S1"

[[devices]]
name = "press"   # the press
driver = "simulated"
tags = [{ name = "force" }]

[[devices]]
name = "oven"
driver = "simulated"
tags = [{ name = "temp" }]

[[devices]]
name = "packer"
driver = "simulated"
tags = [{ name = "count" }]
"""


def config_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "station.toml"
    path.write_text(HEAD + extra, encoding="utf-8")
    return path


def problems(tmp_path: Path, extra: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(config_file(tmp_path, extra))
    return caught.value.report()


def test_without_a_layout_the_line_follows_the_device_order(tmp_path: Path) -> None:
    layout = effective_layout(load_config(config_file(tmp_path)))
    assert [(m.device, m.x, m.y) for m in layout.machines] == [
        ("press", 0, 0),
        ("oven", 5, 0),
        ("packer", 10, 0),
    ]
    assert [(k.source, k.target) for k in layout.links] == [("press", "oven"), ("oven", "packer")]


def test_machines_left_out_are_placed_on_a_row_below(tmp_path: Path) -> None:
    extra = '[layout]\nmachines = [{ device = "oven", x = 2, y = 1 }]\n'
    layout = effective_layout(load_config(config_file(tmp_path, extra)))
    assert [(m.device, m.x, m.y) for m in layout.machines] == [
        ("oven", 2, 1),
        ("press", 0, 3),
        ("packer", 5, 3),
    ]
    assert layout.links == []  # links are drawn only where the config says so


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '[layout]\nmachines = [{ device = "lathe", x = 0, y = 0 }]\n',
            "layout.machines[0].device: no device named 'lathe' (devices: press, oven, packer)",
        ),
        (
            '[layout]\nmachines = [{ device = "oven", x = 0, y = 0 }, '
            '{ device = "press", x = 0, y = 0 }]\n',
            "layout.machines[1]: two machines on the same cell x = 0, y = 0",
        ),
        (
            '[layout]\nmachines = [{ device = "oven", x = -1, y = 0 }]\n',
            "layout.machines[0].x: Input should be greater than or equal to 0",
        ),
        (
            '[layout]\nlinks = [{ from = "oven", to = "oven" }]\n',
            "layout.links[0].to: a link from 'oven' to itself",
        ),
        (
            '[layout]\nlinks = [{ from = "oven", to = "dryer", kind = "belt" }]\n',
            "layout.links[0].kind: Input should be 'conveyor' or 'buffer'",
        ),
        (
            '[layout]\nlinks = [{ from = "oven", to = "dryer" }]\n',
            "layout.links[0].to: no machine named 'dryer' among the devices",
        ),
    ],
)
def test_bad_layouts_are_named_by_key_path(tmp_path: Path, extra: str, expected: str) -> None:
    assert expected in problems(tmp_path, extra)


def test_the_demo_line_has_a_layout_with_a_buffer() -> None:
    layout = effective_layout(load_config(DEMO))
    assert {m.device for m in layout.machines} == {"diecast", "cnc", "washer", "leaktest"}
    assert any(link.kind == "buffer" and link.capacity == 40 for link in layout.links)


def moved(layout: LayoutConfig, device: str, x: int, y: int) -> LayoutConfig:
    machines = [
        MachinePlace(device=m.device, x=x, y=y) if m.device == device else m
        for m in layout.machines
    ]
    return LayoutConfig(machines=machines, links=layout.links)


def test_writing_keeps_comments_and_everything_else(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    layout = moved(effective_layout(load_config(path)), "packer", 5, 4)
    write_layout(path, layout)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEAD)  # comments, order and formatting untouched
    reread = load_config(path)
    assert layout_table(reread.layout) == layout_table(layout)
    # Written again: the table is replaced, not added twice.
    write_layout(path, moved(layout, "packer", 6, 4))
    assert tomllib.loads(path.read_text(encoding="utf-8"))["layout"]["machines"][2]["x"] == 6


def test_a_layout_that_breaks_the_config_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    before = path.read_bytes()
    ghost = LayoutConfig(machines=[MachinePlace(device="ghost", x=0, y=0)])
    with pytest.raises(ConfigError, match="no device named 'ghost'"):
        write_layout(path, ghost)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["station.toml"]  # no temporary file left


def test_saving_needs_config_edit_and_is_audited(tmp_path: Path, sqlite_url: str) -> None:
    path = config_file(tmp_path)
    station = Station(load_config(path), db_url=sqlite_url)
    try:
        admin = station.user_admin
        admin.add(None, "ada", Role.ADMIN, PASSWORD)
        admin.add(Actor.named("ada"), "olga", Role.OPERATOR, PASSWORD)
        admin.add(Actor.named("ada"), "emil", Role.ENGINEER, PASSWORD)
        layout = moved(effective_layout(station.config), "oven", 5, 3)
        station.session.sign_in("olga", PASSWORD)
        with pytest.raises(AccessDenied):
            station.save_layout(layout, path, Actor.named("olga"))
        assert "[layout]" not in path.read_text(encoding="utf-8")

        station.session.sign_in("emil", PASSWORD)
        station.save_layout(layout, path, Actor.named("emil"))
        assert layout_table(load_config(path).layout) == layout_table(layout)
        assert station.config.layout == layout
        assert station.gateway.flush()
        edits = query(station.db, AuditFilter(since=0.0, action="config.", limit=10))
    finally:
        station.stop()
        station.gateway.stop()
    by_action = {(e.action, e.actor, e.outcome): e for e in edits}
    entry = by_action[("config.edit", "emil", "ok")]
    assert entry.target == "layout"
    assert entry.details["before"]["machines"][1] == {"device": "oven", "x": 5, "y": 0}
    assert entry.details["after"]["machines"][1] == {"device": "oven", "x": 5, "y": 3}
    assert ("config.edit", "olga", "denied") in by_action

    # The next start sees the config it ran last: no outside change to report.
    again = Station(load_config(path), db_url=sqlite_url)
    try:
        assert again.gateway.flush()
        changes = query(again.db, AuditFilter(since=0.0, action="config.change", limit=10))
    finally:
        again.gateway.stop()
    assert len(changes) == 1  # only the first run's


def test_parse_config_accepts_the_written_table(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    write_layout(path, effective_layout(load_config(path)))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert parse_config(data).layout.links[0].source == "press"
