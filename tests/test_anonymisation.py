"""Anonymisation leaves nothing: after a demo file is anonymised, neither its name (Latin
or Arabic) nor its national ID is anywhere, in any text column of any table, history and
logs included, nor in any stored file. The tables and their columns are read from the
database itself, so a table added later is searched without editing this test."""

import datetime
import io
import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from ceremonies import documents
from ceremonies.models import Ceremony, CeremonyPhoto, Handover
from followup import services as followup_services
from grants import services as project_services
from grants.models import Project, Review
from reintegration.accounts.models import User
from reintegration.security.anonymisation import ANONYMISED, Identity, scrub

from .test_beneficiaries import png

pytestmark = pytest.mark.django_db

TEXT_TYPES = {"CharField", "TextField", "JSONField", "SlugField", "EmailField"}


def text_columns() -> dict[str, list[str]]:
    """Every column of every table that can hold words, as the database describes it."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            found[table] = [
                column.name for column in connection.introspection.get_table_description(cursor, table)
                if connection.introspection.get_field_type(column.type_code, column) in TEXT_TYPES
            ]
    return {table: columns for table, columns in found.items() if columns}


def spellings(needle: str) -> set[str]:
    found = {needle}
    if connection.vendor == "sqlite":  # JSON text keeps non-ASCII letters escaped there
        found.add(json.dumps(needle)[1:-1])
    return found


def database_hits(needles: list[str]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every needle found, whatever its case: one query per
    table for the rows holding any, then which column holds which."""
    quote = connection.ops.quote_name
    looked_for = {spelling.upper(): needle for needle in needles for spelling in spellings(needle)}
    hits = set()
    with connection.cursor() as cursor:
        for table, columns in text_columns().items():
            texts = [f"UPPER(CAST({quote(column)} AS TEXT))" for column in columns]
            where = " OR ".join(f"{text} LIKE %s" for text in texts for _spelling in looked_for)
            cursor.execute(
                f"SELECT {', '.join(texts)} FROM {quote(table)} WHERE {where}",
                [f"%{spelling}%" for _text in texts for spelling in looked_for],
            )
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    hits |= {(table, column, needle) for spelling, needle in looked_for.items()
                             if value and spelling in value}
    return hits


