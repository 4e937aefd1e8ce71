"""Ceremonies: holding one issues the certificates and equips the projects, all or nothing;
the pages keep to the prefecture's staff, officers and the auditor; the public page
verifies a certificate and says when it was revoked."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse

from ceremonies import services
from ceremonies.documents import amount_in_words
from ceremonies.models import Ceremony, CeremonyPhoto, Guest, Handover
from ceremonies.urls import urlpatterns as ceremony_urlpatterns
from grants.models import EquipmentItem, Project, ProjectEvent
from reintegration.audit.models import AccessLog
from reintegration.sequences.models import next_number

from .factories import (
    RABAT,
    BeneficiaryFactory,
    ConventionFactory,
    EquipmentItemFactory,
    ProjectFactory,
    SectorFactory,
    UserFactory,
    prefecture,
)

pytestmark = pytest.mark.django_db

Status = Project.Status
NBSP = "\u00a0"
PDF = b"%PDF-1.4\n%signed\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)

BAKERY_LINES = [
    ("Four à sole électrique", 1, "30000.00", "FS-2024-118"),
    ("Pétrin 20 litres", 2, "8500.00", ""),
    ("Table de travail inox", 1, "3000.00", ""),
]  # 50,000.00 DH


def ready_project(place=None, lines=BAKERY_LINES, cash_grant="5000.00", **beneficiary) -> Project:
    """An approved project of `place` (Skhirate-Témara by default) whose lines are all
    delivered: what a ceremony may hand over."""
    place = place or prefecture()
    beneficiary.setdefault("first_name", "Youssef")
    beneficiary.setdefault("last_name", "Benali")
    beneficiary.setdefault("first_name_ar", "يوسف")
    beneficiary.setdefault("last_name_ar", "بنعلي")
    project = ProjectFactory(
        beneficiary=BeneficiaryFactory(prefecture=place, **beneficiary),
        sector=SectorFactory(),
        status=Status.APPROVED,
        convention=ConventionFactory(prefecture=place),
        approved_amount=Decimal("40000.00"),
        cash_grant_amount=Decimal(cash_grant),
    )
    for designation, quantity, price, serial in lines:
        EquipmentItemFactory(
            project=project, designation=designation, quantity=quantity, unit_price=Decimal(price),
            serial_number=serial, status=EquipmentItem.Status.DELIVERED, quantity_delivered=quantity,
        )
    return project


def planned_ceremony(staff, *projects, **kwargs) -> Ceremony:
    ceremony = services.create_ceremony(
        ceremony=Ceremony(
            title=kwargs.pop("title", "Cérémonie de remise des équipements"),
            held_on=kwargs.pop("held_on", datetime.date(2024, 12, 6)),
            place="Témara", prefecture=kwargs.pop("prefecture", prefecture()),
            presided_by="M. Karim Idrissi",
            presided_by_title="Gouverneur de la préfecture de Skhirate-Témara", **kwargs,
        ),
        user=staff,
        guests=[Guest(name="Mme Naima Tazi", title="Cheffe de la DAS",
                      category=Guest.Category.LOCAL_AUTHORITY)],
    )
    if projects:
        services.add_projects(ceremony=ceremony, projects=projects, user=staff)
    return ceremony


def held_ceremony(staff, *projects) -> Ceremony:
    ceremony = planned_ceremony(staff, *projects)
    services.hold_ceremony(ceremony=ceremony, user=staff)
    return ceremony


def test_a_project_on_another_planned_ceremony_is_refused_with_that_ceremony_named(staff):
    project = ready_project()
    planned_ceremony(staff, project, title="Remise de janvier")
    other = planned_ceremony(staff, title="Remise de février")

    with pytest.raises(ValidationError) as refused:
        services.add_projects(ceremony=other, projects=[project], user=staff)

    message = refused.value.message_dict["projects"][0]
    assert project.reference in message and "Remise de janvier" in message
    assert not other.projects.exists()


def test_holding_a_ceremony_whose_project_was_handed_over_elsewhere_names_it_and_issues_nothing(staff):
    project, other_project = ready_project(), ready_project(last_name="Amrani")
    first = planned_ceremony(staff, project)
    second = planned_ceremony(staff, other_project, title="Seconde cérémonie")
    # Added to both before adding locked the projects (data of the earlier versions).
    second.projects.add(project)
    services.hold_ceremony(ceremony=first, user=staff)

    with pytest.raises(ValidationError) as refused:
        services.hold_ceremony(ceremony=second, user=staff)

    assert project.reference in refused.value.messages[0]
    assert "Retirez-les de cette cérémonie" in refused.value.messages[0]
    second.refresh_from_db()
    assert second.status == Ceremony.Status.PLANNED
    assert not second.handovers.exists()
    other_project.refresh_from_db()
    assert other_project.status == Status.APPROVED


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


# --- amounts in words -------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "french", "arabic"), [
    ("500000", "cinq cent mille dirhams", "خمسمائة ألف درهم"),
    ("512430", "cinq cent douze mille quatre cent trente dirhams",
     "خمسمائة واثنا عشر ألفاً وأربعمائة وثلاثون درهماً"),
    ("1", "un dirham", "درهم واحد"),
    ("2", "deux dirhams", "درهمان"),
    ("5000", "cinq mille dirhams", "خمسة آلاف درهم"),
    ("110000", "cent dix mille dirhams", "مائة وعشرة آلاف درهم"),
    ("80000", "quatre-vingt mille dirhams", "ثمانون ألف درهم"),
    ("1000000", "un million de dirhams", "مليون درهم"),
    ("18500.50", "dix-huit mille cinq cents dirhams et cinquante centimes",
     "ثمانية عشر ألفاً وخمسمائة درهم وخمسون سنتيماً"),
])
def test_amounts_are_written_in_french_and_arabic_words(amount, french, arabic):
    assert amount_in_words(Decimal(amount), "fr") == french
    assert amount_in_words(Decimal(amount), "ar") == arabic


# --- services ---------------------------------------------------------------------------

def test_staff_creates_a_planned_ceremony_with_its_guests(staff):
    ceremony = planned_ceremony(staff)

    assert ceremony.status == Ceremony.Status.PLANNED
    assert ceremony.created_by == staff
    assert list(ceremony.guests.values_list("name", flat=True)) == ["Mme Naima Tazi"]


def test_staff_of_another_prefecture_cannot_create_a_ceremony_here(outsider_staff):
    with pytest.raises(PermissionDenied):
        planned_ceremony(outsider_staff)
    assert not Ceremony.objects.exists()


def test_officer_cannot_create_a_ceremony(officer):
    with pytest.raises(PermissionDenied):
        planned_ceremony(officer)


def test_only_ready_projects_of_the_ceremony_prefecture_are_added(staff, temara):
    ready = ready_project()
    not_delivered = ready_project()
    not_delivered.equipment_items.update(status=EquipmentItem.Status.ORDERED)
    elsewhere = ready_project(place=prefecture(RABAT))
    draft = ProjectFactory(beneficiary=BeneficiaryFactory(prefecture=temara))
    ceremony = planned_ceremony(staff)

    for project in (not_delivered, elsewhere, draft):
        with pytest.raises(ValidationError) as excinfo:
            services.add_projects(ceremony=ceremony, projects=[project], user=staff)
        assert project.reference in " ".join(excinfo.value.messages)
    services.add_projects(ceremony=ceremony, projects=[ready], user=staff)

    assert list(ceremony.projects.all()) == [ready]


def test_a_project_on_a_planned_ceremony_cannot_be_added_to_another(staff):
    project = ready_project()
    planned_ceremony(staff, project)
    other = planned_ceremony(staff, title="Autre cérémonie")

    with pytest.raises(ValidationError):
        services.add_projects(ceremony=other, projects=[project], user=staff)


def test_holding_issues_a_certificate_per_project_and_equips_them(staff):
    first, second = ready_project(), ready_project(last_name="Amrani")
    ceremony = planned_ceremony(staff, first, second)

    handovers = services.hold_ceremony(ceremony=ceremony, user=staff)

    ceremony.refresh_from_db()
    assert ceremony.status == Ceremony.Status.HELD
    numbers = sorted(h.certificate_number for h in handovers)
    assert numbers == ["AGR-2024-000001", "AGR-2024-000002"]
    for project in (first, second):
        project.refresh_from_db()
        assert project.status == Status.EQUIPPED
        assert set(project.equipment_items.values_list("status", flat=True)) == {
            EquipmentItem.Status.HANDED_OVER
        }
        assert ProjectEvent.objects.filter(project=project, to_status=Status.EQUIPPED, user=staff).exists()
    handover = Handover.objects.get(project=first)
    assert handover.items[0] == {
        "designation": "Four à sole électrique", "designation_ar": "", "quantity": 1,
        "unit_price": "30000.00",
        "total": "30000.00", "serial_number": "FS-2024-118",
    }
    assert handover.value == Decimal("50000.00")
    assert handover.cash_grant == Decimal("5000.00")
    assert len(handover.verification_token) >= 32


def test_holding_is_all_or_nothing(staff, monkeypatch):
    first, second = ready_project(), ready_project(last_name="Amrani")
    ceremony = planned_ceremony(staff, first, second)
    real_equip = services.equip_project
    calls = []

    def equip_then_fail(*, project, user, handed_over_on):
        calls.append(project.pk)
        if len(calls) == 2:
            raise ValidationError("Panne au milieu de la cérémonie")
        return real_equip(project=project, user=user, handed_over_on=handed_over_on)

    monkeypatch.setattr(services, "equip_project", equip_then_fail)

    with pytest.raises(ValidationError):
        services.hold_ceremony(ceremony=ceremony, user=staff)

    assert len(calls) == 2
    assert not Handover.objects.exists()
    ceremony.refresh_from_db()
    assert ceremony.status == Ceremony.Status.PLANNED
    for project in (first, second):
        project.refresh_from_db()
        assert project.status == Status.APPROVED
        assert set(project.equipment_items.values_list("status", flat=True)) == {
            EquipmentItem.Status.DELIVERED
        }
    # The numbers taken inside the failed transaction went back with it.
    assert next_number("AGR", 2024, 6) == "AGR-2024-000001"


def test_a_ceremony_cannot_be_held_twice(staff):
    ceremony = held_ceremony(staff, ready_project())
    with pytest.raises(ValidationError) as excinfo:
        services.hold_ceremony(ceremony=ceremony, user=staff)
    assert "déjà" in " ".join(excinfo.value.messages)
    assert Handover.objects.count() == 1


def test_a_ceremony_without_projects_cannot_be_held(staff):
    ceremony = planned_ceremony(staff)
    with pytest.raises(ValidationError):
        services.hold_ceremony(ceremony=ceremony, user=staff)


def test_a_ceremony_dated_in_the_future_cannot_be_held(staff):
    in_three_days = datetime.date.today() + datetime.timedelta(days=3)
    ceremony = planned_ceremony(staff, ready_project(), held_on=in_three_days)
    with pytest.raises(ValidationError):
        services.hold_ceremony(ceremony=ceremony, user=staff)
    assert not Handover.objects.exists()


def test_a_held_ceremony_cannot_be_changed(staff):
    ceremony = held_ceremony(staff, ready_project())
    ceremony.place = "Skhirate"
    with pytest.raises(ValidationError):
        services.update_ceremony(ceremony=ceremony, user=staff)
    with pytest.raises(ValidationError):
        services.add_projects(ceremony=ceremony, projects=[ready_project()], user=staff)


def test_an_admin_revokes_a_certificate_and_its_number_is_never_reused(staff, admin_user):
    ceremony = held_ceremony(staff, ready_project())
    handover = ceremony.handovers.get()

    services.revoke_handover(handover=handover, user=admin_user, reason="Le four n'a jamais été livré.")

    handover.refresh_from_db()
    assert handover.is_revoked and handover.revoked_by == admin_user
    later = held_ceremony(staff, ready_project(last_name="Amrani"))
    assert later.handovers.get().certificate_number == "AGR-2024-000002"


def test_only_an_admin_may_revoke_and_with_a_reason(staff, admin_user):
    handover = held_ceremony(staff, ready_project()).handovers.get()
    with pytest.raises(PermissionDenied):
        services.revoke_handover(handover=handover, user=staff, reason="Erreur")
    with pytest.raises(ValidationError):
        services.revoke_handover(handover=handover, user=admin_user, reason="  ")
    handover.refresh_from_db()
    assert not handover.is_revoked


def test_the_signed_copy_must_be_a_real_document(staff):
    handover = held_ceremony(staff, ready_project()).handovers.get()
    with pytest.raises(ValidationError):
        services.attach_signed_copy(
            handover=handover, user=staff, file=SimpleUploadedFile("scan.pdf", b"MZ\x90 not a pdf")
        )
    services.attach_signed_copy(handover=handover, user=staff, file=SimpleUploadedFile("scan.pdf", PDF))

    handover.refresh_from_db()
    assert handover.signed_copy.name.endswith(".pdf")
    assert handover.signed_copy_content_type == "application/pdf"


# --- pages: who sees what ---------------------------------------------------------------

@pytest.fixture
def world(staff, admin_user):
    """A held ceremony (one certificate with a signed copy, one photo) and a planned one."""
    held = held_ceremony(staff, ready_project())
    handover = held.handovers.get()
    services.attach_signed_copy(handover=handover, user=staff, file=SimpleUploadedFile("s.pdf", PDF))
    services.add_photo(ceremony=held, user=staff, image=SimpleUploadedFile("p.png", PNG), caption="Remise")
    project = ready_project(last_name="Amrani")
    planned = planned_ceremony(staff, project, title="Cérémonie à venir")
    attendance = services.record_attendance(
        ceremony=planned, project=project, user=staff, status="represented", proxy_name="Rachid Amrani",
        proxy_cin="AB765432", proxy_document=SimpleUploadedFile("procuration.pdf", PDF),
    )
    consent = services.record_image_consent(
        beneficiary=handover.project.beneficiary, user=staff, granted=True,
        signed_on=datetime.date(2024, 11, 29), signed_form=SimpleUploadedFile("accord.pdf", PDF),
    )
    services.save_press_release(ceremony=held, user=staff, text_fr="Communiqué", text_ar="بلاغ")
    return {"held": held, "handover": handover, "photo": held.photos.get(), "planned": planned,
            "project": project, "attendance": attendance, "consent": consent}


def url_for(pattern: URLPattern, world) -> str:
    """The URL of `pattern` for the objects of `world`."""
    held, handover = world["held"], world["handover"]
    kwargs = {}
    route = str(pattern.pattern)
    if "certificates/" in route:
        kwargs["pk"] = handover.pk
    elif "attendances/" in route:
        kwargs["pk"] = world["attendance"].pk
    elif "image-consents/" in route:
        kwargs["pk"] = world["consent"].pk
    elif "<int:pk>" in route:
        kwargs["pk"] = world["planned"].pk if "projects" in route or "hold" in route else held.pk
    if "project_pk" in route:
        kwargs["project_pk"] = world["project"].pk
    if "beneficiary_pk" in route:
        kwargs["beneficiary_pk"] = handover.project.beneficiary_id
    if "photo_pk" in route:
        kwargs["photo_pk"] = world["photo"].pk
    return reverse(f"ceremonies:{pattern.name}", kwargs=kwargs)


OBJECT_PATTERNS = [p for p in ceremony_urlpatterns if "<int:pk>" in str(p.pattern)]
POST_ONLY = {"hold", "remove_project", "press_coverage"}
READ_PAGES = {"detail", "bundle", "attendance", "photo", "certificate", "signed_copy",
              "power_of_attorney", "image_consent_form", "press", "press_release_pdf",
              "press_release_docx"}


@pytest.mark.parametrize("pattern", OBJECT_PATTERNS, ids=lambda p: p.name)
@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer", "nobody"])
def test_everyone_outside_the_prefecture_gets_404_on_every_page(pattern, who, world, client_for, request):
    user = UserFactory(username="nobody") if who == "nobody" else request.getfixturevalue(who)
    client = client_for(user)
    url = url_for(pattern, world)

    response = client.post(url) if pattern.name in POST_ONLY else client.get(url)

    assert response.status_code == 404
    world["planned"].refresh_from_db()
    assert world["planned"].status == Ceremony.Status.PLANNED


@pytest.mark.parametrize("pattern", OBJECT_PATTERNS, ids=lambda p: p.name)
@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_officers_of_the_prefecture_and_the_auditor_read_but_never_change(
    pattern, who, world, client_for, request
):
    client = client_for(request.getfixturevalue(who))
    url = url_for(pattern, world)

    response = client.post(url) if pattern.name in POST_ONLY else client.get(url)

    assert response.status_code == (200 if pattern.name in READ_PAGES else 403)
    world["planned"].refresh_from_db()
    assert world["planned"].status == Ceremony.Status.PLANNED


@pytest.mark.parametrize("pattern", [p for p in OBJECT_PATTERNS if p.name not in POST_ONLY],
                         ids=lambda p: p.name)
def test_staff_of_the_prefecture_opens_every_page_but_revocation(pattern, world, client_for, staff):
    response = client_for(staff).get(url_for(pattern, world))
    # A held ceremony cannot be edited (back to its page with a message); only admins revoke.
    assert response.status_code == {"update": 302, "revoke": 403}.get(pattern.name, 200)


def test_outsiders_do_not_see_the_ceremony_in_the_list(world, client_for, outsider_staff, staff):
    assert "Cérémonie à venir" not in page(client_for(outsider_staff).get(reverse("ceremonies:list")))
    assert "Cérémonie à venir" in page(client_for(staff).get(reverse("ceremonies:list")))


def test_the_list_costs_the_same_queries_for_many_ceremonies(
    staff, client_for, django_assert_max_num_queries
):
    for index in range(6):
        planned_ceremony(staff, ready_project(last_name=f"Amrani{index}"), title=f"Cérémonie {index}")
    client = client_for(staff)
    # session, user, groups, 2 × permissions, count, the filter's prefectures, the page
    with django_assert_max_num_queries(8):
        response = client.get(reverse("ceremonies:list"))
    assert page(response).count("Cérémonie ") >= 6


# --- pages: what they do ----------------------------------------------------------------

def test_staff_creates_a_ceremony_with_guests_through_the_page(staff, client_for, temara):
    data = {
        "title": "Cérémonie de Témara", "held_on": "2024-12-06", "place": "Témara",
        "prefecture": temara.pk, "presided_by": "M. Karim Idrissi",
        "presided_by_title": "Gouverneur", "convention": "", "notes": "",
        "guests-TOTAL_FORMS": "2", "guests-INITIAL_FORMS": "0",
        "guests-MIN_NUM_FORMS": "0", "guests-MAX_NUM_FORMS": "1000",
        "guests-0-name": "MAP", "guests-0-title": "Agence de presse", "guests-0-category": "press",
        "guests-0-rank": "0", "guests-0-attendance": "invited",
        "guests-1-name": "", "guests-1-title": "", "guests-1-category": "other",
        "guests-1-rank": "0", "guests-1-attendance": "invited",
    }
    response = client_for(staff).post(reverse("ceremonies:create"), data)

    ceremony = Ceremony.objects.get()
    assert response.status_code == 302 and response.url == ceremony.get_absolute_url()
    assert list(ceremony.guests.values_list("name", "category")) == [("MAP", "press")]


def test_a_convention_of_another_prefecture_is_refused_on_the_field(admin_user, client_for, temara):
    convention = ConventionFactory(prefecture=prefecture(RABAT))
    data = {
        "title": "Cérémonie", "held_on": "2024-12-06", "place": "Témara", "prefecture": temara.pk,
        "presided_by": "M. X", "presided_by_title": "Gouverneur", "convention": convention.pk,
        "guests-TOTAL_FORMS": "0", "guests-INITIAL_FORMS": "0",
        "guests-MIN_NUM_FORMS": "0", "guests-MAX_NUM_FORMS": "1000",
    }
    response = client_for(admin_user).post(reverse("ceremonies:create"), data)

    assert response.status_code == 200
    assert "La convention doit être une convention de la préfecture de la cérémonie." in page(response)
    assert not Ceremony.objects.exists()


def test_staff_adds_ready_projects_and_marks_the_ceremony_held(staff, client_for):
    first, second = ready_project(), ready_project(last_name="Amrani")
    ready_project(place=prefecture(RABAT), last_name="Rbati")
    ceremony = planned_ceremony(staff)
    client = client_for(staff)

    form = page(client.get(reverse("ceremonies:add_projects", args=[ceremony.pk])))
    assert first.reference in form and second.reference in form and "Rbati" not in form
    client.post(reverse("ceremonies:add_projects", args=[ceremony.pk]), {"projects": [first.pk, second.pk]})
    detail = page(client.get(ceremony.get_absolute_url()))
    assert 'data-confirm="' in detail and reverse("ceremonies:hold", args=[ceremony.pk]) in detail

    response = client.post(reverse("ceremonies:hold", args=[ceremony.pk]), follow=True)

    assert "Cérémonie tenue : 2 attestations délivrées." in page(response)
    assert Handover.objects.filter(ceremony=ceremony).count() == 2


def test_the_ceremony_page_shows_the_press_figures_and_the_values(world, client_for, staff):
    second = ready_project(last_name="Amrani", lines=[("Machine à coudre", 2, "6215.00", "")])
    ceremony = held_ceremony(staff, ready_project(last_name="Bennis"), second)

    text = page(client_for(staff).get(ceremony.get_absolute_url()))

    assert f"2 bénéficiaires, équipements d'une valeur de 62{NBSP}430,00{NBSP}DH" in text
    assert f"50{NBSP}000,00" in text and f"12{NBSP}430,00" in text
    assert "Mme Naima Tazi" in text
    assert f"10{NBSP}000,00{NBSP}DH" in text  # two cash grants of 5,000


def test_the_photo_and_the_signed_copy_are_served_to_readers_and_logged(world, client_for, auditor):
    client = client_for(auditor)
    photo = client.get(reverse("ceremonies:photo", args=[world["held"].pk, world["photo"].pk]))
    assert photo["Content-Type"] == "image/png"
    copy = client.get(reverse("ceremonies:signed_copy", args=[world["handover"].pk]))
    assert copy["Content-Type"] == "application/pdf"
    logged = AccessLog.objects.filter(user=auditor, action=AccessLog.Action.DOWNLOAD)
    assert sorted(logged.values_list("object_type", "detail")) == [
        ("ceremonies.Ceremony", f"photo {world['photo'].pk}"),
        ("ceremonies.Handover", f"signed copy {world['handover'].certificate_number}"),
    ]


def test_a_photo_must_be_an_image(staff, client_for, world):
    response = client_for(staff).post(
        reverse("ceremonies:photo_upload", args=[world["held"].pk]),
        {"image": SimpleUploadedFile("p.pdf", PDF), "caption": ""},
    )
    assert response.status_code == 200
    assert "Une photo doit être une image JPEG ou PNG." in page(response)
    assert CeremonyPhoto.objects.count() == 1


def test_an_admin_revokes_through_the_page(world, client_for, admin_user):
    handover = world["handover"]
    client = client_for(admin_user)
    url = reverse("ceremonies:revoke", args=[handover.pk])

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "Ce champ est obligatoire." in page(refused)
    response = client.post(url, {"reason": "Bénéficiaire absent, équipement non remis."})

    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.revoked_reason == "Bénéficiaire absent, équipement non remis."


# --- the public verification page -------------------------------------------------------

def test_the_verification_page_needs_no_login_and_shows_only_initials(world, client):
    handover = world["handover"]
    response = client.get(reverse("verify", args=[handover.verification_token]))

    text = page(response)
    assert response.status_code == 200
    assert handover.certificate_number in text
    assert "Cette attestation est authentique et valide" in text
    assert "06/12/2024" in text and "Témara" in text
    assert "Y. B." in text
    assert "Benali" not in text and "Youssef" not in text
    assert handover.project.beneficiary.file_number not in text


def test_the_verification_page_says_when_a_certificate_was_revoked(world, client, admin_user):
    handover = services.revoke_handover(
        handover=world["handover"], user=admin_user, reason="Erreur d'article"
    )

    text = page(client.get(reverse("verify", args=[handover.verification_token])))

    assert "Cette attestation a été révoquée" in text
    assert handover.revoked_at.astimezone().strftime("%d/%m/%Y") in text
    assert "Erreur d'article" not in text
    assert "authentique et valide" not in text


def test_an_unknown_token_is_a_plain_404(client, db):
    response = client.get(reverse("verify", args=["n0t-a-real-token"]))
    assert response.status_code == 404


def test_the_verification_page_is_rate_limited_per_address(world, client):
    url = reverse("verify", args=[world["handover"].verification_token])
    statuses = [client.get(url, REMOTE_ADDR="203.0.113.7").status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    refused = client.get(url, REMOTE_ADDR="203.0.113.7")
    assert "Trop de vérifications" in page(refused)
    assert client.get(url, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_the_admin_shows_ceremonies_with_their_guests_and_read_only_handovers(world, client_for, admin_user):
    client = client_for(admin_user)
    held, handover = world["held"], world["handover"]

    for url in (
        reverse("admin:ceremonies_ceremony_changelist"),
        reverse("admin:ceremonies_ceremony_change", args=[held.pk]),
        reverse("admin:ceremonies_ceremony_history", args=[held.pk]),
        reverse("admin:ceremonies_handover_changelist"),
        reverse("admin:ceremonies_handover_change", args=[handover.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    change = page(client.get(reverse("admin:ceremonies_ceremony_change", args=[held.pk])))
    assert "Mme Naima Tazi" in change and handover.certificate_number in change
    assert client.get(reverse("admin:ceremonies_handover_add")).status_code == 403
