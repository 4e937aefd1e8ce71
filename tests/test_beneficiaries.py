"""The beneficiaries' files: registration, rules, duplicates, scope, documents, history."""

import datetime
import re
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from beneficiaries import demo, services
from beneficiaries.models import Beneficiary, BeneficiaryDocument
from reintegration.accounts.roles import Role
from reintegration.audit.models import AccessLog
from reintegration.territories.models import Prefecture

from .factories import (
    BeneficiaryFactory,
    DocumentFactory,
    EstablishmentFactory,
    FollowUpVisitFactory,
    ProjectFactory,
    UserFactory,
    prefecture,
    required_documents,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test document\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def shows(response, text: str) -> bool:
    # Values are isolated in their own direction (<bdi>): what the reader sees is the text.
    return escape(text) in re.sub(r"</?bdi[^>]*>", "", response.content.decode())


def form_data(prefecture, **changes) -> dict:
    data = {
        "last_name": "Alaoui", "first_name": "Youssef",
        "last_name_ar": "العلوي", "first_name_ar": "يوسف",
        "cin": " ab 123456 ", "birth_date": "1990-05-17", "sex": "M",
        "phone": "06 12 34 56 78", "address": "Hay Nahda, Témara", "prefecture": prefecture.pk,
        "establishment": "", "release_date": "2023-03-01", "detention_months": "24",
        "education_level": "primary", "prison_training": "", "skills": "Boulangerie",
        "family_status": "single", "dependents": "0",
        "guardian_name": "", "guardian_consent_signed_on": "", "consent_signed_on": "2024-01-10",
    }
    data.update(changes)
    return data


def model_fields(data: dict) -> dict:
    """`form_data` as the services take it."""
    fields = {k: v for k, v in data.items() if k in {
        "first_name", "last_name", "first_name_ar", "last_name_ar", "cin", "sex", "phone"}}
    fields["birth_date"] = datetime.date.fromisoformat(data["birth_date"])
    fields["prefecture"] = Prefecture.objects.get(pk=data["prefecture"])
    return fields


def stored_files() -> set[str]:
    folder = Path(settings.MEDIA_ROOT) / "documents"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


CREATE = reverse("beneficiaries:create")
LIST = reverse("beneficiaries:list")


# --- registration ---------------------------------------------------------------------

def test_staff_registers_a_file_with_its_first_documents(client_for, staff, temara):
    data = form_data(temara, id_copy=upload("cin scan.pdf", PDF),
                     consent_form=upload("consentement.png", png(), "image/png"))
    response = client_for(staff).post(CREATE, data)

    beneficiary = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == beneficiary.get_absolute_url()
    assert beneficiary.file_number.startswith(f"BEN-{timezone.localdate().year}-")
    assert beneficiary.cin == "AB123456"
    assert beneficiary.phone == "+212612345678"
    assert beneficiary.created_by == staff
    documents = {d.kind: d for d in beneficiary.documents.all()}
    assert set(documents) == {"id_copy", "consent_form"}
    assert documents["id_copy"].content_type == "application/pdf"
    assert documents["id_copy"].original_name == "cin scan.pdf"
    assert documents["consent_form"].content_type == "image/png"
    # The stored name is the app's own, never the person's file name.
    assert "cin" not in documents["id_copy"].file.name
    assert documents["consent_form"].file.name.endswith(".png")


def test_file_numbers_follow_each_other_and_are_never_reused(staff, temara):
    fields = model_fields(form_data(temara))
    first = services.create_beneficiary(user=staff, fields={**fields, "cin": "AB1"})
    second = services.create_beneficiary(user=staff, fields={**fields, "cin": "AB2"},
                                          confirmed_different_person=True)
    second.delete()
    third = services.create_beneficiary(user=staff, fields={**fields, "cin": "AB3"},
                                         confirmed_different_person=True)
    numbers = [int(b.file_number.rsplit("-", 1)[1]) for b in (first, second, third)]
    assert numbers[1] == numbers[0] + 1
    assert numbers[2] == numbers[1] + 1


@pytest.mark.parametrize(("changes", "field_message"), [
    ({"cin": "123ABC"}, "Un numéro de CIN est composé d'une ou deux lettres"),
    ({"cin": "AB0123"}, "Un numéro de CIN est composé d'une ou deux lettres"),
    ({"phone": "0812345678"}, "Saisissez un numéro marocain : 0 ou +212, puis 5, 6 ou 7 et huit chiffres."),
    ({"first_name_ar": "Youssef"}, "Écrivez ce nom en caractères arabes."),
    ({"last_name": "العلوي"}, "Écrivez ce nom en lettres latines."),
    ({"birth_date": "2090-01-01"}, "La date de naissance ne peut pas être dans le futur."),
    ({"release_date": "1985-01-01"}, "La date de libération doit être postérieure à la date de naissance."),
    ({"release_date": "2090-01-01"}, "La date de libération ne peut pas être dans le futur."),
    ({"consent_signed_on": "2090-01-01"}, "Cette date ne peut pas être dans le futur."),
])
def test_each_rule_refuses_the_file_with_its_french_message(client_for, staff, temara, changes,
                                                             field_message):
    response = client_for(staff).post(CREATE, form_data(temara, **changes))

    assert response.status_code == 200
    assert shows(response, field_message)
    assert Beneficiary.objects.count() == 0
    # What was typed stays in the form.
    assert 'value="Alaoui"' in response.content.decode() or "العلوي" in response.content.decode()
    assert shows(response, "Boulangerie")


def test_a_minor_needs_a_guardian_and_the_guardian_consent(client_for, staff, temara):
    fifteen_years_ago = timezone.localdate().replace(year=timezone.localdate().year - 15, day=1)
    response = client_for(staff).post(CREATE, form_data(
        temara, birth_date=fifteen_years_ago.isoformat(), release_date=""
    ))

    assert shows(response, "Cette personne est mineure : indiquez le nom du tuteur.")
    assert shows(response, "Cette personne est mineure : indiquez la date à laquelle le tuteur "
                           "a signé le consentement.")
    assert Beneficiary.objects.count() == 0

    response = client_for(staff).post(CREATE, form_data(
        temara, birth_date=fifteen_years_ago.isoformat(), release_date="",
        guardian_name="Fatima Alaoui (mère)", guardian_consent_signed_on="2024-01-10",
    ))
    assert response.status_code == 302
    assert Beneficiary.objects.get().is_minor


def test_a_consent_form_without_its_date_is_refused(client_for, staff, temara):
    response = client_for(staff).post(CREATE, form_data(
        temara, consent_signed_on="", consent_form=upload("consent.pdf", PDF)
    ))
    assert shows(response, "Indiquez la date à laquelle le formulaire de consentement a été signé.")
    assert Beneficiary.objects.count() == 0


def test_the_prefecture_list_offers_only_the_users_prefectures(client_for, staff, temara, rabat):
    response = client_for(staff).get(CREATE)
    choices = list(response.context["form"].fields["prefecture"].queryset)
    assert choices == [temara]

    response = client_for(staff).post(CREATE, form_data(rabat))
    assert response.status_code == 200
    assert shows(response, "Sélectionnez un choix valide.")
    assert Beneficiary.objects.count() == 0


def test_the_intake_form_has_the_sections_a_social_worker_knows(client_for, staff):
    response = client_for(staff).get(CREATE)
    for legend in ["Identité", "Coordonnées", "Détention", "Formation et compétences", "Famille",
                   "Consentement", "Documents"]:
        assert f"<legend>{escape(legend)}</legend>" in response.content.decode(), legend
    assert 'enctype="multipart/form-data"' in response.content.decode()


# --- duplicates -----------------------------------------------------------------------

def test_a_national_id_already_registered_is_refused_with_a_link_to_the_file(client_for, staff, temara):
    existing = BeneficiaryFactory(cin="AB123456", prefecture=temara)
    response = client_for(staff).post(CREATE, form_data(temara, last_name="Bennani"))

    assert response.status_code == 200
    assert shows(response, "Ce numéro de CIN est déjà enregistré :")
    assert f'href="{existing.get_absolute_url()}"' in response.content.decode()
    assert Beneficiary.objects.count() == 1


def test_a_national_id_registered_elsewhere_is_refused_without_saying_whose(client_for, staff, temara,
                                                                            rabat):
    existing = BeneficiaryFactory(cin="AB123456", prefecture=rabat, last_name="Zzyzxrabati")
    response = client_for(staff).post(CREATE, form_data(temara, last_name="Bennani"))

    assert shows(response, "Ce numéro de CIN est déjà enregistré dans une autre préfecture.")
    assert str(existing.public_id) not in response.content.decode()
    assert "Zzyzxrabati" not in response.content.decode()
    assert Beneficiary.objects.count() == 1


def lookups() -> list[tuple]:
    return list(AccessLog.objects.filter(action=AccessLog.Action.LOOKUP).order_by("pk").values_list(
        "user__username", "object_type", "object_id", "detail", "ip_address",
    ))


def test_a_national_id_found_in_another_prefecture_is_logged_and_told_as_existence_only(
    client_for, staff, temara, rabat
):
    existing = BeneficiaryFactory(cin="AB123456", prefecture=rabat, last_name="Zzyzxrabati")
    response = client_for(staff).post(CREATE, form_data(temara), REMOTE_ADDR="10.2.3.4")

    assert shows(response, "Demandez à un administrateur, qui voit toutes les préfectures, "
                           "s’il s’agit de la même personne.")
    assert existing.file_number not in response.content.decode()
    assert "Rabat" not in response.content.decode().split('id="main"')[1].split("<form")[0]
    assert lookups() == [(
        "staff", "beneficiaries.Beneficiary", str(existing.public_id),
        "duplicate check by national ID number: file found in another prefecture", "10.2.3.4",
    )]


def test_a_namesake_in_another_prefecture_is_logged_and_neither_named_nor_linked(
    client_for, staff, temara, rabat
):
    existing = BeneficiaryFactory(first_name="Youssef", last_name="Alaoui", cin="CD1",
                                  birth_date=datetime.date(1990, 5, 17), prefecture=rabat)
    response = client_for(staff).post(CREATE, form_data(temara))

    assert shows(response, "1 dossier correspondant est enregistré dans une autre préfecture.")
    assert existing.file_number not in response.content.decode()
    assert existing.get_absolute_url() not in response.content.decode()
    assert lookups() == [(
        "staff", "beneficiaries.Beneficiary", str(existing.public_id),
        "duplicate check by name and date of birth: file found in another prefecture", "127.0.0.1",
    )]


def test_a_duplicate_in_the_users_own_prefectures_is_logged_as_such(client_for, staff, temara):
    existing = BeneficiaryFactory(cin="AB123456", prefecture=temara)
    client_for(staff).post(CREATE, form_data(temara, last_name="Bennani"))
    [(_user, _type, object_id, detail, _ip)] = lookups()
    assert object_id == str(existing.public_id)
    assert detail == "duplicate check by national ID number: file found in the user's prefectures"


def test_a_check_that_finds_nobody_writes_nothing_to_the_access_log(client_for, staff, temara):
    BeneficiaryFactory(cin="ZZ999", first_name="Autre", prefecture=temara)
    response = client_for(staff).post(CREATE, form_data(temara))
    assert response.status_code == 302
    assert lookups() == []


def test_the_edit_form_logs_its_duplicate_checks_too(client_for, staff, temara, rabat):
    elsewhere = BeneficiaryFactory(cin="AB123456", prefecture=rabat)
    mine = BeneficiaryFactory(cin="", prefecture=temara)
    response = client_for(staff).post(
        reverse("beneficiaries:update", args=[mine.public_id]), form_data(temara)
    )
    assert response.status_code == 200
    assert [row[2] for row in lookups()] == [str(elsewhere.public_id)]


def test_the_database_refuses_a_second_file_with_the_same_national_id(temara):
    BeneficiaryFactory(cin="AB123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        BeneficiaryFactory(cin="AB123456")


def test_a_race_on_the_same_national_id_ends_in_the_same_message(staff, temara, monkeypatch):
    real_next_number = services.next_number

    def number_while_a_colleague_saves_the_same_person(*args):
        BeneficiaryFactory(cin="AB123456")
        return real_next_number(*args)

    # Both registrations passed every check; the colleague's was saved first (here inside
    # the same transaction, so both roll back: what matters is the message, not a 500).
    monkeypatch.setattr(services, "next_number", number_while_a_colleague_saves_the_same_person)
    with pytest.raises(ValidationError) as refused:
        services.create_beneficiary(user=staff, fields=model_fields(form_data(temara)))
    assert refused.value.message_dict == {"cin": ["Ce numéro de CIN est déjà enregistré."]}


def test_several_files_without_national_id_are_allowed(temara):
    BeneficiaryFactory(cin="")
    BeneficiaryFactory(cin="")
    assert Beneficiary.objects.filter(cin="").count() == 2


def test_same_name_and_birth_date_must_be_confirmed_as_a_different_person(client_for, staff, temara):
    existing = BeneficiaryFactory(first_name="Youssef", last_name="Alaoui",
                                  birth_date=datetime.date(1990, 5, 17), cin="AB999")
    client = client_for(staff)

    response = client.post(CREATE, form_data(temara))
    assert response.status_code == 200
    assert shows(response, "Un dossier avec le même nom et la même date de naissance existe déjà.")
    assert f'href="{existing.get_absolute_url()}"' in response.content.decode()
    assert 'name="confirm_different_person"' in response.content.decode()
    assert Beneficiary.objects.count() == 1

    response = client.post(CREATE, form_data(temara, confirm_different_person="on"))
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_no_confirmation_is_asked_when_nobody_has_the_same_name(client_for, staff, temara):
    response = client_for(staff).get(CREATE)
    assert 'name="confirm_different_person"' not in response.content.decode()


def test_editing_a_file_does_not_ask_again_when_the_identity_is_unchanged(client_for, staff, temara):
    BeneficiaryFactory(first_name="Youssef", last_name="Alaoui", birth_date=datetime.date(1990, 5, 17))
    twin = BeneficiaryFactory(first_name="Youssef", last_name="Alaoui",
                              birth_date=datetime.date(1990, 5, 17), cin="AB123456")
    response = client_for(staff).post(
        reverse("beneficiaries:update", args=[twin.public_id]),
        form_data(temara, skills="Pâtisserie"),
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.skills == "Pâtisserie"


# --- list -----------------------------------------------------------------------------

def test_the_list_shows_the_masked_national_id_only(client_for, staff, temara):
    BeneficiaryFactory(cin="AB123456", prefecture=temara)
    response = client_for(staff).get(LIST)
    assert "AB****56" in response.content.decode()
    assert "AB123456" not in response.content.decode()
    assert shows(response, "1 dossier")


def test_the_list_shows_only_the_files_of_the_users_prefectures(client_for, staff, temara, rabat):
    BeneficiaryFactory(last_name="Témaraoui", prefecture=temara)
    BeneficiaryFactory(last_name="Rbati", prefecture=rabat)
    response = client_for(staff).get(LIST)
    assert shows(response, "Témaraoui")
    assert "Rbati" not in response.content.decode()


@pytest.mark.parametrize("query", ["العلوي", "youss", "ab 12 34 56", "BEN-", "Youssef Alaoui"])
def test_the_search_finds_a_file_by_name_in_both_scripts_file_number_and_national_id(
        client_for, staff, temara, query):
    BeneficiaryFactory(first_name="Youssef", last_name="Alaoui", last_name_ar="العلوي",
                       cin="AB123456")
    BeneficiaryFactory(first_name="Hamza", last_name="Bennani", last_name_ar="بناني",
                       first_name_ar="حمزة", cin="CD777", file_number="OLD-0001")
    response = client_for(staff).get(LIST, {"q": query})
    names = [b.last_name for b in response.context["object_list"]]
    assert names == ["Alaoui"]


def test_the_list_filters_by_status_sex_establishment_and_release_year(client_for, staff, temara):
    tiflet = EstablishmentFactory(name="Prison locale Tiflet 2")
    BeneficiaryFactory(last_name="Aa", status=Beneficiary.Status.ELIGIBLE, establishment=tiflet,
                       release_date=datetime.date(2023, 2, 1), sex=Beneficiary.Sex.FEMALE)
    BeneficiaryFactory(last_name="Bb", release_date=datetime.date(2022, 2, 1))
    client = client_for(staff)

    def names(**params):
        return [b.last_name for b in client.get(LIST, params).context["object_list"]]

    assert names(status="eligible") == ["Aa"]
    assert names(sex="F") == ["Aa"]
    assert names(establishment=tiflet.pk) == ["Aa"]
    assert names(release_year=2022) == ["Bb"]
    assert names(ordering="-name") == ["Bb", "Aa"]


def test_sorting_accepts_only_the_whitelisted_fields(client_for, staff):
    BeneficiaryFactory()
    response = client_for(staff).get(LIST, {"ordering": "cin"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_the_list_pages_by_25(client_for, staff):
    BeneficiaryFactory.create_batch(26)
    response = client_for(staff).get(LIST)
    assert len(response.context["object_list"]) == 25
    assert shows(response, "26 dossiers")
    assert shows(response, "Page 1 sur 2")


# Session, user, groups, user and group permissions, count, prefecture choices,
# establishment choices (both only until they are cached), the page's rows (prefecture
# and establishment joined), and the session save (3 with its savepoint): 12, whatever
# the number of files.
LIST_QUERIES = 12


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_keeps_the_same_number_of_queries(client_for, staff, count,
                                                   django_assert_max_num_queries):
    establishment = EstablishmentFactory()
    BeneficiaryFactory.create_batch(count, establishment=establishment)
    client = client_for(staff)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    assert len(response.context["object_list"]) == min(count, 25)


def test_the_list_query_count_does_not_grow_with_the_files(client_for, staff):
    client = client_for(staff)
    BeneficiaryFactory.create_batch(5, establishment=EstablishmentFactory())
    # Each time with the filter's options not yet cached: the most queries a page makes.
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    BeneficiaryFactory.create_batch(45, establishment=EstablishmentFactory())
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


# --- detail: the whole file -----------------------------------------------------------

def test_the_detail_page_shows_the_whole_file_and_is_logged(client_for, officer, temara):
    beneficiary = BeneficiaryFactory(cin="AB123456", birth_date=datetime.date(1990, 5, 17),
                                     establishment=EstablishmentFactory(name="Prison locale Arjat 1"))
    DocumentFactory(beneficiary=beneficiary)
    response = client_for(officer).get(beneficiary.get_absolute_url())

    assert response.status_code == 200
    assert "AB123456" in response.content.decode()
    assert "17/05/1990" in response.content.decode()
    assert shows(response, "Prison locale Arjat 1")
    assert shows(response, "Copie de la CIN")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (officer, "view", str(beneficiary.public_id))


def test_the_auditor_sees_the_masked_national_id_and_no_detention_record(client_for, auditor):
    beneficiary = BeneficiaryFactory(cin="AB123456", birth_date=datetime.date(1990, 5, 17),
                                     establishment=EstablishmentFactory(name="Prison locale Arjat 1"))
    document = DocumentFactory(beneficiary=beneficiary)
    response = client_for(auditor).get(beneficiary.get_absolute_url())

    assert response.status_code == 200
    assert "AB****56" in response.content.decode()
    assert "AB123456" not in response.content.decode()
    assert "17/05/1990" not in response.content.decode()
    assert "Arjat" not in response.content.decode()
    assert reverse("beneficiaries:document_download", args=[document.public_id]) not in (
        response.content.decode()
    )
    assert AccessLog.objects.filter(user=auditor, action="view").count() == 1


def test_the_timeline_shows_registration_edits_status_changes_documents_and_projects(
        client_for, staff, temara):
    beneficiary = services.create_beneficiary(user=staff, fields=model_fields(form_data(temara)))
    beneficiary = services.update_beneficiary(beneficiary=beneficiary, user=staff, fields={
        "skills": "Soudure", "release_date": datetime.date(2023, 3, 1),
        "consent_signed_on": datetime.date(2024, 1, 10),
    })
    required_documents(beneficiary)
    services.mark_eligible(beneficiary=beneficiary, user=staff, reason="Enquête sociale favorable")
    services.add_document(beneficiary=beneficiary, user=staff, kind="photo",
                          file=upload("moi.png", png(), "image/png"))
    project = ProjectFactory(beneficiary=beneficiary, title="Atelier de soudure")
    FollowUpVisitFactory(project=project, visited_on=datetime.date(2025, 2, 3))

    response = client_for(staff).get(beneficiary.get_absolute_url())
    for text in ["Dossier enregistré", "Dossier modifié", "Compétences",
                 "Statut : Inscrit → Éligible", "Enquête sociale favorable",
                 "Document ajouté : Photo", "Atelier de soudure", "Visite de suivi le 03/02/2025"]:
        assert shows(response, text), text


# --- edits and history ----------------------------------------------------------------

def test_an_edit_writes_a_history_record_with_its_author(client_for, staff, temara):
    beneficiary = BeneficiaryFactory(cin="AB123456", first_name="Youssef", last_name="Alaoui",
                                     birth_date=datetime.date(1990, 5, 17))
    response = client_for(staff).post(
        reverse("beneficiaries:update", args=[beneficiary.public_id]),
        form_data(temara, phone="0537654321"),
    )
    assert response.status_code == 302
    beneficiary.refresh_from_db()
    assert beneficiary.phone == "+212537654321"
    latest = beneficiary.history.latest()
    assert latest.history_user == staff
    assert latest.history_type == "~"
    assert latest.phone == "+212537654321"


def test_an_edit_cannot_take_another_files_national_id(client_for, staff, temara):
    BeneficiaryFactory(cin="AB123456")
    mine = BeneficiaryFactory(cin="CD1", first_name="Omar", last_name="Tazi")
    response = client_for(staff).post(
        reverse("beneficiaries:update", args=[mine.public_id]),
        form_data(temara, first_name="Omar", last_name="Tazi"),
    )
    assert shows(response, "Ce numéro de CIN est déjà enregistré :")
    mine.refresh_from_db()
    assert mine.cin == "CD1"


# --- status ---------------------------------------------------------------------------

def test_a_status_change_needs_a_reason_and_is_recorded(client_for, staff):
    beneficiary = required_documents(BeneficiaryFactory())
    url = reverse("beneficiaries:status", args=[beneficiary.public_id])
    client = client_for(staff)

    response = client.post(url, {"status": "eligible", "reason": "  "})
    assert shows(response, "Indiquez le motif de ce changement.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.REGISTERED

    response = client.post(url, {"status": "eligible", "reason": "Enquête sociale favorable"})
    assert response.status_code == 302
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.ELIGIBLE
    move, before = beneficiary.history.order_by("-history_date", "-pk")[:2]
    assert (before.status, move.status) == ("registered", "eligible")
    assert (move.history_user, move.history_change_reason) == (staff, "Enquête sociale favorable")


def test_a_long_reason_is_kept_whole(staff):
    beneficiary = required_documents(BeneficiaryFactory())
    reason = "Enquête sociale favorable. " * 20
    services.mark_eligible(beneficiary=beneficiary, user=staff, reason=reason)
    assert beneficiary.history.latest().history_change_reason == reason.strip()


def test_a_move_the_workflow_does_not_allow_is_refused(client_for, staff):
    beneficiary = BeneficiaryFactory()
    response = client_for(staff).post(
        reverse("beneficiaries:status", args=[beneficiary.public_id]),
        {"status": "followed_up", "reason": "Pourquoi pas"},
    )
    assert response.status_code == 200
    assert shows(response, "Sélectionnez un choix valide.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.REGISTERED

    with pytest.raises(ValidationError, match="ne peut pas passer de « Inscrit » à « En accompagnement »"):
        services.start_follow_up(beneficiary=beneficiary, user=staff, reason="Pourquoi pas")


def test_nobody_enters_the_programme_without_consent(staff):
    beneficiary = BeneficiaryFactory(status=Beneficiary.Status.ELIGIBLE, consent_signed_on=None)
    with pytest.raises(ValidationError, match="pas encore signé le consentement"):
        services.enter_programme(beneficiary=beneficiary, user=staff, reason="Projet")
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.ELIGIBLE


# --- documents ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("scan.pdf", EXE, "Seuls les fichiers PDF, JPEG et PNG sont acceptés ; ce fichier n'en est pas un."),
    ("photo.jpg", b"GIF89a" + b"\x00" * 32, "Seuls les fichiers PDF, JPEG et PNG sont acceptés"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 8,
     "Cette image est endommagée ou n'est pas une image."),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "la limite est de 10,0\xa0Mio"),
])
def test_a_refused_upload_leaves_the_file_as_it_was(client_for, staff, name, content, message):
    beneficiary = BeneficiaryFactory()
    before = stored_files()
    response = client_for(staff).post(
        reverse("beneficiaries:document_upload", args=[beneficiary.public_id]),
        {"kind": "id_copy", "file": upload(name, content)},
    )
    assert response.status_code == 200
    assert shows(response, message)
    assert beneficiary.documents.count() == 0
    assert stored_files() == before


def test_a_png_named_pdf_is_stored_as_what_it_really_is(client_for, staff):
    beneficiary = BeneficiaryFactory()
    response = client_for(staff).post(
        reverse("beneficiaries:document_upload", args=[beneficiary.public_id]),
        {"kind": "photo", "file": upload("photo.pdf", png())},
    )
    assert response.status_code == 302
    document = beneficiary.documents.get()
    assert document.content_type == "image/png"
    assert document.file.name.endswith(".png")
    assert document.original_name == "photo.pdf"


def test_a_bad_document_in_the_intake_form_saves_nothing(client_for, staff, temara):
    before = stored_files()
    response = client_for(staff).post(CREATE, form_data(
        temara, id_copy=upload("id.pdf", PDF), consent_form=upload("consent.pdf", EXE),
    ))
    assert response.status_code == 200
    assert shows(response, "Seuls les fichiers PDF, JPEG et PNG sont acceptés")
    assert Beneficiary.objects.count() == 0
    assert BeneficiaryDocument.objects.count() == 0
    assert stored_files() == before


def test_a_failure_while_storing_the_documents_undoes_the_whole_registration(staff, temara,
                                                                            monkeypatch):
    real_store = services._store_document
    calls = []

    def store_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(services, "_store_document", store_then_fail)
    before = stored_files()
    with pytest.raises(OSError):
        services.create_beneficiary(
            user=staff, fields=model_fields(form_data(temara)),
            documents=[services.NewDocument("id_copy", upload("id.pdf", PDF)),
                       services.NewDocument("consent_form", upload("c.pdf", PDF))],
        )
    assert Beneficiary.objects.count() == 0
    assert BeneficiaryDocument.objects.count() == 0
    assert stored_files() == before


def test_a_download_streams_the_file_as_an_attachment_and_is_logged(client_for, staff):
    document = DocumentFactory(beneficiary=BeneficiaryFactory())
    response = client_for(staff).get(
        reverse("beneficiaries:document_download", args=[document.public_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert document.beneficiary.file_number in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%test\n"
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (staff, "download", str(document.public_id))


def test_documents_are_never_served_from_a_public_media_url(client):
    document = DocumentFactory(beneficiary=BeneficiaryFactory())
    assert client.get(settings.MEDIA_URL + document.file.name).status_code in {302, 404}


def test_the_auditor_may_not_download_documents(client_for, auditor):
    document = DocumentFactory(beneficiary=BeneficiaryFactory())
    response = client_for(auditor).get(
        reverse("beneficiaries:document_download", args=[document.public_id])
    )
    assert response.status_code == 403
    assert AccessLog.objects.count() == 0


# --- scope and roles ------------------------------------------------------------------

def _urls(beneficiary, document):
    return {
        "detail": beneficiary.get_absolute_url(),
        "update": reverse("beneficiaries:update", args=[beneficiary.public_id]),
        "status": reverse("beneficiaries:status", args=[beneficiary.public_id]),
        "document_upload": reverse("beneficiaries:document_upload", args=[beneficiary.public_id]),
        "document_download": reverse("beneficiaries:document_download", args=[document.public_id]),
    }


@pytest.mark.parametrize("page", ["detail", "update", "status", "document_upload", "document_download"])
@pytest.mark.parametrize("who", ["outsider_officer", "outsider_staff"])
def test_a_user_of_another_prefecture_gets_404(client_for, request, temara, page, who):
    document = DocumentFactory(beneficiary=BeneficiaryFactory(prefecture=temara))
    client = client_for(request.getfixturevalue(who))
    assert client.get(_urls(document.beneficiary, document)[page]).status_code == 404
    assert client.post(_urls(document.beneficiary, document)[page], {}).status_code == 404
    assert AccessLog.objects.count() == 0


@pytest.mark.parametrize("page", ["update", "status", "document_upload"])
@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_readers_may_not_change_a_file(client_for, request, temara, page, who):
    document = DocumentFactory(beneficiary=BeneficiaryFactory(prefecture=temara, last_name="Alaoui"))
    client = client_for(request.getfixturevalue(who))
    url = _urls(document.beneficiary, document)[page]
    assert client.get(url).status_code == 403
    data = {**form_data(temara, last_name="Changé"), "status": "eligible", "reason": "x",
            "kind": "photo", "file": upload("p.png", png(), "image/png")}
    assert client.post(url, data).status_code == 403
    beneficiary = Beneficiary.objects.get()
    assert (beneficiary.last_name, beneficiary.status) == ("Alaoui", "registered")
    assert BeneficiaryDocument.objects.count() == 1


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_readers_may_not_register_a_file(client_for, request, temara, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(temara)).status_code == 403
    assert Beneficiary.objects.count() == 0


def test_readers_see_no_edit_buttons(client_for, officer):
    beneficiary = BeneficiaryFactory()
    content = client_for(officer).get(beneficiary.get_absolute_url()).content.decode()
    assert reverse("beneficiaries:update", args=[beneficiary.public_id]) not in content
    assert reverse("beneficiaries:create") not in client_for(officer).get(LIST).content.decode()


# --- admin and demo -------------------------------------------------------------------

def test_the_admin_lists_and_opens_files_with_documents_and_history(client_for, admin_user):
    beneficiary = BeneficiaryFactory(cin="AB123456")
    DocumentFactory(beneficiary=beneficiary)
    client = client_for(admin_user)
    assert client.get(reverse("admin:beneficiaries_beneficiary_changelist"), {"q": "AB123456"}
                      ).status_code == 200
    change = client.get(reverse("admin:beneficiaries_beneficiary_change", args=[beneficiary.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:beneficiaries_beneficiary_history", args=[beneficiary.pk])
                      ).status_code == 200


def test_the_demo_seed_is_idempotent_and_gives_temara_its_seven(temara):
    users = {
        "staff": UserFactory(role=Role.FOUNDATION_STAFF, prefectures=[temara]),
        "staff_rabat": UserFactory(role=Role.FOUNDATION_STAFF,
                                   prefectures=[prefecture("04.421"), prefecture("04.441")]),
    }
    demo.seed(users=users, stdout=StringIO())
    demo.seed(users=users, stdout=StringIO())

    assert Beneficiary.objects.count() == 30
    assert set(Beneficiary.objects.values_list("prefecture__code", flat=True)) == {
        "04.501", "04.421", "04.441"}
    seven = Beneficiary.objects.filter(cin__in=[f"AE10000{i}" for i in range(1, 8)])
    assert seven.count() == 7
    assert all(b.prefecture == temara and b.has_consent for b in seven)
    assert all(b.documents.filter(kind="consent_form").exists() for b in seven)


def test_the_file_reads_in_arabic_right_to_left(client_for, staff):
    beneficiary = BeneficiaryFactory(status=Beneficiary.Status.ELIGIBLE)
    client = client_for(staff)
    listing = client.get(LIST, HTTP_ACCEPT_LANGUAGE="ar")
    assert 'dir="rtl"' in listing.content.decode()
    assert "المستفيدون" in listing.content.decode()
    assert "مؤهل" in listing.content.decode()
    detail = client.get(beneficiary.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar")
    assert "سجل الملف" in detail.content.decode()
