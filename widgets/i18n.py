"""Languages of the window: English (the source) and Korean, switchable while it runs.

The catalogues are ``resources/translations/shopfloor_<lang>.ts`` (Qt Linguist), refreshed,
checked and compiled by ``tools/i18n.py`` (see the README). From a checkout, a missing or
outdated ``.qm`` is compiled here with the PySide6 wheel's ``pyside6-lrelease``; the frozen
build ships compiled ones.

Switching: :func:`set_language` swaps the installed translators; Qt then sends every widget a
``LanguageChange`` event, and each view re-labels itself (:func:`on_language_change`).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QObject, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from resources import RESOURCES_DIR

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = RESOURCES_DIR / "translations"
CATALOGUE = "shopfloor"
#: Language code -> its name in that language (a menu shows each in its own script).
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
#: The locale whose dates and numbers each language uses.
LOCALES: dict[str, str] = {"en": "en_US", "ko": "ko_KR"}
DEFAULT_LANGUAGE = "en"
#: QSettings key of the user's language.
LANGUAGE_KEY = "view/language"

_state: dict[str, object] = {"language": DEFAULT_LANGUAGE, "locale": QLocale(LOCALES["en"])}
_installed: list[QTranslator] = []


def fresh_catalogue(directory: Path, language: str) -> Path | None:
    """The compiled catalogue of ``language``, compiled from its ``.ts`` first when that is
    newer (a checkout); None when there is none."""
    qm = directory / f"{CATALOGUE}_{language}.qm"
    ts = qm.with_suffix(".ts")
    if ts.exists() and (not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime):
        lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
        if lrelease is not None:
            try:
                subprocess.run(
                    [lrelease, "-silent", str(ts), "-qm", str(qm)],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )
            except (OSError, subprocess.SubprocessError) as exc:  # read-only install: keep old
                log.warning("could not compile %s: %s", ts, exc)
    return qm if qm.exists() else None


def install_translators(
    app: QApplication, locale: QLocale | None = None, directory: Path = TRANSLATIONS_DIR
) -> list[QTranslator]:
    """Load ``shopfloor_<locale>.qm`` and Qt's ``qtbase`` for the locale, if they exist.

    The translators are returned (and parented to the app) so they stay alive.
    """
    locale = locale or QLocale()
    fresh_catalogue(directory, locale.name().split("_")[0])
    installed: list[QTranslator] = []
    sources = [
        (CATALOGUE, str(directory)),
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ]
    for name, folder in sources:
        translator = QTranslator(app)
        if translator.load(locale, name, "_", folder) and app.installTranslator(translator):
            installed.append(translator)
            log.info("translation %s loaded for %s", name, locale.name())
        else:
            translator.deleteLater()
    return installed


def set_language(language: str, directory: Path = TRANSLATIONS_DIR) -> str:
    """Show the window in ``language`` (a key of :data:`LANGUAGES`; unknown: English) from now
    on: translators swapped, dates and numbers in its locale. Returns the language set."""
    app = QApplication.instance()
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    locale = QLocale(LOCALES[language])
    if isinstance(app, QApplication):
        for translator in _installed:
            app.removeTranslator(translator)
            translator.deleteLater()
        _installed.clear()
        _installed.extend(install_translators(app, locale, directory))
    QLocale.setDefault(locale)
    _state["language"] = language
    _state["locale"] = locale
    return language


def current_language() -> str:
    """The language the window is shown in."""
    return str(_state["language"])


def korean() -> bool:
    """Show the Korean names a config gives beside the English ones (the UI runs in Korean)."""
    return QLocale().language() == QLocale.Language.Korean


def current_locale() -> QLocale:
    """The locale of the window's language (dates, numbers)."""
    locale = _state["locale"]
    assert isinstance(locale, QLocale)
    return locale


def system_language() -> str:
    """The desktop's language if the window speaks it, else English."""
    name = QLocale.system().name().split("_")[0]
    return name if name in LANGUAGES else DEFAULT_LANGUAGE


class _LanguageWatcher(QObject):
    def __init__(self, target: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(target)
        self._callback = callback
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LanguageChange:
            call_unless_deleted(self._callback)
        return False


def call_unless_deleted(callback: Callable[[], None]) -> None:
    """Run a view's re-label/re-style; a view half torn down (its model's Qt object already
    deleted) has nothing left to relabel."""
    try:
        callback()
    except RuntimeError as exc:
        if "deleted" not in str(exc):
            raise
        log.debug("not re-labelled, being deleted: %s", exc)


def on_language_change(widget: QWidget, retranslate: Callable[[], None]) -> None:
    """Call ``retranslate`` now and whenever the language changes (Qt's ``LanguageChange``).

    A view puts every text it sets once (titles, headers, buttons, tooltips) into its
    ``retranslate`` method and registers it here at the end of ``__init__``.
    """
    retranslate()
    _LanguageWatcher(widget, retranslate)


#: Translation context of the core's message templates (``app/messages.py``).
MESSAGES_CONTEXT = "messages"


def translate_message(template: str) -> str:
    """The reader's language for one of the core's English message templates."""
    return QCoreApplication.translate(MESSAGES_CONTEXT, template)
