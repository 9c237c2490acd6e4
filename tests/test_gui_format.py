"""Texts the views show: values, machine states, ages, and the PySide6 emit guard."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from pydantic import ValidationError

from app.config import DeviceConfig, TagConfig, validation_problems
from tests.conftest import REPO
from widgets.format import (
    StateClass,
    classify_state,
    format_age,
    format_number,
    format_value,
    state_label,
    tag_decimals,
)
from widgets.status import short_url


def device(**states: str) -> DeviceConfig:
    return DeviceConfig(
        name="cnc",
        driver="simulated",
        state_tag="state",
        states=states,
        tags=[TagConfig(name="state")],
    )


def test_state_labels_come_from_the_config() -> None:
    cnc = device(**{"0": "Stopped", "1": "Running", "3": "Fault"})
    assert state_label(cnc, 1.0) == "Running"
    assert state_label(cnc, 3) == "Fault"
    assert state_label(cnc, 7.0) == "7"  # unmapped values show as the number
    assert state_label(cnc, 2.5) == "2.5"
    assert state_label(cnc, math.nan) == ""


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Running", StateClass.NORMAL),
        ("Stopped", StateClass.NORMAL),
        ("Idle", StateClass.NORMAL),
        ("Fault", StateClass.FAULT),
        ("E-Stop", StateClass.FAULT),
        ("Alarm 17", StateClass.FAULT),
        ("Blocked", StateClass.NORMAL),  # idle for OEE: waiting on the line, not abnormal
        ("Setup", StateClass.WARNING),
        ("Maintenance", StateClass.WARNING),
    ],
)
def test_only_abnormal_states_get_colour(label: str, expected: StateClass) -> None:
    state = device(**{"5": label}).state_of(5)
    assert state is not None
    assert classify_state(state.category) is expected


def test_a_korean_state_label_colours_by_its_category_not_its_words() -> None:
    cnc = device(
        **{
            "1": {"label": "가동", "category": "running"},
            "3": {"label": "고장", "category": "fault"},
        }
    )
    fault = cnc.state_of(3.0)
    assert fault is not None and fault.label == "고장"
    assert classify_state(fault.category) is StateClass.FAULT
    running = cnc.state_of(1)
    assert running is not None and classify_state(running.category) is StateClass.NORMAL
    assert state_label(cnc, 3) == "고장"


def test_a_label_without_a_known_word_must_say_its_category() -> None:
    with pytest.raises(ValidationError) as info:
        device(**{"3": "고장"})
    ((loc, message),) = validation_problems(info.value)
    assert loc == ("states", "3")
    assert message.startswith("say which category '고장' is:")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (12345.6, "12,346"),
        (180.04, "180.0"),
        (3.14159, "3.14"),
        (0.01234, "0.012"),
        (-4.5, "-4.50"),
        (math.nan, "—"),
        (math.inf, "∞"),
    ],
)
def test_numbers_get_sensible_decimals(value: float, text: str) -> None:
    assert format_number(value) == text


def test_bool_and_string_tags(qapp) -> None:
    assert format_value(TagConfig(name="door", type="bool"), 1.0) == "On"
    assert format_value(TagConfig(name="door", type="bool"), 0.0) == "Off"
    serial = TagConfig(name="sn", type="string", length=8)
    assert format_value(serial, math.nan, "EV-0042") == "EV-0042"
    assert format_value(serial, math.nan, None) == "—"


def test_ages(qapp) -> None:
    assert format_age(3.7) == "3 s ago"
    assert format_age(600) == "10 min ago"
    assert format_age(3 * 3600) == "3 h ago"
    assert format_age(-1) == "0 s ago"


def test_long_database_urls_are_shortened_in_the_middle() -> None:
    url = "postgresql://station@historian.plant.example/" + "x" * 80
    short = short_url(url)
    assert len(short) <= 60 and short.startswith("postgresql://") and "…" in short
    assert short_url("sqlite:///a.db") == "sqlite:///a.db"


def test_the_qt_binding_keeps_its_references_to_true_and_none() -> None:
    # PySide6 6.12.0 drops a reference to True on every emit and to None on every void call;
    # a window aborts ("bool_dealloc", "none_dealloc") within a minute once the counts reach
    # zero. pyproject pins PySide6 below 6.12; this fails if a defective binding comes back.
    script = (
        "import sys\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "from PySide6.QtGui import QStandardItem\n"
        "class P(QObject):\n"
        "    fired = Signal(object)\n"
        "p, item = P(), QStandardItem()\n"
        "p.fired.emit(0); item.setText('x')\n"
        "true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)\n"
        "for i in range(2000):\n"
        "    p.fired.emit(i)\n"
        "    item.setText('x')\n"
        "print(true_before - sys.getrefcount(True), none_before - sys.getrefcount(None))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lost_true, lost_none = (int(x) for x in result.stdout.split())
    assert lost_true < 100 and lost_none < 100, (lost_true, lost_none)


@pytest.mark.parametrize(
    ("keys", "samples", "texts"),
    [
        ({"display_min": 20, "display_max": 90}, (45.0, 44.9), ("45.0", "44.9")),
        ({"display_min": 0, "display_max": 1200}, (850.4, 1049.96), ("850", "1,050")),
        ({"display_min": 0, "display_max": 3}, (2.0, 1.987), ("2.00", "1.99")),
        ({"decimals": 3, "display_min": 0, "display_max": 1200}, (5.0,), ("5.000",)),
        ({"type": "uint32"}, (12345.0,), ("12,345",)),
        ({"type": "int16", "scale": 0.1}, (-90.5, 3.0), ("-90.5", "3.0")),
        ({}, (0.01234, 180.04, -0.04), ("0.0", "180.0", "0.0")),
    ],
)
def test_a_tag_keeps_one_precision_whatever_its_samples(
    keys: dict[str, object], samples: tuple[float, ...], texts: tuple[str, ...]
) -> None:
    tag = TagConfig(name="x", **keys)
    assert tuple(format_value(tag, value) for value in samples) == texts
    assert tag_decimals(tag) == len(texts[0].partition(".")[2])
