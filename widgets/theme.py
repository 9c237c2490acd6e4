"""The ISA-101 look: a calm grey screen where colour means something is abnormal.

Palette choices follow the high-performance HMI practice: light grey background, dark grey
text, no decoration colours. Red, amber and magenta are reserved for faults, warnings and
communication loss so that an abnormal machine stands out from across the shop floor.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from resources import RESOURCES_DIR
from widgets.format import StateClass

log = logging.getLogger(__name__)

STYLE_SHEET = RESOURCES_DIR / "styles" / "isa101.qss"

BACKGROUND = "#d9d9d9"
SURFACE = "#e6e6e6"
BORDER = "#a6a6a6"
TEXT = "#202020"
TEXT_MUTED = "#5c5c5c"
FAULT = "#c8102e"
WARNING = "#f2b700"
COMM_LOSS = "#b0008c"

#: (background, text) of the state strip of a machine tile.
STATE_COLOURS: dict[StateClass, tuple[str, str]] = {
    StateClass.NORMAL: ("#c4c4c4", TEXT),
    StateClass.UNKNOWN: ("#c4c4c4", TEXT_MUTED),
    StateClass.WARNING: (WARNING, "#000000"),
    StateClass.FAULT: (FAULT, "#ffffff"),
    StateClass.COMM_LOSS: (COMM_LOSS, "#ffffff"),
}

#: Trend pens: distinguishable hues of moderate saturation (trends may use colour to tell
#: signals apart; none of them is alarm red).
TREND_COLOURS = (
    "#1f4e9c",
    "#2a8a3e",
    "#7a3fa0",
    "#b35900",
    "#0f7c8c",
    "#6b6b00",
    "#8c2d5a",
    "#3d3d3d",
    "#5a7dc8",
    "#63a36f",
)

FONT_FAMILIES = ["Noto Sans", "Noto Sans CJK KR", "DejaVu Sans"]


def apply_theme(app: QApplication) -> None:
    """Fusion style, a grey palette, CJK-capable fonts and the bundled style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#dedede"))
    palette.setColor(QPalette.ColorRole.Button, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#8a9bb5"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#000000"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#f5f5f5"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    app.setPalette(palette)
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(10)
    app.setFont(font)
    try:
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    except OSError as exc:  # a missing style sheet leaves the palette look, still usable
        log.warning("style sheet not loaded: %s", exc)
