"""Every string a person sees is translated: .po files complete, templates tagged."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PO_FILES = sorted(
    p for p in BASE.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts
)
TEMPLATES = sorted(
    p for p in BASE.glob("**/templates/**/*.html")
    if ".venv" not in p.parts and "admin" not in p.relative_to(BASE).parts[-2:-1]
)


def test_there_are_french_arabic_and_english_catalogues():
    languages = {p.parts[-3] for p in PO_FILES}
    assert languages == {"fr", "ar", "en"}


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(BASE)))
def test_po_file_has_no_untranslated_or_fuzzy_entry(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(BASE)))
def test_po_file_is_compiled_and_up_to_date(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists()
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}
    for entry in polib.pofile(str(po_path)).translated_entries():
        if not entry.msgid_plural:
            assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)
BLOCKS = re.compile(
    r"{%\s*(blocktranslate|blocktrans)\b.*?{%\s*end\1\s*%}|<script\b.*?</script>|<style\b.*?</style>",
    re.DOTALL,
)
HTML_TAG = re.compile(r"<[^>]*>", re.DOTALL)
TEXT_ATTRIBUTE = re.compile(r"""\b(?:title|alt|placeholder|aria-label)\s*=\s*"([^"]*)\"""")
LETTERS = re.compile(r"[A-Za-zÀ-ÿ\u0600-\u06FF]{2,}")


def untranslated_text(source: str) -> list[str]:
    source = BLOCKS.sub(" ", source)
    found = []
    for value in TEXT_ATTRIBUTE.findall(source):
        if LETTERS.search(TAG.sub("", value)):
            found.append(value)
    text = HTML_TAG.sub(" ", TAG.sub(" ", source))
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    found.extend(word for word in LETTERS.findall(text))
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(BASE)))
def test_template_holds_no_text_outside_translation_tags(template):
    assert untranslated_text(template.read_text(encoding="utf-8")) == []


def test_the_check_finds_text_outside_tags():
    assert untranslated_text('<p>Bonjour {% translate "x" %}</p><a title="Voir">') == [
        "Voir", "Bonjour",
    ]


def test_one_english_word_takes_the_gender_of_what_it_describes_in_french():
    """All apps share one catalogue at run time: a context keeps "Prévue" (ceremony) and
    "Prévu" (equipment line) apart."""
    from django.utils import translation

    from ceremonies.models import Ceremony
    from grants.models import EquipmentItem

    with translation.override("fr"):
        assert str(Ceremony.Status.PLANNED.label) == "Prévue"
        assert str(EquipmentItem.Status.PLANNED.label) == "Prévu"


def test_a_background_job_s_words_do_not_rename_the_other_apps():
    """The project's catalogue (locale/) wins over the apps' own: the jobs' "Done" and
    "title" carry a context, so visits stay "Effectuées" and a project's title "Intitulé"."""
    from django.utils import translation

    from followup.filters import VisitFilter
    from grants.models import Project
    from reintegration.jobs.models import Job

    with translation.override("fr"):
        assert str(dict(VisitFilter.STATES)[VisitFilter.DONE]) == "Effectuées"
        assert str(Project._meta.get_field("title").verbose_name) == "intitulé"
        assert str(Job.Status.SUCCEEDED.label) == "Terminé"
        assert str(Job._meta.get_field("title").verbose_name) == "titre"
