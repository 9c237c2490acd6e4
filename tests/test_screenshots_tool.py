"""tools/screenshots.py renders every main screen in both languages (a short real run)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from tools.screenshots import SCREENS, shoot
from widgets import palette
from widgets.i18n import current_language


def test_every_screen_is_rendered_in_english_and_korean(qapp, tmp_path: Path) -> None:
    written = shoot(tmp_path, wait_s=2.0, scenario="default", speed=25.0)
    names = [*SCREENS.values(), "first_run", "setup_wizard"]
    for folder in (tmp_path, tmp_path / "ko"):
        for name in names:
            image = QImage(str(folder / f"{name}.png"))
            assert not image.isNull(), folder / f"{name}.png"
            assert image.width() >= 400
    assert (tmp_path / "main_window_night.png") in written
    english = QImage(str(tmp_path / "main_window.png"))
    korean = QImage(str(tmp_path / "ko" / "main_window.png"))
    assert english.size() == korean.size() and english != korean  # the texts differ
    night = QImage(str(tmp_path / "main_window_night.png"))
    assert night.pixelColor(5, night.height() // 2).lightness() < 80  # dark greys
    # The window it used is gone and the application is back to English and the day theme.
    assert current_language() == "en" and palette.current() is palette.DAY
