"""Translations: Qt's own catalogue plus ours from ``resources/translations`` when present."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from resources import RESOURCES_DIR

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = RESOURCES_DIR / "translations"
CATALOGUE = "shopfloor"


def install_translators(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Load ``shopfloor_<locale>.qm`` and Qt's ``qtbase`` for the locale, if they exist.

    The translators are returned (and parented to the app) so they stay alive.
    """
    locale = locale or QLocale()
    installed: list[QTranslator] = []
    sources = [
        (CATALOGUE, str(TRANSLATIONS_DIR)),
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ]
    for name, directory in sources:
        translator = QTranslator(app)
        if translator.load(locale, name, "_", directory) and app.installTranslator(translator):
            installed.append(translator)
            log.info("translation %s loaded for %s", name, locale.name())
        else:
            translator.deleteLater()
    return installed
