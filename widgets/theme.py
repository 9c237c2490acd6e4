"""The ISA-101 look: a calm grey screen where colour means something is abnormal.

Palette choices follow the high-performance HMI practice: light grey background, dark grey
text, no decoration colours. Red, amber and magenta are reserved for faults, warnings and
communication loss so that an abnormal machine stands out from across the shop floor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from resources import RESOURCES_DIR
from widgets import palette
from widgets.i18n import call_unless_deleted

log = logging.getLogger(__name__)

STYLE_SHEET = RESOURCES_DIR / "styles" / "isa101.qss"

# The day theme's greys under their old names (the palette module holds every theme).
BACKGROUND = palette.DAY.window
SURFACE = palette.DAY.surface
BORDER = palette.DAY.border
TEXT = palette.DAY.text
TEXT_MUTED = palette.DAY.text_muted
FAULT = palette.FAULT
WARNING = palette.WARNING
COMM_LOSS = palette.COMM_LOSS
THEME_KEY = "view/theme"


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


def state_looks(theme: palette.Palette) -> dict[str, StateLook]:
    """Looks per machine state category in a theme (grey for all normal states, told apart by
    icon and pattern), plus the looks the tile needs when it knows no category."""
    fill, text, muted = theme.state_fill, theme.text, theme.text_muted
    return {
        "running": StateLook(fill, text, "run"),
        "idle": StateLook(theme.surface, text, "stop", "outline"),
        "planned_stop": StateLook(fill, text, "pause", "hatched"),
        "setup": StateLook(fill, text, "setup", "hatched"),
        "maintenance": StateLook(fill, text, "maintenance", "hatched"),
        "fault": StateLook(palette.FAULT, palette.ON_FAULT, "fault", abnormal=True),
        "off": StateLook(theme.state_off, "#ffffff", "off"),
        "comm_loss": StateLook(palette.COMM_LOSS, palette.ON_FAULT, "comm", abnormal=True),
        "unknown": StateLook(theme.surface, muted, "unknown", "outline"),
        "out_of_service": StateLook(theme.alarm_zone, text, "out_of_service", "hatched"),
    }


_LOOKS = {name: state_looks(theme) for name, theme in palette.THEMES.items()}
#: The day theme's looks (see :func:`state_look` for the current theme's).
STATE_LOOKS: dict[str, StateLook] = _LOOKS["day"]


def state_look(name: str) -> StateLook:
    """The look called ``name`` in the current theme."""
    return _LOOKS[palette.current().name][name]


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


_large: list[bool] = [False]


def style_sheet(theme: palette.Palette, large: bool = False) -> str:
    """The bundled style sheet with the theme's colours filled in (``@role`` tokens)."""
    try:
        text = STYLE_SHEET.read_text(encoding="utf-8")
    except OSError as exc:  # a missing style sheet leaves the palette look, still usable
        log.warning("style sheet not loaded: %s", exc)
        text = ""
    roles = {f.name: getattr(theme, f.name) for f in fields(theme)}
    roles |= {"comm_loss": palette.COMM_LOSS, "fault": palette.FAULT, "on_fault": palette.ON_FAULT}
    # Longest names first: @text_muted before @text.
    for name in sorted(roles, key=len, reverse=True):
        text = text.replace(f"@{name}", roles[name])
    return text + (LARGE_FONT_QSS if large else "")


def set_large_fonts(app: QApplication, large: bool) -> None:
    """Switch between the normal and the large-font look (the style sheet is re-applied)."""
    font = app.font()
    font.setPointSize(LARGE_POINT_SIZE if large else BASE_POINT_SIZE)
    app.setFont(font)
    _large[0] = large
    app.setStyleSheet(style_sheet(palette.current(), large))


def qt_palette(theme: palette.Palette) -> QPalette:
    """Qt's palette roles from a theme (what the style sheet does not paint itself)."""
    result = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, theme.window),
        (roles.Base, theme.surface),
        (roles.AlternateBase, theme.surface_alt),
        (roles.Button, theme.button),
        (roles.WindowText, theme.text),
        (roles.Text, theme.text),
        (roles.ButtonText, theme.text),
        (roles.PlaceholderText, theme.text_muted),
        (roles.Mid, theme.border),
        (roles.Dark, theme.border),
        (roles.Highlight, theme.selection),
        (roles.HighlightedText, theme.text_strong),
        (roles.ToolTipBase, theme.surface),
        (roles.ToolTipText, theme.text),
    ):
        result.setColor(role, QColor(colour))
    return result


def set_theme(app: QApplication, name: str) -> str:
    """Show theme ``name`` (``day``/``night``) now: palette, style sheet, repaint of every
    widget (painters read :func:`widgets.palette.current`). Returns the theme set."""
    theme = palette.set_current(name)
    app.setPalette(qt_palette(theme))
    app.setStyleSheet(style_sheet(theme, _large[0]))
    for widget in app.allWidgets():
        widget.update()
    return theme.name


class _ThemeWatcher(QObject):
    def __init__(self, target: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(target)
        self._callback = callback
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Top-level widgets get the application's change, children a palette change.
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            call_unless_deleted(self._callback)
        return False


def on_theme_change(widget: QWidget, restyle: Callable[[], None]) -> None:
    """Call ``restyle`` now and after every theme switch, for what a style sheet cannot reach
    (pyqtgraph plots, colours kept in Python)."""
    restyle()
    _ThemeWatcher(widget, restyle)


def apply_theme(app: QApplication, name: str = "day") -> None:
    """Fusion style, a grey palette, CJK-capable fonts and the bundled style sheet."""
    app.setStyle("Fusion")
    font = QFont()
    font.setFamilies(font_families())
    app.setFont(font)
    set_theme(app, name)
    set_large_fonts(app, False)
