#!/usr/bin/env python
"""Keep the French, Arabic and English catalogues complete.

  python scripts/i18n.py update             extract every catalogue's strings, then compile
  python scripts/i18n.py missing            list the untranslated entries of every catalogue
  python scripts/i18n.py fill DIR FILE.py   fill DIR/locale/{fr,ar} from FILE.py's dict
                                            TR = {msgid: (french, arabic)}; English = msgid

Each app keeps its own catalogue (`<app>/locale/`); the project's templates and the
cross-cutting apps use `locale/`. Plural entries take a tuple of forms.
"""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent
APPS = [
    "beneficiaries", "grants", "procurement", "ceremonies", "followup", "cases",
    "reintegration/dashboard",
]
LANGUAGES = ["fr", "ar", "en"]
MANAGE = [sys.executable, str(BASE / "manage.py")]
ENV = {**os.environ, "DJANGO_DEBUG": "true"}


def catalogue_dirs() -> list[Path]:
    return [BASE] + [BASE / app for app in APPS if (BASE / app / "locale").is_dir()]


def update() -> None:
    langs = [arg for lang in LANGUAGES for arg in ("-l", lang)]
    ignores = ["--ignore=.venv", "--ignore=tests", "--ignore=static", "--ignore=bench"]
    ignores += [f"--ignore={app}/*" for app in APPS]
    subprocess.run([*MANAGE, "makemessages", *langs, *ignores], cwd=BASE, env=ENV, check=True)
    for directory in catalogue_dirs()[1:]:
        subprocess.run([*MANAGE, "makemessages", *langs], cwd=directory, env=ENV, check=True)
    for po in ((d / "locale").glob("*/LC_MESSAGES/django.po") for d in catalogue_dirs()):
        for path in po:
            english_is_source(path)
    compile_all()


def english_is_source(path: Path) -> None:
    if path.parts[-3] != "en":
        return
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()


def compile_all() -> None:
    for directory in catalogue_dirs():
        for path in (directory / "locale").glob("*/LC_MESSAGES/django.po"):
            subprocess.run(["msgfmt", "-o", str(path.with_suffix(".mo")), str(path)], check=True)


def missing() -> int:
    count = 0
    for directory in catalogue_dirs():
        for path in sorted((directory / "locale").glob("*/LC_MESSAGES/django.po")):
            po = polib.pofile(str(path))
            for entry in po.untranslated_entries() + po.fuzzy_entries():
                print(f"{path.relative_to(BASE)}: {entry.msgid!r}")
                count += 1
    return count


def fill(directory: str, translations: str) -> None:
    table = runpy.run_path(translations)["TR"]
    for lang, index in (("fr", 0), ("ar", 1)):
        path = Path(directory) / "locale" / lang / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(path))
        for entry in po:
            if entry.msgid not in table:
                continue
            value = table[entry.msgid][index]
            if entry.msgid_plural:
                forms = list(value) if isinstance(value, list | tuple) else [value]
                count = 2 if lang == "fr" else 6
                entry.msgstr_plural = {k: forms[min(k, len(forms) - 1)] for k in range(count)}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()
    compile_all()


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["missing"]
    if command == "update":
        update()
    elif command == "fill":
        fill(*args)
    elif command == "missing":
        sys.exit(1 if missing() else 0)
    else:
        sys.exit(__doc__)
