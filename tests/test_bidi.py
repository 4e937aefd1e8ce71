"""Mixed-direction text (issue 20): one way to isolate a value, bidi controls kept out
at every door, one date format per language, names in collation order.

What a reader sees in the documents and pages is tested on glyph and box positions in
tests/test_reading_order.py and tests/browser/test_reading_order_browser.py."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from beneficiaries.models import Beneficiary, BeneficiaryDocument, PenitentiaryEstablishment
from grants.models import Sector
from reintegration.accounts.roles import Role
from reintegration.common.bidi import LRI, PDI, RLI, direction, isolate, strip_bidi_controls
from reintegration.common.collation import ARABIC, label_key, sort_key
from reintegration.common.dates import format_date, format_datetime
from reintegration.territories.models import Prefecture

from .factories import BeneficiaryFactory, EstablishmentFactory, UserFactory

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses what follows it
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def render(source: str, **context) -> str:
    return Template("{% load formatting %}" + source).render(Context(context))


# --- the plain-text helper and the template filter -------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("PRJ-2026-00004", "ltr"), ("09-08", "ltr"), ("76 500,00", "ltr"), ("", "ltr"),
    ("يوسف العمراني", "rtl"), ("« النهضة » Snack", "rtl"), ("(Snack) النهضة", "ltr"),
])
def test_the_direction_of_a_value_is_that_of_its_first_letter(value, expected):
    assert direction(value) == expected


def test_plain_text_is_isolated_with_lri_or_rli_and_pdi():
    assert isolate("09-08") == f"{LRI}09-08{PDI}"
    assert isolate("يوسف") == f"{RLI}يوسف{PDI}"
    assert isolate("09-08", dir="rtl") == f"{RLI}09-08{PDI}"
    assert isolate(None) == "" and isolate("") == ""


def test_the_bdi_filter_isolates_and_escapes_once():
    assert render("{{ v|bdi }}", v="PRJ-2026-00004") == '<bdi dir="ltr">PRJ-2026-00004</bdi>'
    assert render("{{ v|bdi }}", v="<b>يوسف</b>") == '<bdi dir="ltr">&lt;b&gt;يوسف&lt;/b&gt;</bdi>'
    # Safe HTML is kept; its direction is read from its text, not from its tags.
    assert render("{{ v|bdi }}", v=mark_safe("<br>يوسف")) == '<bdi dir="rtl"><br>يوسف</bdi>'
    assert render('{{ v|bdi:"ltr" }}', v="يوسف") == '<bdi dir="ltr">يوسف</bdi>'
    assert render("[{{ v|bdi }}]", v=None) == "[]"


def test_bidi_controls_are_stripped_and_marks_kept_only_inside_a_text():
    assert strip_bidi_controls(f"Youssef{RLO} El Amrani") == "Youssef El Amrani"
    assert strip_bidi_controls(f"a{CONTROLS}b") == "ab"
    assert strip_bidi_controls("\u200fزنقة 12-14\u200f") == "زنقة 12-14"
    assert strip_bidi_controls("زنقة 12-14\u200e حي") == "زنقة 12-14\u200e حي"
    assert strip_bidi_controls("ligne 1\u200e\nligne 2") == "ligne 1\nligne 2"
    assert strip_bidi_controls(" a ") == " a " and strip_bidi_controls(None) is None


# --- clean input at every door ---------------------------------------------------------

INTAKE = {
    "first_name": "Youssef", "birth_date": "1990-05-17", "sex": "M", "dependents": 0,
    "confirm_different_person": "on",
}


@pytest.mark.django_db
def test_the_intake_form_stores_a_name_and_an_address_without_bidi_controls(client_for, staff, temara):
    response = client_for(staff).post(reverse("beneficiaries:create"), {
        **INTAKE, "prefecture": temara.pk, "last_name": f"El{RLO} Amrani",
        "last_name_ar": f"العمراني{RLO}", "address": f"{RLO}12, rue Al Qods\u2066 Témara",
    })
    assert response.status_code == 302
    stored = Beneficiary.objects.get()
    assert (stored.last_name, stored.last_name_ar) == ("El Amrani", "العمراني")
    assert stored.address == "12, rue Al Qods Témara"


@pytest.mark.django_db
def test_the_django_admin_stores_a_name_without_bidi_controls(client_for, admin_user, temara):
    response = client_for(admin_user).post(reverse("admin:beneficiaries_penitentiaryestablishment_add"), {
        "name": f"Prison locale{RLO} Tiflet 2", "name_ar": "\u2067السجن المحلي تيفلت 2\u2069",
        "prefecture": temara.pk,
    })
    assert response.status_code == 302
    stored = PenitentiaryEstablishment.objects.get()
    assert (stored.name, stored.name_ar) == ("Prison locale Tiflet 2", "السجن المحلي تيفلت 2")


@pytest.mark.django_db
def test_the_spreadsheet_import_stores_names_without_bidi_controls(client_for, staff, settings, tmp_path):
    settings.IMPORT_TEMP_DIR = tmp_path
    header = "nom;prenom;nom_ar;prenom_ar;cin;date_naissance;sexe;prefecture"
    row = f"Ben{RLO}nani;\u2067Youssef;بناني\u202b;يوسف;AB123456;17/05/1990;M;04.501"
    upload = SimpleUploadedFile("f.csv", f"{header}\n{row}".encode(), "text/csv")
    client = client_for(staff)
    assert client.post(reverse("beneficiaries:import"), {"file": upload}).status_code == 302
    assert client.get(reverse("beneficiaries:import_preview")).context["report"].new_count == 1
    client.post(reverse("beneficiaries:import_confirm"), {"expected": "1"})
    stored = Beneficiary.objects.get()
    assert (stored.last_name, stored.first_name, stored.last_name_ar) == ("Bennani", "Youssef", "بناني")


@pytest.mark.django_db
def test_a_search_and_an_uploaded_file_name_lose_their_bidi_controls(client_for, staff):
    beneficiary = BeneficiaryFactory(last_name="Bennani")
    client = client_for(staff)
    listing = client.get(reverse("beneficiaries:list"), {"q": f"Ben{RLO}nani"})
    assert list(listing.context["object_list"]) == [beneficiary]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client.post(reverse("beneficiaries:document_upload", args=[beneficiary.public_id]), {
        "kind": "id_copy", "file": SimpleUploadedFile(f"cin{RLO}fdp.pdf", pdf),
    })
    assert BeneficiaryDocument.objects.get().original_name == "cinfdp.pdf"


@pytest.mark.django_db
def test_a_password_is_checked_as_typed(client):
    UserFactory(username="amina", role=Role.FOUNDATION_STAFF, password=f"secret{RLO}-horse-battery")
    response = client.post(reverse("login"), {
        "username": "amina", "password": f"secret{RLO}-horse-battery",
    })
    assert response.status_code == 302


# --- one date format per language --------------------------------------------------------

DAY = datetime.date(2024, 12, 6)


@pytest.mark.parametrize("language, short, long", [
    ("fr", "06/12/2024", "6 décembre 2024"),
    ("ar", "06/12/2024", "6 دجنبر 2024"),
    ("en", "06/12/2024", "6 December 2024"),
])
def test_one_short_and_one_long_date_format_per_language(language, short, long):
    with translation.override(language):
        assert format_date(DAY) == short
        assert format_date(DAY, "long") == long
        assert render("{{ d|short_date }}|{{ d|long_date }}", d=DAY) == f"{short}|{long}"


def test_arabic_documents_name_the_months_as_morocco_does():
    with translation.override("ar"):
        months = [format_date(datetime.date(2024, month, 1), "long").split()[1] for month in range(1, 13)]
    assert months == ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو",
                      "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر"]


def test_a_moment_is_shown_in_local_time_with_24_hours(settings):
    moment = datetime.datetime(2024, 12, 6, 15, 5, tzinfo=datetime.UTC)
    assert format_datetime(moment) == "06/12/2024 16:05"  # Africa/Casablanca, UTC+1


def test_django_formats_agree_with_the_helper_in_every_language():
    from django.utils.formats import date_format

    for language in ("fr", "ar", "en"):
        with translation.override(language):
            assert date_format(DAY, "SHORT_DATE_FORMAT") == "06/12/2024"


# --- collation -------------------------------------------------------------------------


@pytest.mark.django_db
def test_prefectures_follow_french_collation_and_arabic_order_in_arabic():
    french = [p.name_fr for p in Prefecture.objects.all()]
    assert french.index("Béni Mellal") < french.index("Berkane") < french.index("Boulemane")
    assert french.index("Tétouan") < french.index("Tiznit")
    for language in ("fr", "en"):
        with translation.override(language):
            assert [p.name_fr for p in Prefecture.objects.all()] == french
    with translation.override("ar"):
        arabic = [p.name_ar for p in Prefecture.objects.all()]
    assert arabic == sorted(arabic, key=lambda name: sort_key(name, ARABIC))
    assert arabic != sorted(arabic)  # ICU, not code points: أ, إ and آ sort with ا


@pytest.mark.django_db
def test_establishments_and_sectors_follow_the_pages_language(temara):
    EstablishmentFactory(name="Prison locale Tiflet 2", name_ar="السجن المحلي تيفلت 2")
    EstablishmentFactory(name="Établissement Ain Sebaa", name_ar="المؤسسة السجنية عين السبع")
    EstablishmentFactory(name="Prison centrale Kénitra", name_ar="")
    names = [str(e) for e in PenitentiaryEstablishment.objects.all()]
    assert names == ["Établissement Ain Sebaa", "Prison centrale Kénitra", "Prison locale Tiflet 2"]
    with translation.override("ar"):
        names = [str(e) for e in PenitentiaryEstablishment.objects.all()]
    assert names == ["السجن المحلي تيفلت 2", "المؤسسة السجنية عين السبع", "Prison centrale Kénitra"]
    Sector.objects.create(name_fr="Élevage", name_ar="تربية المواشي", name_en="Livestock")
    Sector.objects.create(name_fr="Menuiserie", name_ar="نجارة", name_en="Carpentry")
    Sector.objects.create(name_fr="Couture", name_ar="خياطة", name_en="Tailoring")
    assert [s.name_fr for s in Sector.objects.all()] == ["Couture", "Élevage", "Menuiserie"]
    with translation.override("en"):
        assert [s.name_en for s in Sector.objects.all()] == ["Carpentry", "Livestock", "Tailoring"]
    with translation.override("ar"):
        assert [s.name_ar for s in Sector.objects.all()] == ["تربية المواشي", "خياطة", "نجارة"]


@pytest.mark.django_db
def test_people_are_listed_in_french_collation(client_for, staff):
    for name in ("Zerouali", "Élamrani", "Bennani", "El Fassi"):
        BeneficiaryFactory(last_name=name)
    listing = client_for(staff).get(reverse("beneficiaries:list"))
    assert [b.last_name for b in listing.context["object_list"]] == [
        "Bennani", "El Fassi", "Élamrani", "Zerouali"
    ]


@pytest.mark.django_db
def test_the_prefecture_filter_lists_beni_mellal_before_berkane(client_for, auditor):
    codes = {p.name_fr: p for p in Prefecture.objects.filter(
        name_fr__in=["Tiznit", "Berkane", "Tétouan", "Béni Mellal", "Boulemane"])}
    for prefecture in codes.values():
        BeneficiaryFactory(prefecture=prefecture)
    page = client_for(auditor).get(reverse("beneficiaries:list")).content.decode()
    positions = [page.index(f">{name}</option>") for name in
                 ("Béni Mellal", "Berkane", "Boulemane", "Tétouan", "Tiznit")]
    assert positions == sorted(positions)


def test_the_python_sort_key_matches_the_databases():
    names = ["Tiznit", "Tétouan", "Berkane", "Béni Mellal", "Boulemane", "Zèbre", "Étagère"]
    assert sorted(names, key=label_key) == [
        "Béni Mellal", "Berkane", "Boulemane", "Étagère", "Tétouan", "Tiznit", "Zèbre"
    ]


# --- Arabic data where the documents need it ---------------------------------------------


@pytest.mark.django_db
def test_a_project_is_saved_with_its_arabic_title_and_designations(client_for, staff):
    from grants.models import Project

    from .factories import SectorFactory
    from .test_grants_views import OVEN, PDF, project_data

    beneficiary, sector = BeneficiaryFactory(), SectorFactory()
    data = project_data(beneficiary, sector, [{**OVEN, "designation_ar": "فرن كهربائي"}],
                        title_ar="مخبزة الحي")
    data["feasibility_study"] = SimpleUploadedFile("etude.pdf", PDF, content_type="application/pdf")
    response = client_for(staff).post(reverse("grants:project_create"), data)
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.title_ar == "مخبزة الحي"
    assert project.equipment_items.get().designation_ar == "فرن كهربائي"


@pytest.mark.django_db
def test_an_arabic_title_in_latin_letters_is_refused_with_a_translated_error(client_for, staff):
    from .factories import SectorFactory
    from .test_grants_views import OVEN, project_data

    data = project_data(BeneficiaryFactory(), SectorFactory(), [OVEN], title_ar="Boulangerie")
    client = client_for(staff)
    client.cookies["django_language"] = "ar"
    response = client.post(reverse("grants:project_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["title_ar"] == [
        "ابدأ هذا النص بكلمة عربية: فهو يُطبع في الشطر العربي من الوثائق."
    ]
    # What was typed is shown again.
    assert 'value="Boulangerie"' in response.content.decode()


@pytest.mark.django_db
def test_an_establishment_is_named_in_arabic_on_arabic_pages(client_for, staff):
    establishment = EstablishmentFactory(name="Prison locale Tiflet 2", name_ar="السجن المحلي تيفلت 2")
    beneficiary = BeneficiaryFactory(establishment=establishment)
    client = client_for(staff)
    client.cookies["django_language"] = "ar"
    page = client.get(beneficiary.get_absolute_url()).content.decode()
    assert "السجن المحلي تيفلت 2" in page and "Prison locale Tiflet 2" not in page


@pytest.mark.django_db
def test_the_shipped_establishments_get_their_arabic_names_from_the_migration(temara):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("beneficiaries.migrations.0008_establishment_arabic_name")
    tiflet = EstablishmentFactory(name="Prison locale Tiflet 2", name_ar="")
    named = EstablishmentFactory(name="Prison centrale Kénitra", name_ar="السجن المركزي بالقنيطرة")
    other = EstablishmentFactory(name="Prison locale Oukacha", name_ar="")
    migration.name_in_arabic(apps, None)
    for establishment in (tiflet, named, other):
        establishment.refresh_from_db()
    assert tiflet.name_ar == "السجن المحلي تيفلت 2"
    assert named.name_ar == "السجن المركزي بالقنيطرة"  # an admin's name is kept
    assert other.name_ar == ""


@pytest.mark.django_db
def test_the_demo_gives_the_temara_ceremony_arabic_titles():
    from django.core.management import call_command

    from ceremonies.models import Ceremony

    call_command("seed_demo", stdout=io.StringIO())
    ceremony = Ceremony.objects.get(prefecture__code="04.501")
    assert direction(ceremony.title_ar) == "rtl"
    assert direction(ceremony.convention.title_ar) == "rtl"
    projects = list(ceremony.projects.all())
    assert projects and all(direction(project.title_ar) == "rtl" for project in projects)
    assert all(line["designation_ar"] for handover in ceremony.handovers.all() for line in handover.items)


# --- plain text: e-mails and exports -------------------------------------------------------


@pytest.mark.django_db
def test_an_arabic_email_names_the_project_by_its_arabic_title_isolated(temara, mailoutbox):
    from grants.notifications import notify_project_submitted

    from .factories import ProjectFactory

    officer = UserFactory(role=Role.PREFECTURE_OFFICER, prefectures=[temara], language="ar")
    project = ProjectFactory(prefecture=temara, title="Snack Nahda.", title_ar="سناك النهضة")
    notify_project_submitted(project)
    (message,) = mailoutbox
    assert message.to == [officer.email]
    assert isolate("سناك النهضة") in message.body and "Snack" not in message.body
    assert isolate(project.reference) in message.subject
    assert message.subject.startswith(isolate("[Réinsertion]") + " المشروع")


def test_export_cells_are_isolated_when_they_read_the_other_way():
    from reintegration.common.exports import csv_cell, isolate_cell, xlsx_cell

    with translation.override("ar"):
        assert isolate_cell("PRJ-2026-00004") == isolate("PRJ-2026-00004")
        assert isolate_cell("Atlas S.A.R.L.") == f"{LRI}Atlas S.A.R.L.{PDI}"
        assert isolate_cell("مخبزة") == "مخبزة"
        assert isolate_cell("2024-12-06") == "2024-12-06"  # no letter: a value, left alone
        assert csv_cell("El Amrani", decimal_comma=True) == isolate("El Amrani")
        assert xlsx_cell("=SUM(A1)") == isolate("'=SUM(A1)")
        assert csv_cell(datetime.date(2024, 12, 6), decimal_comma=True) == "2024-12-06"
    with translation.override("fr"):
        assert isolate_cell("El Amrani") == "El Amrani"
        assert isolate_cell("يوسف العمراني") == f"{RLI}يوسف العمراني{PDI}"


@pytest.mark.django_db
def test_an_arabic_xlsx_export_reads_right_to_left(client_for, staff):
    from openpyxl import load_workbook

    BeneficiaryFactory(last_name="El Amrani", first_name="Youssef")
    client = client_for(staff)
    client.cookies["django_language"] = "ar"
    response = client.get(reverse("beneficiaries:list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.sheet_view.rightToLeft
    names = [cell.value for cell in sheet[2]]
    assert isolate("El Amrani") in names and isolate("Youssef") in names
