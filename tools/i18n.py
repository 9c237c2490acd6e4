"""Translation catalogues: extract, check and compile (run after adding or changing any text).

    .venv/bin/python tools/i18n.py            # update + check + release (the one command)
    .venv/bin/python tools/i18n.py update     # refresh the .ts files from the sources
    .venv/bin/python tools/i18n.py check      # list texts without a finished translation
    .venv/bin/python tools/i18n.py release    # compile .ts -> .qm (also done by installer/build.sh)

``update`` runs ``pyside6-lupdate`` (from the PySide6 wheel) over every ``.py`` under
``widgets/`` (subpackages included) plus the core's message templates (``app.messages.CATALOGUE``,
``FAULTS`` and ``STATE_NAMES``, which are data, not ``tr()`` calls: they are written to a
generated stub with ``QT_TRANSLATE_NOOP("messages", ...)`` first). Locations are left out of
the ``.ts`` files so that two branches adding screens do not conflict on line numbers. Finished
translations are kept; texts no longer in the sources are dropped.

``check`` exits 1 when a Korean translation is missing, unfinished, or does not carry the same
placeholders (``%1``, ``%n``, ``{device}``) as its source. Translate with ``pyside6-linguist
resources/translations/shopfloor_ko.ts`` or any editor. English needs only plural forms
(``%n alarm(s)``), so ``shopfloor_en.ts`` holds only those.
"""

from __future__ import annotations

import argparse
import re
import shutil
import string
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: the project's packages from the checkout
    sys.path.insert(0, str(REPO))

from app.messages import CATALOGUE, FAULTS, STATE_NAMES  # noqa: E402

TRANSLATIONS = REPO / "resources" / "translations"
SOURCES = (REPO / "widgets",)
#: Languages with a full catalogue; English is the source language (plural forms only).
FULL_LANGUAGES = ("ko",)
PLURAL_ONLY_LANGUAGES = ("en",)
MESSAGES_CONTEXT = "messages"  # widgets/i18n.py:MESSAGES_CONTEXT


def tool(name: str) -> str:
    """A Qt tool of the PySide6 wheel (beside this interpreter), else from PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install the project (it comes with PySide6)")
    return found


def ts_file(language: str) -> Path:
    """The catalogue of one language."""
    return TRANSLATIONS / f"shopfloor_{language}.ts"


def core_templates() -> list[str]:
    """Every English text of the core that a view translates (message templates, fault names,
    the product's names of machine states)."""
    return sorted(set(CATALOGUE.values()) | set(FAULTS.values()) | set(STATE_NAMES))


def write_core_stub(folder: Path) -> Path:
    """A Python file lupdate reads: one ``QT_TRANSLATE_NOOP`` per core template."""
    lines = ["from PySide6.QtCore import QT_TRANSLATE_NOOP", ""]
    lines += [f"QT_TRANSLATE_NOOP({MESSAGES_CONTEXT!r}, {text!r})" for text in core_templates()]
    stub = folder / "core_messages.py"
    stub.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stub


def update(targets: Iterable[tuple[str, Path]] | None = None) -> None:
    """Refresh the catalogues (``(language, ts path)`` pairs; default: the project's own)."""
    pairs = list(targets) if targets is not None else _default_targets()
    with tempfile.TemporaryDirectory() as folder:
        stub = write_core_stub(Path(folder))
        for language, path in pairs:
            if not path.exists():
                path.write_text(_empty_ts(language), encoding="utf-8")
            command = [tool("pyside6-lupdate"), "-extensions", "py"]
            command += [str(s) for s in SOURCES] + [str(stub)]
            command += ["-ts", str(path), "-no-obsolete", "-locations", "none", "-silent"]
            if language in PLURAL_ONLY_LANGUAGES:
                command.append("-pluralonly")
            subprocess.run(command, check=True, timeout=120, stdout=subprocess.DEVNULL)


def release(paths: Iterable[Path] | None = None) -> list[Path]:
    """Compile ``.ts`` files to ``.qm`` beside them; the compiled files."""
    compiled = []
    for path in paths if paths is not None else sorted(TRANSLATIONS.glob("*.ts")):
        qm = path.with_suffix(".qm")
        subprocess.run(
            [tool("pyside6-lrelease"), "-silent", str(path), "-qm", str(qm)],
            check=True,
            timeout=120,
        )
        compiled.append(qm)
    return compiled


@dataclass(frozen=True, slots=True)
class Problem:
    """One text of a catalogue that is not ready to ship."""

    context: str
    source: str
    what: str

    def __str__(self) -> str:
        return f"[{self.context}] {self.source!r}: {self.what}"


_QT_ARGS = re.compile(r"%(?:n|L?\d+)")


def placeholders(context: str, text: str) -> set[str]:
    """The placeholders a translation must keep: ``%1``/``%n`` (Qt) and ``{field}`` (core)."""
    found = set(_QT_ARGS.findall(text))
    if context == MESSAGES_CONTEXT:
        try:
            found |= {f"{{{name}}}" for _, name, _, _ in string.Formatter().parse(text) if name}
        except ValueError:
            found.add("<invalid format string>")
    return found


def problems(path: Path) -> list[Problem]:
    """Texts of a full catalogue without a finished translation that keeps its placeholders."""
    found: list[Problem] = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "vanished"):
                found.append(Problem(name, source, "not translated"))
                continue
            forms = [f.text or "" for f in translation.iter("numerusform")] or [
                translation.text or ""
            ]
            if not all(f.strip() for f in forms):
                found.append(Problem(name, source, "empty translation"))
                continue
            wanted = placeholders(name, source)
            for form in forms:
                if placeholders(name, form) != wanted:
                    found.append(Problem(name, source, f"placeholders differ in {form!r}"))
    return found


def check(language: str = "ko", sources_path: Path | None = None) -> list[Problem]:
    """Problems of a language's catalogue as the *current* sources need it (extracted into a
    temporary copy, so a text added to the code but not to the ``.ts`` counts as missing)."""
    committed = sources_path or ts_file(language)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / committed.name
        shutil.copyfile(committed, copy)
        update([(language, copy)])
        return problems(copy)


def _default_targets() -> list[tuple[str, Path]]:
    return [(lang, ts_file(lang)) for lang in FULL_LANGUAGES + PLURAL_ONLY_LANGUAGES]


def _empty_ts(language: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
        f'<TS version="2.1" language="{language}">\n</TS>\n'
    )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; 1 when a catalogue has problems."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", nargs="?", choices=["all", "update", "check", "release"])
    step = parser.parse_args(argv).step or "all"
    if step in ("all", "update"):
        update()
    if step in ("all", "release"):
        for qm in release():
            _say(f"compiled {qm.relative_to(REPO)}")
    if step in ("all", "check"):
        status = 0
        for language in FULL_LANGUAGES:
            found = problems(ts_file(language)) if step == "all" else check(language)
            for problem in found:
                _say(f"{ts_file(language).name}: {problem}")
            if found:
                _say(f"{ts_file(language).name}: {len(found)} text(s) to translate")
                status = 1
        return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
