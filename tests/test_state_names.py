"""Machine state labels that are the product's own names (Running, Stopped, Fault, ...) follow
the reader's language; a plant's own labels and the device titles stay as configured (a real
station window on the simulated test line, real Korean catalogue)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.messages import STATE_NAMES, Message, state_name
from tests.test_gui_window import sim_line
from tools import i18n as tool
from widgets.i18n import set_language, translate_message


@pytest.fixture
def english_after() -> Iterator[None]:
    yield
    set_language("en")


def test_state_names_are_translated_and_a_plant_s_own_labels_are_not(
    qapp, tmp_path: Path, english_after
) -> None:
    shutil.copy(tool.ts_file("ko"), tmp_path)
    tool.release([tmp_path / "shopfloor_ko.ts"])
    set_language("ko", directory=tmp_path)
    assert state_name("Running", translate_message) == "가동"
    assert state_name("Die change", translate_message) == "Die change"  # the plant's words
    for name in STATE_NAMES:
        assert state_name(name, translate_message) != name, name
    changed = Message(
        "event.state_changed", {"device": "Press", "from_label": "Stopped", "to_label": "고장"}
    )
    assert changed.render(translate_message) == "Press: 정지 → 고장"
    assert changed.render() == "Press: Stopped → 고장"  # English (logs, the database)


def test_the_tile_shows_the_state_in_the_ui_language_and_the_title_as_configured(
    qtbot, open_window, english_after
) -> None:
    window = open_window(sim_line())  # press: title "Press", states Stopped / Running
    press = window.overview.tiles["press"]
    qtbot.waitUntil(lambda: press.state_text == "Running", timeout=5000)
    window.language_actions["ko"].trigger()
    qtbot.waitUntil(lambda: press.state_text == "가동", timeout=3000)
    assert press.title.text() == "Press"  # a device title is the plant's, never translated
    window.language_actions["en"].trigger()
    qtbot.waitUntil(lambda: press.state_text == "Running", timeout=3000)
