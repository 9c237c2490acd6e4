"""Korean and English: every user-visible text is translated, and the window switches language
while it runs (real catalogues compiled by the project's tool, a real station window)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)

from app.messages import CATALOGUE, FAULTS, Message
from tests.test_gui_window import sim_line
from tools import i18n as tool
from widgets.format import format_fixed, format_header_clock
from widgets.i18n import LANGUAGE_KEY, current_language, set_language, translate_message


@pytest.fixture
def english_after() -> Iterator[None]:
    """Whatever a test switches to, the next test starts in English."""
    yield
    set_language("en")


def test_every_user_visible_text_has_a_finished_korean_translation() -> None:
    """Extracts the *current* sources (every widget ``tr()`` and every core message template)
    into a copy of the catalogue: a text added anywhere under widgets/ or to
    app/messages.py without its Korean fails here. Fix: ``python tools/i18n.py``, translate."""
    problems = tool.check("ko")
    assert problems == [], "\n" + "\n".join(str(p) for p in problems)


def test_the_check_reports_missing_unfinished_and_broken_translations(tmp_path: Path) -> None:
    ts = tmp_path / "shopfloor_ko.ts"
    ts.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko">
<context><name>X</name>
  <message><source>Done %1</source><translation>완료 %1</translation></message>
  <message><source>Open</source><translation type="unfinished"></translation></message>
  <message><source>Lost %1</source><translation>끊김</translation></message>
</context>
<context><name>messages</name>
  <message><source>{device}: lost</source><translation>{장치}: 끊김</translation></message>
</context>
</TS>
""",
        encoding="utf-8",
    )
    found = {(p.source, p.what.split(" in ")[0]) for p in tool.problems(ts)}
    assert found == {
        ("Open", "not translated"),
        ("Lost %1", "placeholders differ"),
        ("{device}: lost", "placeholders differ"),
    }


def test_the_catalogue_covers_every_core_message_and_the_alarm_screens() -> None:
    """The lupdate glob reaches widgets/alarms/ and the core templates are in the catalogue."""
    import xml.etree.ElementTree as ET

    root = ET.parse(tool.ts_file("ko")).getroot()
    sources = {
        (c.findtext("name"), m.findtext("source"))
        for c in root.iter("context")
        for m in c.iter("message")
    }
    for template in list(CATALOGUE.values()) + list(FAULTS.values()):
        assert ("messages", template) in sources
    assert ("AlarmSummary", "Acknowledge selected…") in sources
    assert ("AlarmPerformanceView", "Top 10 bad actors") in sources


def test_core_messages_render_in_korean(qapp, tmp_path: Path, english_after) -> None:
    shutil.copy(tool.ts_file("ko"), tmp_path)
    tool.release([tmp_path / "shopfloor_ko.ts"])
    set_language("ko", directory=tmp_path)
    message = Message("event.comm_loss", {"device": "세척기", "fault": "timeout"})
    assert message.render(translate_message) == "세척기: 통신 끊김 (응답 없음)"
    limit = Message("alarm.quantity", {"value": 950.0, "unit": "bar"})
    high = Message("alarm.limit.h", {"subject": "주조 압력", "limit": limit})
    assert high.render(translate_message) == "주조 압력 상한: 950 bar 초과"
    for template in CATALOGUE.values():
        korean = translate_message(template)
        assert korean, template
        if _words(template):  # "{value:g} {unit}" reads the same in Korean
            assert korean != template, template


def _words(template: str) -> list[str]:
    import string

    literal = " ".join(text for text, *_ in string.Formatter().parse(template))
    return [w for w in literal.split() if any(ch.isalpha() for ch in w)]


def test_numbers_and_dates_follow_the_language(qapp, tmp_path: Path, english_after) -> None:
    set_language("en")
    assert format_fixed(12345.678, 1) == "12,345.7"
    assert format_fixed(-0.04, 1) == "0.0"
    moment = time.mktime((2026, 12, 3, 12, 0, 0, 0, 0, -1))  # local noon, a Thursday
    assert "(Thu)" in format_header_clock(moment)
    set_language("ko", directory=tmp_path)  # locale only: no catalogue in tmp_path
    assert "(목)" in format_header_clock(moment)
    assert format_fixed(12345.678, 1) == "12,345.7"


def _visible_texts(root: QWidget) -> list[str]:
    """The texts a person sees on a screen: labels, buttons, combo items, placeholders, group
    titles and table headers."""
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QTableView) and widget.model() is not None:
            model = widget.model()
            texts += [
                str(model.headerData(c, _horizontal()) or "") for c in range(model.columnCount())
            ]
    return [t for t in texts if t]


