"""ISA-101 look: one palette module, grey for normal, the same alarm colours on every screen and
in both themes, a day and a night theme switched while the window runs, large touch targets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from app.alarms.model import Priority
from tests.test_gui_window import sim_line
from widgets import palette
from widgets.theme import THEME_KEY, set_theme, state_looks, style_sheet

WIDGETS = Path(__file__).resolve().parents[1] / "widgets"
#: Modules allowed to name colours: the palette itself, and theme.py for the trend pens.
COLOUR_MODULES = {"palette.py", "theme.py"}


@pytest.fixture
def day_after(qapp) -> Iterator[None]:
    yield
    set_theme(qapp, "day")


def _saturation(colour: str) -> float:
    return QColor(colour).hsvSaturationF()


def test_colour_is_named_only_in_the_palette_module() -> None:
    """A hue written anywhere else would be a second palette; black and white are allowed."""
    literal = re.compile(r"[\"']#([0-9a-fA-F]{6})[\"']")
    found = []
    for path in WIDGETS.rglob("*.py"):
        if path.name in COLOUR_MODULES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for hex_colour in literal.findall(line):
                if hex_colour.lower() not in ("000000", "ffffff"):
                    found.append(f"{path.relative_to(WIDGETS)}:{number}: #{hex_colour}")
    assert found == []


@pytest.mark.parametrize("theme", list(palette.THEMES.values()), ids=list(palette.THEMES))
def test_normal_is_grey_and_only_the_abnormal_is_coloured(theme: palette.Palette) -> None:
    looks = state_looks(theme)
    for name, look in looks.items():
        if look.abnormal:
            assert look.background in (palette.FAULT, palette.COMM_LOSS), name
        else:
            assert _saturation(look.background) < 0.05, name
    for role in ("window", "surface", "header", "border", "text", "text_muted", "band", "plot"):
        assert _saturation(getattr(theme, role)) < 0.05, role


def test_alarm_colours_are_one_table_used_by_every_screen() -> None:
    from widgets.alarms import model

    assert model.PRIORITY_COLOURS is palette.PRIORITY_COLOURS
    assert palette.PRIORITY_COLOURS[Priority.CRITICAL][0] == palette.FAULT
    assert len({bg for bg, _ in palette.PRIORITY_COLOURS.values()}) == len(Priority)


@pytest.mark.parametrize("name", list(palette.THEMES))
def test_the_style_sheet_is_filled_from_the_theme(name: str) -> None:
    text = style_sheet(palette.THEMES[name])
    assert "@" not in text
    assert palette.THEMES[name].window in text
    assert palette.COMM_LOSS in text  # the status bar's communication problem


def test_night_theme_switches_every_screen_at_runtime_and_is_remembered(
    qtbot, open_window, day_after
) -> None:
    window = open_window(sim_line())
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    press = window.overview.tiles["press"]
    qtbot.waitUntil(lambda: "Communication OK" in press.comm_text, timeout=5000)
    day_window = app.palette().color(QPalette.ColorRole.Window)
    day_shot = press.grab().toImage()

    window.night_action.trigger()
    assert QSettings().value(THEME_KEY) == "night"
    assert palette.current() is palette.NIGHT
    assert app.palette().color(QPalette.ColorRole.Window).name() == palette.NIGHT.window
    assert app.palette().color(QPalette.ColorRole.Window) != day_window
    # Qt posts the palette change: plots restyle when it arrives.
    qtbot.waitUntil(
        lambda: window.trend.plot.backgroundBrush().color().name() == palette.NIGHT.plot,
        timeout=3000,
    )
    # The tile itself is drawn darker (style sheet and painters, no restart).
    night_shot = press.grab().toImage()
    corner = night_shot.pixelColor(night_shot.width() // 2, night_shot.height() - 5)
    assert (
        corner.lightness()
        < day_shot.pixelColor(day_shot.width() // 2, day_shot.height() - 5).lightness()
    )
    # A fault keeps its red at night.
    assert state_looks(palette.NIGHT)["fault"].background == palette.FAULT

    window.night_action.trigger()
    assert palette.current() is palette.DAY
    assert QSettings().value(THEME_KEY) == "day"


def test_buttons_are_large_enough_to_touch(qtbot, open_window) -> None:
    window = open_window(sim_line())
    buttons = [b for b in window.findChildren(QPushButton) if b.isVisibleTo(window)]
    assert buttons
    small = [b.text() for b in buttons if b.sizeHint().height() < 40]
    assert small == []
