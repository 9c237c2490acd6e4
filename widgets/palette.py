"""Every colour of the window, in one place (ISA-101 high-performance HMI).

Normal is grey: backgrounds, texts, running and stopped machines, bars and trends' frames.
Colour is kept for what is abnormal and is used the same way on every screen:

- alarm priorities (:data:`PRIORITY_COLOURS`): red critical, orange high, yellow medium, blue-grey
  low, wherever an alarm shows (banner, summary, tiles, bars, detail, history);
- a machine fault (:data:`FAULT`, the critical red), a lost communication (:data:`COMM_LOSS`,
  magenta), a warning (:data:`WARNING`, the medium yellow).

The day and the night theme change only the greys; the abnormal colours stay the same, so red
means the same thing on the night shift. A painter reads :func:`current` when it paints, so a
theme switch only needs a repaint.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.alarms.model import Priority

#: Abnormal colours: the same in every theme.
FAULT = "#c8102e"
WARNING = "#f2b700"
COMM_LOSS = "#b0008c"
ON_FAULT = "#ffffff"  # text on a fault or comm-loss fill

#: Alarm priority -> (background, text), everywhere an alarm is shown.
PRIORITY_COLOURS: dict[Priority, tuple[str, str]] = {
    Priority.CRITICAL: (FAULT, "#ffffff"),
    Priority.HIGH: ("#e06c00", "#000000"),
    Priority.MEDIUM: (WARNING, "#000000"),
    Priority.LOW: ("#7f8fbf", "#000000"),
}


#: Alarm-rate chart bands (EEMUA 191: alarms per 10 minutes -> colour): a rating, not a state.
RATE_ACCEPTABLE = "#4c9a2a"
RATE_MANAGEABLE = "#d9b310"
RATE_DEMANDING = "#e06c00"
RATE_FLOOD = FAULT
#: The one data pen of single-series charts (trend pens: ``widgets.theme.TREND_COLOURS``).
DATA_PEN = "#1f4e9c"


@dataclass(frozen=True, slots=True)
class Palette:
    """The greys of one theme (names are roles, not hues)."""

    name: str
    window: str
    """Screen background."""
    surface: str
    """Tiles, tables, inputs."""
    surface_alt: str
    """Alternate table rows."""
    header: str
    """Header strip, table headers, tabs, status bar."""
    border: str
    text: str
    text_strong: str
    """Values (the numbers an operator reads)."""
    text_muted: str
    """Units, captions, secondary texts."""
    selection: str
    state_fill: str
    """A running / planned / setup machine's state strip."""
    state_off: str
    """A switched-off machine's state strip."""
    hatch: str
    band: str
    """An analog bar's normal band."""
    alarm_zone: str
    trip_zone: str
    plot: str
    """Trend and chart backgrounds."""
    button: str


DAY = Palette(
    name="day",
    window="#d9d9d9",
    surface="#e6e6e6",
    surface_alt="#dedede",
    header="#cfcfcf",
    border="#a6a6a6",
    text="#202020",
    text_strong="#000000",
    text_muted="#5c5c5c",
    selection="#8a9bb5",
    state_fill="#c4c4c4",
    state_off="#7a7a7a",
    hatch="#8c8c8c",
    band="#ededed",
    alarm_zone="#b8b8b8",
    trip_zone="#9a9a9a",
    plot="#e6e6e6",
    button="#e6e6e6",
)

#: Dim greys for a dark control room or the night shift: low glare, same contrast order.
NIGHT = Palette(
    name="night",
    window="#1f1f1f",
    surface="#2b2b2b",
    surface_alt="#262626",
    header="#333333",
    border="#4d4d4d",
    text="#c8c8c8",
    text_strong="#e6e6e6",
    text_muted="#8c8c8c",
    selection="#44506a",
    state_fill="#3d3d3d",
    state_off="#5a5a5a",
    hatch="#6b6b6b",
    band="#383838",
    alarm_zone="#505050",
    trip_zone="#666666",
    plot="#262626",
    button="#383838",
)

THEMES: dict[str, Palette] = {"day": DAY, "night": NIGHT}
_current: list[Palette] = [DAY]


def current() -> Palette:
    """The theme shown now."""
    return _current[0]


def set_current(name: str) -> Palette:
    """Make theme ``name`` (``day``/``night``; unknown: day) the current one."""
    _current[0] = THEMES.get(name, DAY)
    return _current[0]
