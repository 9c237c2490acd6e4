"""The line screen in a real window: machines mirror their overview tiles, an operator cannot
edit, an engineer drags a machine on the grid and saves it into the real config file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF

from app.config_loader import load_config
from app.security import Actor
from app.users import Role
from tests.security_support import PASSWORD
from tests.test_line_layout import config_file
from widgets.line_layout import CELL


def test_line_screen_mirrors_tiles_and_saves_an_engineers_edit(
    open_window, qtbot, tmp_path: Path
) -> None:
    path = config_file(tmp_path)
    window = open_window(load_config(path), config_path=path)
    line = window.line
    window.tabs.setCurrentWidget(line)
    assert set(line.machines) == {"press", "oven", "packer"}
    assert len(line.links) == 2
    press = line.machines["press"]
    tile = window.overview.tiles["press"]
    qtbot.waitUntil(lambda: press.status.state == tile.state_text, timeout=5_000)
    assert press.status.title == tile.device.display_name

    station = window.station
    station.user_admin.add(None, "ada", Role.ADMIN, PASSWORD)
    station.user_admin.add(Actor.named("ada"), "olga", Role.OPERATOR, PASSWORD)
    station.user_admin.add(Actor.named("ada"), "emil", Role.ENGINEER, PASSWORD)
    station.session.sign_in("olga", PASSWORD)
    window.session.check()
    assert not line.edit_button.isEnabled()  # an operator may not change the layout

    station.session.sign_in("emil", PASSWORD)
    window.session.check()
    assert line.edit_button.isEnabled()
    line.edit_button.click()
    assert line.save_button.isVisible() and line.save_button.isEnabled()
    packer = line.machines["packer"]
    packer.setPos(QPointF(4.4 * CELL, 3.2 * CELL))  # snapped to the grid
    assert packer.cell() == (4, 3)
    with qtbot.waitSignal(line.saved, timeout=10_000) as saved:
        line.save_button.click()
    assert saved.args == [None]
    assert "Layout saved" in line.message.text()
    assert not line.save_button.isVisible()
    placed = {m.device: (m.x, m.y) for m in load_config(path).layout.machines}
    assert placed == {"press": (0, 0), "oven": (5, 0), "packer": (4, 3)}


def test_without_a_config_file_the_layout_cannot_be_saved(open_window, qtbot, tmp_path) -> None:
    window = open_window(load_config(config_file(tmp_path)))  # like the demo
    line = window.line
    assert not line.edit_button.isEnabled()  # no users yet: nobody edits the config
    window.station.user_admin.add(None, "ada", Role.ADMIN, PASSWORD)
    window.station.session.sign_in("ada", PASSWORD)
    window.session.check()
    line.edit_button.click()
    assert not line.save_button.isEnabled()
    assert "cannot be saved" in line.message.text()
    line.cancel_button.click()
    assert not line.edit_button.isChecked()
