"""Translations: a compiled catalogue for the locale is loaded and used by the views."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale

from widgets.i18n import install_translators

TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>MainWindow</name>
    <message>
        <source>Overview</source>
        <translation>개요</translation>
    </message>
</context>
<context>
    <name>format</name>
    <message numerus="yes">
        <source>%n s ago</source>
        <translation><numerusform>%n초 전</numerusform></translation>
    </message>
</context>
</TS>
"""


def test_a_korean_catalogue_is_loaded_for_the_korean_locale(qapp, tmp_path: Path) -> None:
    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    assert lrelease is not None, "pyside6-lrelease ships with PySide6"
    ts = tmp_path / "shopfloor_ko.ts"
    ts.write_text(TS, encoding="utf-8")
    subprocess.run([lrelease, str(ts)], check=True, capture_output=True, timeout=60)
    assert (tmp_path / "shopfloor_ko.qm").exists()

    installed = install_translators(qapp, QLocale("ko_KR"), directory=tmp_path)
    try:
        assert installed, "the catalogue was not installed"
        assert QCoreApplication.translate("MainWindow", "Overview") == "개요"
        from widgets.format import format_age

        assert format_age(5) == "5초 전"
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
    assert QCoreApplication.translate("MainWindow", "Overview") == "Overview"


def test_no_catalogue_means_english(qapp, tmp_path: Path) -> None:
    installed = install_translators(qapp, QLocale("ko_KR"), directory=tmp_path)
    try:
        assert all("shopfloor" not in t.filePath() for t in installed)
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
    assert QCoreApplication.translate("MainWindow", "Overview") == "Overview"