def _horizontal():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def _english_sources() -> set[str]:
    """English texts of the catalogue that read differently in Korean."""
    import xml.etree.ElementTree as ET

    root = ET.parse(tool.ts_file("ko")).getroot()
    found = set()
    for message in root.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        text = translation.text if translation is not None else None
        if text and text != source and "%" not in source and "{" not in source:
            found.add(source.replace("&", ""))
    return found


def test_every_screen_switches_to_korean_and_back_without_restart(
    qtbot, open_window, english_after
) -> None:
    window = open_window(sim_line())
    press = window.overview.tiles["press"]
    qtbot.waitUntil(lambda: "Communication OK" in press.comm_text, timeout=5000)
    assert window.tabs.tabText(0) == "Overview"

    window.language_actions["ko"].trigger()  # the View > Language menu
    assert current_language() == "ko"
    assert QSettings().value(LANGUAGE_KEY) == "ko"
    # Qt posts the LanguageChange events: each view re-labels itself when they arrive.
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "개요", timeout=3000)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[:4] == ["개요", "라인", "알람", "트렌드"]
    assert "통신 정상" in press.comm_text
    assert window.menuBar().actions()[0].text() == "보기(&V)"

    english = _english_sources()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        screen = window.tabs.currentWidget()
        left = [t for t in _visible_texts(screen) if t.replace("&", "") in english]
        assert left == [], f"English left on {titles[index]}: {left}"
    banner = [t for t in _visible_texts(window.alarms.banner) if t.replace("&", "") in english]
    assert banner == []

    window.language_actions["en"].trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "Overview", timeout=3000)
    assert QCoreApplication.translate("MainWindow", "Devices") == "Devices"
    qtbot.waitUntil(lambda: "Communication OK" in press.comm_text, timeout=3000)
    assert QSettings().value(LANGUAGE_KEY) == "en"

    # The header's touch button: names the other language in its own script.
    assert window.header.language_button.text() == "한국어"
    window.header.language_button.click()
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "개요", timeout=3000)
    assert window.header.language_button.text() == "English"
    assert window.language_actions["ko"].isChecked()


def test_the_window_font_draws_hangul(qapp) -> None:
    """A Korean-capable family is in the application's font list (fonts-noto-cjk on Debian,
    Malgun Gothic on Windows), so Korean never shows as empty boxes."""
    from PySide6.QtGui import QFontDatabase, QFontMetrics

    from widgets.app import application
    from widgets.theme import hangul_family

    family = hangul_family()
    assert family is not None, "no Hangul font installed (Debian: fonts-noto-cjk)"
    assert QFontDatabase.WritingSystem.Korean in QFontDatabase.writingSystems(family)
    font = application().font()
    assert family in font.families()
    assert QFontMetrics(font).inFontUcs4(ord("한"))


def test_alarm_messages_already_shown_switch_language(qapp, tmp_path: Path, english_after) -> None:
    """Alarm rows keep their message rendered; a language switch renders them again."""
    from app.alarms.model import AlarmState, AlarmView, Kind, Priority
    from widgets.alarms.model import AlarmTableModel

    shutil.copy(tool.ts_file("ko"), tmp_path)
    tool.release([tmp_path / "shopfloor_ko.ts"])
    model = AlarmTableModel()
    view = AlarmView(
        alarm_id="washer.comm",
        device="washer",
        tag=None,
        condition="comm",
        kind=next(iter(Kind)),
        priority=Priority.HIGH,
        state=AlarmState.UNACK,
        message=Message("alarm.comm_fault", {"device": "Washer", "fault": "timeout"}),
        response="",
        tag_id=None,
        value=None,
        active_since=1.0,
        last_change=1.0,
        acked_by=None,
        ack_comment="",
        shelve=None,
        suppressed_by="",
        out_of_service_by=None,
    )
    model.reset([view])
    assert model.row_at(0).text == "No communication with Washer: no answer"
    set_language("ko", directory=tmp_path)
    model.retranslate()
    assert model.row_at(0).text == "Washer 통신 없음: 응답 없음"
    set_language("en")
    model.retranslate()
    assert model.row_at(0).text == "No communication with Washer: no answer"


def test_the_sign_in_strip_follows_the_language(qtbot, open_window, english_after) -> None:
    window = open_window(sim_line())
    assert window.sign_in.who.text() == "No users yet"
    window.language_actions["ko"].trigger()
    korean = QCoreApplication.translate("SignInStrip", "No users yet")
    assert korean != "No users yet"
    qtbot.waitUntil(lambda: window.sign_in.who.text() == korean, timeout=3000)
