"""The ISA-101 look: a calm grey screen where colour means something is abnormal.

Palette choices follow the high-performance HMI practice: light grey background, dark grey
text, no decoration colours. Red, amber and magenta are reserved for faults, warnings and
communication loss so that an abnormal machine stands out from across the shop floor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from resources import RESOURCES_DIR

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


@dataclass(frozen=True, slots=True)
class StateLook:
    """How a machine state strip is drawn: never by hue alone (colour-blind operators, a
    grey-scale screen), always with an icon shape and a fill pattern too."""

    background: str
    foreground: str
    icon: str
    """``run``, ``stop``, ``pause``, ``setup``, ``maintenance``, ``fault``, ``off``, ``comm``,
    ``unknown`` or ``out_of_service`` (see :mod:`widgets.state_strip`)."""
    pattern: str = "solid"
    """``solid``, ``hatched`` (planned, not producing) or ``outline`` (waiting)."""
    abnormal: bool = False
    """Also frame the whole tile in the background colour (visible from across the floor)."""


#: Looks per machine state category (grey for all normal states, told apart by icon and
#: pattern), plus the looks the tile needs when it knows no category.
STATE_LOOKS: dict[str, StateLook] = {
    "running": StateLook("#c4c4c4", TEXT, "run"),
    "idle": StateLook(SURFACE, TEXT, "stop", "outline"),
    "planned_stop": StateLook("#c4c4c4", TEXT, "pause", "hatched"),
    "setup": StateLook("#c4c4c4", TEXT, "setup", "hatched"),
    "maintenance": StateLook("#c4c4c4", TEXT, "maintenance", "hatched"),
    "fault": StateLook(FAULT, "#ffffff", "fault", abnormal=True),
    "off": StateLook("#7a7a7a", "#ffffff", "off"),
    "comm_loss": StateLook(COMM_LOSS, "#ffffff", "comm", abnormal=True),
    "unknown": StateLook(SURFACE, TEXT_MUTED, "unknown", "outline"),
    "out_of_service": StateLook("#b3b3b3", TEXT, "out_of_service", "hatched"),
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
#: Fonts with Hangul, best first: Debian's fonts-noto-cjk (run.sh installs it), Windows' own
#: Malgun Gothic, then the usual Korean desktop fonts.
HANGUL_FAMILIES = ("Noto Sans CJK KR", "Malgun Gothic", "NanumGothic", "Noto Sans KR", "UnDotum")


def hangul_family() -> str | None:
    """A font family on this system that draws Hangul (None: Korean would show as boxes)."""
    korean = QFontDatabase.families(QFontDatabase.WritingSystem.Korean)
    for family in HANGUL_FAMILIES:
        if family in korean:
            return family
    proportional = [f for f in korean if "Mono" not in f and "Serif" not in f]
    return (proportional or korean or [None])[0]


def font_families() -> list[str]:
    """The window's font list: Latin first, then a Hangul font, so Korean text always has one
    (install fonts-noto-cjk on Debian when none is found; see the warning in the log)."""
    families = [f for f in FONT_FAMILIES if f not in HANGUL_FAMILIES]
    hangul = hangul_family()
    if hangul is None:
        log.warning("no font with Hangul found: Korean texts will not render (fonts-noto-cjk)")
    else:
        families.insert(1, hangul)
    return families


BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 14
#: Large-font mode (View menu), for screens read from a few metres: bigger tile texts.
LARGE_FONT_QSS = """
QLabel#tileTitle { font-size: 18pt; }
QWidget#tileState { font-size: 17pt; }
QLabel#tileValue { font-size: 22pt; }
QLabel#tileTagName, QLabel#tileUnit, QLabel#tileComm, QLabel#tileProduction { font-size: 14pt; }
QWidget#tileAlarms { font-size: 14pt; }
QLabel#stationTitle { font-size: 19pt; }
QLabel#clock { font-size: 17pt; }
"""


def set_large_fonts(app: QApplication, large: bool) -> None:
    """Switch between the normal and the large-font look (the style sheet is re-applied)."""
    font = app.font()
    font.setPointSize(LARGE_POINT_SIZE if large else BASE_POINT_SIZE)
    app.setFont(font)
    try:
        base = STYLE_SHEET.read_text(encoding="utf-8")
    except OSError as exc:  # a missing style sheet leaves the palette look, still usable
        log.warning("style sheet not loaded: %s", exc)
        base = ""
    app.setStyleSheet(base + (LARGE_FONT_QSS if large else ""))


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
    font.setFamilies(font_families())
    app.setFont(font)
    set_large_fonts(app, False)
