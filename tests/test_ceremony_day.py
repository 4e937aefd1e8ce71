"""The ceremony as it happens (issue 22): guests by protocol category in order of
precedence, the beneficiaries' attendance and proxies, image rights, the press kit, the
bundle's outline and the public verification page."""

import datetime
import io
import re
import unicodedata
from decimal import Decimal

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from ceremonies import documents, services
from ceremonies.models import Attendance, CeremonyPhoto, Guest, ImageConsent, PressCoverage, PressRelease
from grants.models import Project

from .factories import DisbursementFactory
from .test_ceremonies import planned_ceremony, ready_project

pytestmark = pytest.mark.django_db

C = Guest.Category


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    # Without spaces: extraction sometimes splits a kerned word ("T azi").
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def minutes_text(content: bytes) -> str:
    """The bundle's minutes only (the pages before the outline's attendance sheet)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    end = reader.get_destination_page_number(reader.outline[1])
    text = " ".join(page.extract_text() for page in reader.pages[:end])
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def squeezed(*names: str) -> tuple[str, ...]:
    return tuple(re.sub(r"\s", "", name) for name in names)


def add_guests(ceremony, *guests):
    """(name, category, rank[, attendance]) in any order."""
    for name, category, rank, *attendance in guests:
        Guest.objects.create(ceremony=ceremony, name=name, category=category, rank=rank,
                             attendance=attendance[0] if attendance else Guest.Attendance.PRESENT)


# --- 1. protocol ------------------------------------------------------------------------

def test_guests_are_listed_by_precedence_then_rank(staff):
    ceremony = planned_ceremony(staff)
    ceremony.guests.all().delete()
    add_guests(ceremony, ("Presse", C.PRESS, 0), ("Procureur", C.MAGISTRATURE, 1),
               ("Gouverneur", C.PRESIDING_AUTHORITY, 0), ("Président TPI", C.MAGISTRATURE, 0),
               ("Association", C.CIVIL_SOCIETY, 0), ("Élu", C.ELECTED_OFFICIAL, 0))

    names = list(ceremony.guests.in_protocol_order().values_list("name", flat=True))

    assert names == ["Gouverneur", "Président TPI", "Procureur", "Élu", "Association", "Presse"]


def test_the_minutes_list_the_guests_present_by_category_in_protocol_order(staff):
    ceremony = planned_ceremony(staff, ready_project())
    add_guests(ceremony, ("Maghreb Arabe Presse", C.PRESS, 0),
               ("Procureur du Roi", C.MAGISTRATURE, 0),
               ("Gouverneur Skhirate", C.PRESIDING_AUTHORITY, 0),
               ("Conseiller excusé", C.ELECTED_OFFICIAL, 0, Guest.Attendance.ABSENT))
    services.hold_ceremony(ceremony=ceremony, user=staff)

    text = minutes_text(documents.bundle_pdf(ceremony).content)

    order = [text.index(name) for name in squeezed(
        "Gouverneur Skhirate", "Naima Tazi", "Procureur du Roi", "Maghreb Arabe Presse")]
    assert order == sorted(order)
    assert text.index("Magistrature") < text.index("ProcureurduRoi")
    assert "Conseillerexcusé" not in text


def test_the_attendance_sheet_lists_every_invited_guest_in_protocol_order(staff):
    ceremony = planned_ceremony(staff, ready_project())
    add_guests(ceremony, ("Maghreb Arabe Presse", C.PRESS, 0, Guest.Attendance.INVITED),
               ("Gouverneur Skhirate", C.PRESIDING_AUTHORITY, 0, Guest.Attendance.CONFIRMED))

    text = text_of(documents.attendance_pdf(ceremony).content)

    assert text.index("GouverneurSkhirate") < text.index("NaimaTazi") < text.index("MaghrebArabePresse")


def test_the_ceremony_page_shows_the_guests_by_category_with_their_attendance(staff, client_for):
    ceremony = planned_ceremony(staff)
    add_guests(ceremony, ("Gouverneur Skhirate", C.PRESIDING_AUTHORITY, 0))

    page = client_for(staff).get(ceremony.get_absolute_url()).content.decode()

    assert page.index("Autorité présidente") < page.index("Gouverneur Skhirate") < page.index("Naima Tazi")
    assert "Présent" in page


def test_a_guest_row_with_a_category_but_no_name_is_refused_and_keeps_what_was_typed(staff, client_for):
    ceremony = planned_ceremony(staff)
    guest = ceremony.guests.get()
    data = {
        "title": ceremony.title, "held_on": "2024-12-06", "place": "Témara",
        "prefecture": ceremony.prefecture_id, "presided_by": "M. Karim Idrissi",
        "presided_by_title": "Gouverneur", "convention": "", "notes": "",
        "guests-TOTAL_FORMS": "2", "guests-INITIAL_FORMS": "1",
        "guests-MIN_NUM_FORMS": "0", "guests-MAX_NUM_FORMS": "1000",
        "guests-0-id": guest.pk, "guests-0-name": guest.name, "guests-0-title": "",
        "guests-0-category": "local_authority", "guests-0-rank": "0", "guests-0-attendance": "present",
        "guests-1-name": "", "guests-1-title": "Procureur du Roi", "guests-1-category": "magistrature",
        "guests-1-rank": "2", "guests-1-attendance": "invited",
    }

    response = client_for(staff).post(reverse("ceremonies:update", args=[ceremony.pk]), data)

    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()
    assert "Procureur du Roi" in response.content.decode()
    guest.refresh_from_db()
    assert guest.attendance == Guest.Attendance.INVITED and ceremony.guests.count() == 1


# --- 2. the beneficiaries' attendance -----------------------------------------------------

PROXY_PDF = b"%PDF-1.4\n%procuration\n"


def proxy_post(**extra):
    data = {"status": "represented", "proxy_name": "Rachid Benali", "proxy_cin": "ab 765432",
            "proxy_document": SimpleUploadedFile("procuration.pdf", PROXY_PDF)}
    data.update(extra)
    return data


def test_a_proxy_receives_for_the_beneficiary_and_the_certificate_and_minutes_say_so(staff, client_for):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    client = client_for(staff)

    response = client.post(reverse("ceremonies:attendance_record", args=[ceremony.pk, project.pk]),
                           proxy_post())

    assert response.status_code == 302
    attendance = Attendance.objects.get(ceremony=ceremony, project=project)
    assert (attendance.status, attendance.proxy_cin) == ("represented", "AB765432")
    assert attendance.proxy_document.read() == PROXY_PDF
    [handover] = services.hold_ceremony(ceremony=ceremony, user=staff)
    assert handover.attendance == attendance
    certificate = text_of(documents.certificate_pdf(handover).content)
    assert "Reçuparprocuration" in certificate and "RachidBenali(AB****32)" in certificate
    assert "AB765432" not in certificate
    minutes = text_of(documents.bundle_pdf(ceremony).content)
    assert "ReprésentéparRachidBenali" in minutes
    download = client.get(reverse("ceremonies:power_of_attorney", args=[attendance.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PROXY_PDF


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"proxy_name": ""}, "proxy_name", "Indiquez le nom de la personne"),
    ({"proxy_cin": "123"}, "proxy_cin", "Un numéro de CIN"),
    ({"proxy_document": None}, "proxy_document", "Joignez la procuration"),
    ({"proxy_document": SimpleUploadedFile("procuration.pdf", b"MZ\x90\x00 not a pdf")},
     "proxy_document", "Seuls les fichiers PDF, JPEG et PNG"),
])
def test_a_proxy_without_name_valid_id_or_checked_power_of_attorney_is_refused(
    staff, client_for, extra, field, message
):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    data = {key: value for key, value in proxy_post(**extra).items() if value is not None}

    response = client_for(staff).post(
        reverse("ceremonies:attendance_record", args=[ceremony.pk, project.pk]), data
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="Rachid Benali"' in response.content.decode() or field == "proxy_name"
    assert not Attendance.objects.exists()


def test_the_proxy_details_are_kept_only_for_a_represented_beneficiary_in_the_database(staff):
    ceremony = planned_ceremony(staff, project := ready_project())
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(ceremony=ceremony, project=project, status="represented")
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(ceremony=ceremony, project=project, status="absent", proxy_name="X",
                                  proxy_cin="AB1")


def test_an_absent_beneficiary_gets_no_certificate_and_their_project_waits_for_a_later_ceremony(staff):
    present, absent = ready_project(), ready_project(last_name="Amrani", cin="CD123456")
    ceremony = planned_ceremony(staff, present, absent)
    services.record_attendance(ceremony=ceremony, project=absent, user=staff, status="absent")

    handovers = services.hold_ceremony(ceremony=ceremony, user=staff)

    assert [h.project for h in handovers] == [present]
    absent.refresh_from_db()
    assert absent.status == Project.Status.APPROVED
    assert Attendance.objects.get(project=absent).status == "absent"  # nothing deleted
    assert list(ceremony.projects.all()) == [present]
    minutes = text_of(documents.bundle_pdf(ceremony).content)
    assert "Bénéficiairesabsents" in minutes and absent.reference in minutes
    later = planned_ceremony(staff, title="Remise complémentaire", held_on=datetime.date(2024, 12, 20))
    services.add_projects(ceremony=later, projects=[absent], user=staff)
    [handover] = services.hold_ceremony(ceremony=later, user=staff)
    assert handover.project == absent


def test_a_ceremony_where_everyone_is_absent_cannot_be_held(staff):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    services.record_attendance(ceremony=ceremony, project=project, user=staff, status="absent")

    with pytest.raises(ValidationError, match="absent"):
        services.hold_ceremony(ceremony=ceremony, user=staff)
    ceremony.refresh_from_db()
    assert ceremony.status == "planned"


def test_the_attendance_of_another_prefectures_ceremony_is_404(staff, outsider_staff, client_for):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    attendance = services.record_attendance(ceremony=ceremony, project=project, user=staff, **{
        k: v for k, v in proxy_post().items()})
    client = client_for(outsider_staff)

    page = reverse("ceremonies:attendance_record", args=[ceremony.pk, project.pk])
    assert client.get(page).status_code == 404
    assert client.get(reverse("ceremonies:power_of_attorney", args=[attendance.pk])).status_code == 404


# --- 5. image rights ----------------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
CONSENT_PDF = b"%PDF-1.4\n%droit-image\n"


def consent(staff, beneficiary, granted=True):
    return services.record_image_consent(
        beneficiary=beneficiary, user=staff, granted=granted, signed_on=datetime.date(2024, 11, 29),
        signed_form=SimpleUploadedFile("accord.pdf", CONSENT_PDF),
    )


def test_staff_records_a_signed_image_consent_through_the_page(staff, client_for):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    url = reverse("ceremonies:image_consent", args=[ceremony.pk, project.beneficiary_id])

    response = client_for(staff).post(url, {
        "granted": "yes", "signed_on": "2024-11-29",
        "signed_form": SimpleUploadedFile("accord.pdf", CONSENT_PDF),
    })

    assert response.status_code == 302
    recorded = ImageConsent.objects.get(beneficiary=project.beneficiary)
    assert recorded.granted and recorded.signed_form.read() == CONSENT_PDF


def test_a_consent_given_without_its_signed_form_is_refused_and_nothing_is_saved(staff, client_for):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    url = reverse("ceremonies:image_consent", args=[ceremony.pk, project.beneficiary_id])

    response = client_for(staff).post(url, {"granted": "yes", "signed_on": "2024-11-29"})

    assert response.status_code == 200
    assert "Joignez le formulaire de consentement signé" in " ".join(
        response.context["form"].errors["signed_form"])
    assert not ImageConsent.objects.exists()


def test_a_photo_showing_a_beneficiary_without_consent_is_refused(staff, client_for):
    with_consent, without = ready_project(), ready_project(last_name="Amrani", cin="CD123456")
    ceremony = planned_ceremony(staff, with_consent, without)
    consent(staff, with_consent.beneficiary)

    response = client_for(staff).post(reverse("ceremonies:photo_upload", args=[ceremony.pk]), {
        "image": SimpleUploadedFile("p.png", PNG), "caption": "Remise",
        "people": [with_consent.beneficiary_id, without.beneficiary_id],
    })

    assert response.status_code == 200
    assert "Youssef Amrani" in " ".join(response.context["form"].errors["people"])
    assert not ceremony.photos.exists()


def test_a_photo_whose_person_withdraws_consent_is_shown_nowhere(staff, client_for):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)
    consent(staff, project.beneficiary)
    photo = services.add_photo(ceremony=ceremony, user=staff, image=SimpleUploadedFile("p.png", PNG),
                               caption="Remise à Youssef", people=[project.beneficiary])
    client = client_for(staff)
    photo_url = reverse("ceremonies:photo", args=[ceremony.pk, photo.pk])
    assert photo_url in client.get(ceremony.get_absolute_url()).content.decode()

    consent(staff, project.beneficiary, granted=False)

    assert photo_url not in client.get(ceremony.get_absolute_url()).content.decode()
    assert client.get(photo_url).status_code == 404
    assert CeremonyPhoto.objects.filter(pk=photo.pk).exists()  # kept, not shown


def test_the_minutes_state_how_many_beneficiaries_consented_to_image_rights(staff):
    with_consent, without = ready_project(), ready_project(last_name="Amrani", cin="CD123456")
    ceremony = planned_ceremony(staff, with_consent, without)
    consent(staff, with_consent.beneficiary)
    services.hold_ceremony(ceremony=ceremony, user=staff)

    minutes = text_of(documents.bundle_pdf(ceremony).content)

    assert "Droitàl'image:1bénéficiairesur2" in minutes.replace("’", "'")


# --- 7. one bundle ----------------------------------------------------------------------------

def test_the_bundle_is_the_minutes_the_attendance_sheet_and_the_certificates_each_bookmarked(staff):
    projects = [ready_project(), ready_project(last_name="Amrani", cin="CD123456")]
    ceremony = planned_ceremony(staff, *projects)
    handovers = services.hold_ceremony(ceremony=ceremony, user=staff)
    numbers = sorted(h.certificate_number for h in handovers)

    reader = pypdf.PdfReader(io.BytesIO(documents.bundle_pdf(ceremony).content))

    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == ["Procès-verbal", "Feuille d'émargement", "Attestations"]
    assert [item.title for item in outline[-1]] == numbers
    pages = [reader.get_destination_page_number(item) for item in outline if not isinstance(item, list)]
    assert pages[0] == 0 and pages[0] < pages[1] < pages[2] == len(reader.pages) - len(numbers)
    assert "émargement" in reader.pages[pages[1]].extract_text()
    for item, number in zip(outline[-1], numbers, strict=True):
        assert number in reader.pages[reader.get_destination_page_number(item)].extract_text()


def test_each_certificate_pdf_is_titled_with_its_own_number_only(staff):
    projects = [ready_project(), ready_project(last_name="Amrani", cin="CD123456")]
    ceremony = planned_ceremony(staff, *projects)
    handovers = services.hold_ceremony(ceremony=ceremony, user=staff)
    documents.issue_documents(ceremony)

    for handover in handovers:
        handover.refresh_from_db()
        reader = pypdf.PdfReader(io.BytesIO(documents.certificate_pdf(handover).content))
        assert reader.metadata.title == f"Attestation {handover.certificate_number}"


# --- 8. verification ----------------------------------------------------------------------

@pytest.mark.parametrize("token", ["x" * 32, "trop-court", "<script>", "a" * 200])
def test_an_unknown_or_malformed_code_answers_404_with_a_page_in_three_languages(client, db, token):
    response = client.get(f"/verify/{token}/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Aucune attestation ne correspond à ce code" in page
    assert "No certificate matches this code" in page
    assert "لا توجد أي شهادة تطابق هذا الرمز" in page
    assert "<script>" not in page


def test_a_valid_code_shows_number_date_place_initials_and_the_certified_total(staff, client):
    ceremony = planned_ceremony(staff, ready_project())
    [handover] = services.hold_ceremony(ceremony=ceremony, user=staff)

    response = client.get(reverse("verify", args=[handover.verification_token]))

    page = response.content.decode()
    assert response.status_code == 200
    for expected in (handover.certificate_number, "06/12/2024", "Témara", "Y. B.", "55\u00a0000,00"):
        assert expected in page, expected
    assert "Benali" not in page and "Youssef" not in page


# --- 6. the press kit ---------------------------------------------------------------------

def press_ceremony(staff):
    named, unnamed = ready_project(), ready_project(first_name="Karima", last_name="Amrani", cin="CD123456",
                                                    first_name_ar="كريمة", last_name_ar="العمراني")
    ceremony = planned_ceremony(staff, named, unnamed, convention=named.convention)
    add_guests(ceremony, ("Gouverneur", C.PRESIDING_AUTHORITY, 0), ("Procureur", C.MAGISTRATURE, 0),
               ("Association", C.CIVIL_SOCIETY, 0))
    consent(staff, named.beneficiary)
    services.hold_ceremony(ceremony=ceremony, user=staff)
    return ceremony


def test_the_draft_press_release_states_the_facts_in_both_languages_and_names_only_who_consented(staff):
    from ceremonies import press

    ceremony = press_ceremony(staff)

    text_fr, text_ar = press.draft(ceremony)

    for expected in ("Témara, le 6 décembre 2024", "M. Karim Idrissi", "2 anciens détenus",
                     "magistrature", "société civile", "100\u00a0000,00\u00a0DH", "10\u00a0000,00\u00a0DH",
                     ceremony.convention.reference, "Youssef Benali"):
        assert expected in text_fr, expected
    assert "Amrani" not in text_fr and "Karima" not in text_fr
    for expected in ("\u2066Témara\u2069 في 6 دجنبر 2024", "القضاء", "المجتمع المدني", "يوسف بنعلي",
                     "100\u00a0000,00"):
        assert expected in text_ar, expected
    assert "العمراني" not in text_ar and "Amrani" not in text_ar


def test_staff_edit_the_release_then_download_it_as_pdf_and_word(staff, client_for):
    import docx

    ceremony = press_ceremony(staff)
    client = client_for(staff)
    page = client.get(reverse("ceremonies:press", args=[ceremony.pk]))
    assert "Youssef Benali" in page.content.decode() and "Amrani" not in page.content.decode()

    response = client.post(reverse("ceremonies:press", args=[ceremony.pk]), {
        "text_fr": "Témara — Communiqué corrigé par la fondation.\n\nDeuxième paragraphe.",
        "text_ar": "تمارة — بلاغ مصحح.",
    })
    assert response.status_code == 302

    pdf = client.get(reverse("ceremonies:press_release_pdf", args=[ceremony.pk]))
    text = text_of(pdf.content)
    assert "Communiquécorrigéparlafondation" in text and "Deuxièmeparagraphe" in text
    assert "بلاغمصحح" in text or "بلاغمصحح"[::-1] in text
    word = client.get(reverse("ceremonies:press_release_docx", args=[ceremony.pk]))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert "Deuxième paragraphe." in paragraphs and "تمارة — بلاغ مصحح." in paragraphs


def test_an_empty_release_is_refused_and_keeps_what_was_typed(staff, client_for):
    ceremony = press_ceremony(staff)

    response = client_for(staff).post(reverse("ceremonies:press", args=[ceremony.pk]),
                                      {"text_fr": "Texte gardé", "text_ar": ""})

    assert response.status_code == 200
    assert "Rédigez le texte arabe" in response.content.decode()
    assert "Texte gardé" in response.content.decode()
    assert not PressRelease.objects.exists()


def test_coverage_is_recorded_with_outlet_date_and_link(staff, client_for):
    ceremony = press_ceremony(staff)
    client = client_for(staff)

    refused = client.post(reverse("ceremonies:press_coverage", args=[ceremony.pk]),
                          {"outlet": "MAP", "published_on": "2024-12-01", "url": "pas une adresse"})
    assert refused.status_code == 200 and not PressCoverage.objects.exists()
    assert 'value="MAP"' in refused.content.decode()

    client.post(reverse("ceremonies:press_coverage", args=[ceremony.pk]),
                {"outlet": "MAP", "published_on": "2024-12-06", "url": "https://www.mapexpress.ma/x"})
    link = "https://www.mapexpress.ma/x"
    assert list(PressCoverage.objects.values_list("outlet", "url")) == [("MAP", link)]
    assert link in client.get(reverse("ceremonies:press", args=[ceremony.pk])).content.decode()


# --- 4. cash on the day -------------------------------------------------------------------

def test_the_cash_grant_handed_at_the_ceremony_is_a_payment_on_the_certificate_and_in_the_minutes(
    staff, client_for
):
    project = ready_project(cash_grant="5000.00")
    ceremony = planned_ceremony(staff, project)
    response = client_for(staff).post(
        reverse("ceremonies:attendance_record", args=[ceremony.pk, project.pk]),
        {"status": "present", "cash_method": "cheque", "cash_reference": "CHQ-778812"},
    )
    assert response.status_code == 302

    [handover] = services.hold_ceremony(ceremony=ceremony, user=staff)

    payment = handover.disbursement
    assert (payment.project, payment.amount, payment.paid_on, payment.reference) == (
        project, Decimal("5000.00"), ceremony.held_on, "CHQ-778812")
    assert text_of(documents.certificate_pdf(handover).content).count("CHQ-778812") == 2  # fr, ar
    assert "CHQ-778812" in minutes_text(documents.bundle_pdf(ceremony).content)


def test_a_cash_grant_already_paid_cannot_be_handed_again_and_nothing_is_held(staff):
    project = ready_project(cash_grant="5000.00")
    DisbursementFactory(project=project, amount=Decimal("5000.00"))
    ceremony = planned_ceremony(staff, project)
    services.record_attendance(ceremony=ceremony, project=project, user=staff, status="present",
                               cash_method="transfer", cash_reference="VIR-1")

    with pytest.raises(ValidationError, match="déjà été versée|already been paid"):
        services.hold_ceremony(ceremony=ceremony, user=staff)

    ceremony.refresh_from_db()
    assert ceremony.status == "planned" and not ceremony.handovers.exists()
    assert project.disbursements.count() == 1


def test_a_cash_grant_on_the_day_without_its_reference_is_refused_on_the_field(staff, client_for):
    project = ready_project()
    ceremony = planned_ceremony(staff, project)

    response = client_for(staff).post(
        reverse("ceremonies:attendance_record", args=[ceremony.pk, project.pk]),
        {"status": "present", "cash_method": "cheque", "cash_reference": ""},
    )

    assert response.status_code == 200
    assert "numéro du chèque" in " ".join(response.context["form"].errors["cash_reference"])
    assert not Attendance.objects.exists()
