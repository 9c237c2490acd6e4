"""Translations: Qt's own catalogue plus ours from ``resources/translations`` when present.

To translate: refresh the catalogue with
``pyside6-lupdate widgets/*.py -ts resources/translations/shopfloor_ko.ts``, translate it in
``pyside6-linguist``, then ``pyside6-lrelease`` it to ``shopfloor_ko.qm`` beside it. The
window loads the ``.qm`` of the system locale at start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from resources import RESOURCES_DIR

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = RESOURCES_DIR / "translations"
CATALOGUE = "shopfloor"


def install_translators(
    app: QApplication, locale: QLocale | None = None, directory: Path = TRANSLATIONS_DIR
) -> list[QTranslator]:
    """Load ``shopfloor_<locale>.qm`` and Qt's ``qtbase`` for the locale, if they exist.

    The translators are returned (and parented to the app) so they stay alive.
    """
    locale = locale or QLocale()
    installed: list[QTranslator] = []
    sources = [
        (CATALOGUE, str(directory)),
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


#: Translation context of the core's message templates (``app/messages.py``).
MESSAGES_CONTEXT = "messages"


def translate_message(template: str) -> str:
    """The reader's language for one of the core's English message templates."""
    return QCoreApplication.translate(MESSAGES_CONTEXT, template)