def readable_text(path: Path) -> str:
    """What a file says: its bytes as text, and a PDF's text as poppler extracts it
    (shaped Arabic letters folded back, and also read right to left)."""
    content = path.read_bytes()
    text = content.decode("utf-8", "ignore") + content.decode("latin-1")
    if content.startswith(b"%PDF"):
        extracted = subprocess.run(
            ["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False
        ).stdout.decode()
        extracted = unicodedata.normalize("NFKC", extracted)
        text += extracted + extracted[::-1]
    return text.upper()


def storage_hits(root: Path, needles: list[str]) -> set[tuple[str, str]]:
    hits = set()
    for path in root.rglob("*"):
        if path.is_file():
            text = readable_text(path)
            hits |= {(str(path.relative_to(root)), n) for n in needles if n.upper() in text}
    return hits


@pytest.fixture
def demo(settings, tmp_path, django_capture_on_commit_callbacks):
    """The demo world, its ceremony's certificates and bundle stored as the ceremony's
    page stores them, in a media folder of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
        documents.issue_documents(Ceremony.objects.get())
    return Path(settings.MEDIA_ROOT)


def leave_traces_everywhere(client, person: Beneficiary) -> None:
    """What months of work write about a person beyond the demo: their file read and
    searched for (by name, in both scripts) and exported, a review and visits that name
    them (one visit deleted since), their ceremony's notes and a photo caption, the
    Django admin's change log."""
    staff, officer = User.objects.get(username="staff"), User.objects.get(username="officer")
    admin = User.objects.get(username="admin")
    project = person.projects.get()
    client.force_login(staff)
    assert client.get(person.get_absolute_url()).status_code == 200
    for query in ("Zerouali", "الزروالي", "AE100004"):
        assert client.get(reverse("beneficiaries:list"), {"q": query, "export": "csv"}).status_code == 200
    Review.objects.create(project=project, reviewer=officer, decision=Review.Decision.APPROVE,
                          reason="M. Mohamed Zerouali (CIN AE100004) a complété son dossier.")
    project_services.launch_project(project=project, user=staff, launched_on=datetime.date(2025, 1, 6))
    first, second, *_rest = project.visits.order_by("due_on")
    followup_services.record_visit(
        visit=first, user=staff, visited_on=first.due_on, activity_status="active",
        notes="Zerouali reçoit ses clients au salon ; joignable au 06 64 00 02 37.",
    )
    second.notes = "Visite prévue chez M. Zerouali (محمد الزروالي)."
    second.save()
    second.delete()
    ceremony = Ceremony.objects.get()
    ceremony.notes += " Mot de remerciement de M. Zerouali au nom des bénéficiaires."
    ceremony.save()
    CeremonyPhoto.objects.create(
        ceremony=ceremony, image=ContentFile(png(), name="photo.png"), content_type="image/png",
        caption="M. Zerouali reçoit son fauteuil de coiffure", uploaded_by=staff,
    )
    for obj in (person, project):
        LogEntry.objects.create(
            user=admin, content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
            object_repr=str(obj)[:200], action_flag=CHANGE, change_message="[]",
        )
    # Closing the last project ends the programme: the file is closed with it.
    project_services.close_project(project=project, user=staff, reason="Activité stable, suivi terminé.")
    Beneficiary.objects.filter(pk=person.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )


def test_an_anonymised_demo_file_leaves_its_name_and_national_id_nowhere_and_the_rest_as_it_was(
    demo, client, django_capture_on_commit_callbacks
):
    person = Beneficiary.objects.get(cin="AE100004")
    needles = [
        "Zerouali", "Mohamed Zerouali", "الزروالي", "محمد الزروالي", "AE100004",
        person.phone, "0" + person.phone[4:],
    ]
    # Only this person bears the name: whatever is found is about them.
    assert Beneficiary.objects.filter(last_name="Zerouali").count() == 1
    assert not User.objects.filter(last_name="Zerouali").exists()
    leave_traces_everywhere(client, person)

    # The search finds what it looks for: the name was in all these places.
    before = {(table, column) for table, column, _needle in database_hits(needles)}
    assert {
        ("beneficiaries_beneficiary", "last_name"), ("beneficiaries_beneficiary", "last_name_ar"),
        ("beneficiaries_historicalbeneficiary", "cin"),
        ("grants_project", "title"), ("grants_project", "description"),
        ("grants_historicalproject", "title"), ("grants_review", "reason"),
        ("grants_historicalfollowupvisit", "notes"), ("ceremonies_ceremony", "notes"),
        ("ceremonies_ceremonyphoto", "caption"), ("audit_accesslog", "path"),
        ("audit_accesslog", "detail"), ("django_admin_log", "object_repr"),
    } <= before
    stored = {(name.rsplit("/", 1)[0], needle) for name, needle in storage_hits(demo, needles)}
    assert {
        ("documents", "Mohamed Zerouali"), ("feasibility", "Zerouali"),
        ("certificates/issued", "Zerouali"), ("certificates/issued", "محمد الزروالي"),
        ("ceremonies/bundles", "Zerouali"), ("ceremonies/bundles", "الزروالي"),
    } <= stored
    # What must stay.
    others = sorted(
        Beneficiary.objects.exclude(pk=person.pk).values_list("last_name", "last_name_ar", "cin", "phone")
    )
    other_titles = sorted(Project.objects.exclude(beneficiary=person).values_list("title", flat=True))
    staff_names = sorted(User.objects.values_list("first_name", "last_name"))
    guests = Ceremony.objects.get().guests.count()
    project = person.projects.get()
    figures = (project.approved_amount, project.cash_grant_amount, project.equipment_value,
               project.status, project.sector_id, project.events.count(), project.reviews.count())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_closed_files", stdout=io.StringIO())

    assert database_hits(needles) == set()
    assert storage_hits(demo, needles) == set()
    # The certificate's download renders it again, without the person.
    pdf = documents.certificate_pdf(Handover.objects.get(project__beneficiary=person.pk))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert ANONYMISED in text and "Zerouali" not in text and "AE100004" not in text

    # Everyone else's data, and the figures, as they were.
    assert sorted(Beneficiary.objects.exclude(pk=person.pk).values_list(
        "last_name", "last_name_ar", "cin", "phone")) == others
    assert sorted(Project.objects.exclude(beneficiary=person).values_list("title", flat=True)) == other_titles
    assert sorted(User.objects.values_list("first_name", "last_name")) == staff_names
    project.refresh_from_db()
    assert project.title == f"Coiffure — {ANONYMISED}"
    assert (project.approved_amount, project.cash_grant_amount, project.equipment_value,
            project.status, project.sector_id, project.events.count(), project.reviews.count()) == figures
    assert project.visits.filter(visited_on__isnull=False).get().notes == ""
    person = Beneficiary.objects.get(pk=person.pk)
    assert (person.sex, person.prefecture.code) == ("M", "04.501")
    assert person.birth_date == datetime.date(1986, 1, 1)
    ceremony = Ceremony.objects.get()
    assert ceremony.handovers.count() == 7 and ceremony.guests.count() == guests > 1
    assert ceremony.presided_by == "M. le Gouverneur"
    assert ceremony.notes.endswith(f"Mot de remerciement de M. {ANONYMISED} au nom des bénéficiaires.")


# --- finding the person in a text ----------------------------------------------------------


class Record:
    def __init__(self, **values):
        defaults = dict(first_name="", last_name="", first_name_ar="", last_name_ar="",
                        guardian_name="", cin="", phone="")
        self.__dict__.update({**defaults, **values})


PERSON = Identity.of([Record(
    first_name="Mohamed", last_name="El Amrani", first_name_ar="محمد", last_name_ar="العمراني",
    cin="AE100004", phone="+212664000237", guardian_name="Fatima Tahiri (mère)",
)])


@pytest.mark.parametrize(("text", "owned", "expected"), [
    ("Salon de coiffure hommes El Amrani", False, f"Salon de coiffure hommes {ANONYMISED}"),
    ("salon AMRANI", False, f"salon {ANONYMISED}"),
    ("cin_ae100004.pdf", False, f"cin_{ANONYMISED}.pdf"),
    ("Tél. 06 64 00 02 37 ou 0664000237", False, f"Tél. {ANONYMISED} ou {ANONYMISED}"),
    ("مشروع والعمراني", False, f"مشروع {ANONYMISED}"),
    ("مشروع عمراني", False, f"مشروع {ANONYMISED}"),
    ("Mohamed El Amrani et sa mère Fatima Tahiri", False, f"{ANONYMISED} et sa mère {ANONYMISED}"),
    # A first name alone means the person only in rows about them alone.
    ("Visite chez Mohamed", True, f"Visite chez {ANONYMISED}"),
    ("M. le Gouverneur Mohamed X", False, "M. le Gouverneur Mohamed X"),
    # Words that merely contain a name are left alone.
    ("Alimentation El Amranii, AE1000045", False, "Alimentation El Amranii, AE1000045"),
])
def test_the_person_is_found_in_a_text_however_it_is_written(text, owned, expected):
    pattern = PERSON.everything if owned else PERSON.distinctive
    assert scrub(text, pattern) == expected


def test_the_proxy_who_received_for_the_person_and_the_consent_form_leave_with_the_file(
    django_capture_on_commit_callbacks,
):
    from reintegration.security.anonymisation import anonymise_beneficiary

    from .factories import AttendanceFactory, ImageConsentFactory

    attendance = AttendanceFactory()
    person = attendance.project.beneficiary
    consent = ImageConsentFactory(beneficiary=person)
    power_of_attorney, form = attendance.proxy_document.name, consent.signed_form.name
    storage = attendance.proxy_document.storage

    with django_capture_on_commit_callbacks(execute=True):
        anonymise_beneficiary(beneficiary=person)

    attendance.refresh_from_db()
    consent.refresh_from_db()
    assert attendance.proxy_name == ANONYMISED
    assert attendance.proxy_cin == ANONYMISED[: len(attendance.proxy_cin)]
    assert "AB765432" not in attendance.proxy_cin and not attendance.proxy_document
    assert not consent.signed_form
    assert not storage.exists(power_of_attorney) and not storage.exists(form)
    for version in attendance.history.all():
        assert "Rachid" not in version.proxy_name and "AB765432" not in version.proxy_cin
