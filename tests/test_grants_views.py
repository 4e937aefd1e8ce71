"""The pages of conventions, projects and the officers' review, through the test client."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants import services
from grants.models import Convention, EquipmentItem, Project, Review
from grants.views import ConventionDetailView
from procurement.models import PurchaseOrder
from reintegration.audit.models import AccessLog

from .factories import (
    RABAT,
    BeneficiaryFactory,
    ConventionFactory,
    DisbursementFactory,
    EquipmentItemFactory,
    KitItemFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    SectorFactory,
    prefecture,
)
from .test_grants_services import COMMITTEE, approve, ready_project, submitted_project

pytestmark = pytest.mark.django_db

Status = Project.Status
PDF = b"%PDF-1.4\n%etude\n"


def page(response) -> str:
    return response.content.decode()


def line_data(lines, prefix="lines", initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(lines)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def project_data(beneficiary, sector, lines, **overrides):
    return {
        "beneficiary": beneficiary.pk,
        "title": "Boulangerie de quartier",
        "sector": sector.pk,
        "description": "Pain et viennoiseries",
        "cash_grant_amount": "5000.00",
        "own_contribution": "6000.00",
        "expected_monthly_revenue": "9000.00",
        **line_data(lines),
        **overrides,
    }


OVEN = {"designation": "Four à sole", "quantity": "1", "unit_price": "30000.00"}
KNEADER = {"designation": "Pétrin", "quantity": "2", "unit_price": "8500.50"}


# --- creating and editing a project ---------------------------------------------------------

def test_staff_creates_a_project_with_its_equipment_lines(client_for, staff):
    beneficiary, sector = BeneficiaryFactory(), SectorFactory()
    data = project_data(beneficiary, sector, [OVEN, KNEADER])
    data["feasibility_study"] = SimpleUploadedFile("etude.pdf", PDF, content_type="application/pdf")

    response = client_for(staff).post(reverse("grants:project_create"), data)

    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert project.reference.startswith("PRJ-")
    assert (project.status, project.prefecture, project.created_by) == (
        Status.DRAFT, beneficiary.prefecture, staff
    )
    assert [(line.designation, line.total) for line in project.equipment_items.order_by("pk")] == [
        ("Four à sole", Decimal("30000.00")), ("Pétrin", Decimal("17001.00")),
    ]
    assert project.feasibility_study
    assert project.events.get().to_status == Status.DRAFT


def test_a_creation_form_posted_twice_makes_one_project(client_for, staff):
    data = project_data(BeneficiaryFactory(), SectorFactory(), [OVEN])
    client = client_for(staff)
    client.post(reverse("grants:project_create"), data)
    response = client.post(reverse("grants:project_create"), data)
    assert "Ce bénéficiaire a déjà un projet portant cet intitulé." in page(response)
    assert Project.objects.count() == 1
    assert EquipmentItem.objects.count() == 1


def test_the_trade_kit_fills_the_lines_without_saving(client_for, staff):
    sector = SectorFactory(name_fr="Couture", name_ar="خياطة")
    KitItemFactory(
        sector=sector, designation="Machine à coudre industrielle", reference_price=Decimal("9000")
    )
    KitItemFactory(sector=sector, designation="Surjeteuse", reference_price=Decimal("7000"))
    data = project_data(BeneficiaryFactory(), sector, [OVEN], fill_kit="1")

    response = client_for(staff).post(reverse("grants:project_create"), data)

    assert response.status_code == 200
    text = page(response)
    assert "Machine à coudre industrielle" in text and "Surjeteuse" in text
    assert "Four à sole" in text  # the line typed before is kept
    assert 'name="lines-TOTAL_FORMS" value="3"' in text
    assert not Project.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("quantity", "0", "La quantité doit être d’au moins 1."),
    ("unit_price", "-5", "Le prix unitaire ne peut pas être négatif."),
])
def test_a_bad_line_is_refused_and_nothing_is_saved(client_for, staff, field, value, message):
    data = project_data(BeneficiaryFactory(), SectorFactory(), [OVEN, {**KNEADER, field: value}])

    response = client_for(staff).post(reverse("grants:project_create"), data)

    assert response.status_code == 200
    assert message in page(response)
    assert "Pétrin" in page(response)  # nothing typed is lost
    assert not Project.objects.exists()
    assert not EquipmentItem.objects.exists()


def test_a_negative_amount_is_refused(client_for, staff):
    data = project_data(BeneficiaryFactory(), SectorFactory(), [OVEN], cash_grant_amount="-1")
    response = client_for(staff).post(reverse("grants:project_create"), data)
    assert "Le montant ne peut pas être négatif." in page(response)
    assert not Project.objects.exists()


def test_a_beneficiary_of_another_prefecture_cannot_be_chosen(client_for, staff):
    outsider = BeneficiaryFactory(prefecture=prefecture(RABAT))
    data = project_data(outsider, SectorFactory(), [OVEN])
    response = client_for(staff).post(reverse("grants:project_create"), data)
    assert response.status_code == 200
    assert not Project.objects.exists()


def test_staff_edits_a_draft_and_its_lines(client_for, staff):
    project = ready_project()
    lines = list(project.equipment_items.order_by("pk"))
    data = project_data(project.beneficiary, project.sector, [
        {"id": lines[0].pk, "designation": "Four rotatif", "quantity": "1", "unit_price": "42000"},
        {"id": lines[1].pk, "designation": lines[1].designation, "quantity": "1", "unit_price": "10000",
         "DELETE": "on"},
        {"id": lines[2].pk, "designation": lines[2].designation, "quantity": "1", "unit_price": "10000"},
    ], title="Boulangerie modernisée")
    data["lines-INITIAL_FORMS"] = "3"

    response = client_for(staff).post(reverse("grants:project_update", args=[project.public_id]), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Boulangerie modernisée"
    assert project.feasibility_study  # kept when no new file is chosen
    assert [line.designation for line in project.equipment_items.order_by("pk")] == [
        "Four rotatif", lines[2].designation,
    ]


def test_a_submitted_project_can_no_longer_be_edited(client_for, staff):
    project = submitted_project(staff)
    url = reverse("grants:project_update", args=[project.public_id])
    response = client_for(staff).post(url, project_data(project.beneficiary, project.sector, []), follow=True)
    assert "ne peut plus être modifié" in page(response)
    assert Project.objects.get(pk=project.pk).title == project.title


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_officers_and_auditors_never_edit_projects(client_for, request, who):
    project = ready_project()
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("grants:project_create")).status_code == 403
    assert client.get(reverse("grants:project_update", args=[project.public_id])).status_code == 403
    assert client.post(reverse("grants:project_submit", args=[project.public_id])).status_code == 403
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


# --- the project page ---------------------------------------------------------------------

def test_the_project_page_shows_its_whole_history(client_for, staff, officer):
    project = submitted_project(staff)
    services.return_project(project=project, officer=officer, reason="Ajouter le devis du four.")
    services.submit_project(project=project, user=staff)
    approve(project, officer, ConventionFactory(), reason="Avis favorable du comité.")

    response = client_for(staff).get(project.get_absolute_url())

    text = page(response)
    assert "Ajouter le devis du four." in text
    assert "Avis favorable du comité." in text
    assert "Retourné pour correction" in text
    assert "PV-12/2024" in text
    # Decisions read as what happened, not as the buttons that took them.
    assert "<strong>Approuvé</strong>" in text
    assert "<strong>Approuver</strong>" not in text
    assert "20\u00a0000,00\u00a0DH" in text
    assert AccessLog.objects.filter(user=staff, object_id=str(project.public_id)).exists()


def test_a_price_far_from_the_kit_reference_is_flagged(client_for, officer, staff):
    sector = SectorFactory()
    KitItemFactory(sector=sector, designation="Four à sole", reference_price=Decimal("30000"))
    project = ready_project(sector=sector)
    EquipmentItemFactory(project=project, designation="Four à sole", unit_price=Decimal("45000"))
    EquipmentItemFactory(project=project, designation="Pétrin", unit_price=Decimal("5000"),
                         reference_price=Decimal("8000"))

    text = page(client_for(staff).get(project.get_absolute_url()))

    assert 'data-price-flag="above"' in text
    assert "+50\u00a0% au-dessus de la référence" in text
    assert 'data-price-flag="below"' in text
    assert "-38\u00a0% en dessous de la référence" in text


def test_the_kit_reference_is_found_whatever_the_case_and_spaces_of_the_designation(
    client_for, staff
):
    sector = SectorFactory()
    KitItemFactory(sector=sector, designation="Four à sole", reference_price=Decimal("20000"))
    KitItemFactory(sector=sector, designation="four à sole ", reference_price=Decimal("30000"))
    KitItemFactory(sector=SectorFactory(name_fr="Couture"), designation="Four à sole",
                   reference_price=Decimal("1000"))  # another sector's kit
    project = ready_project(sector=sector)
    EquipmentItemFactory(project=project, designation="  FOUR à SOLE", unit_price=Decimal("45000"))

    text = page(client_for(staff).get(project.get_absolute_url()))

    # The sector's last kit line of that designation is the reference.
    assert "30\u00a0000,00" in text
    assert "+50\u00a0% au-dessus de la référence" in text


def test_the_feasibility_study_is_downloaded_and_logged(client_for, auditor):
    project = ready_project()
    response = client_for(auditor).get(reverse("grants:project_study", args=[project.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(user=auditor, action=AccessLog.Action.DOWNLOAD).exists()


# --- submitting ---------------------------------------------------------------------------

def test_staff_submits_through_the_page_and_a_second_post_is_refused(client_for, staff):
    project = ready_project()
    client = client_for(staff)
    url = reverse("grants:project_submit", args=[project.public_id])

    response = client.post(url, follow=True)
    assert "soumis pour examen" in page(response)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED

    response = client.post(url, follow=True)
    assert "ne peut pas être soumis" in page(response)
    assert project.events.filter(to_status=Status.SUBMITTED).count() == 1


def test_submitting_without_consent_shows_why(client_for, staff):
    project = ready_project(beneficiary__consent_signed_on=None)
    response = client_for(staff).post(reverse("grants:project_submit", args=[project.public_id]))
    assert response.status_code == 200
    assert "consentement" in page(response)
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


def test_a_beneficiary_already_funded_is_asked_for_a_justification(client_for, staff, officer):
    first = submitted_project(staff)
    approve(first, officer, ConventionFactory())
    second = ready_project(beneficiary=first.beneficiary)
    client = client_for(staff)
    url = reverse("grants:project_submit", args=[second.public_id])

    assert "Pourquoi financer à nouveau" in page(client.get(url))
    assert "déjà bénéficié" in page(client.post(url, {"justification": ""}))
    client.post(url, {"justification": "Second atelier, emplois créés."})

    second.refresh_from_db()
    assert second.status == Status.SUBMITTED
    review_page = page(client_for(officer).get(reverse("grants:project_review", args=[second.public_id])))
    assert "Déjà financé ?" in review_page
    assert "Second atelier, emplois créés." in review_page
    assert first.reference in review_page


# --- the review ---------------------------------------------------------------------------

def test_the_review_queue_lists_the_prefecture_s_submitted_projects_oldest_first(
    client_for, staff, officer, outsider_staff
):
    older = submitted_project(staff, title="Couture Hay Nahda")
    newer = submitted_project(staff, title="Menuiserie Massira")
    long_ago = datetime.datetime(2024, 10, 1, tzinfo=datetime.UTC)
    Project.objects.filter(pk=older.pk).update(submitted_at=long_ago)
    ready_project(title="Brouillon Témara")
    submitted_project(outsider_staff, beneficiary__prefecture=prefecture(RABAT), title="Projet de Rabat")

    text = page(client_for(officer).get(reverse("grants:review_queue")))

    assert text.index(older.title) < text.index(newer.title)
    assert "Brouillon Témara" not in text
    assert "Projet de Rabat" not in text


def review_url(project):
    return reverse("grants:project_review", args=[project.public_id])


def approve_data(convention, amount="20000.00", **overrides):
    return {
        "decision": "approve",
        "approve-convention": convention.pk,
        "approve-amount": amount,
        "approve-committee_minutes_number": COMMITTEE["committee_minutes_number"],
        "approve-committee_decision_on": COMMITTEE["committee_decision_on"].isoformat(),
        "approve-reason": "Projet viable, avis favorable.",
        **overrides,
    }


def test_officer_approves_from_the_review_page(client_for, staff, officer):
    project, convention = submitted_project(staff), ConventionFactory()
    response = client_for(officer).post(review_url(project), approve_data(convention), follow=True)

    assert "approuvé" in page(response)
    project.refresh_from_db()
    assert (project.status, project.convention, project.approved_amount) == (
        Status.APPROVED, convention, Decimal("20000.00")
    )
    assert project.committee_decision_on == datetime.date(2024, 10, 3)


def test_an_approval_beyond_the_envelope_shows_the_figures_on_the_form(client_for, staff, officer):
    convention = ConventionFactory(envelope=Decimal("30000.00"))
    approve(submitted_project(staff), officer, convention, "25000.00")
    project = submitted_project(staff)

    response = client_for(officer).post(review_url(project), approve_data(convention, "6000.00"))

    assert response.status_code == 200
    assert "5\u00a0000,00\u00a0DH" in page(response)
    assert "6\u00a0000,00\u00a0DH dépasse" in page(response)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_a_convention_of_another_prefecture_is_not_offered(client_for, staff, officer):
    project = submitted_project(staff)
    rabat_convention = ConventionFactory(prefecture=prefecture(RABAT), reference="CONV-RABAT-01")
    client = client_for(officer)
    assert "CONV-RABAT-01" not in page(client.get(review_url(project)))
    response = client.post(review_url(project), approve_data(rabat_convention))
    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


@pytest.mark.parametrize(("decision", "status"), [("reject", Status.REJECTED), ("return", Status.RETURNED)])
def test_officer_rejects_or_returns_with_a_reason_staff_then_read(
    client_for, staff, officer, decision, status
):
    project = submitted_project(staff)
    client = client_for(officer)
    url = review_url(project)

    response = client.post(url, {"decision": decision, f"{decision}-reason": ""})
    assert "Ce champ est obligatoire." in page(response)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED

    client.post(url, {"decision": decision, f"{decision}-reason": "Étude de marché insuffisante."})
    assert Project.objects.get(pk=project.pk).status == status
    assert "Étude de marché insuffisante." in page(client_for(staff).get(project.get_absolute_url()))


def test_a_decision_posted_twice_is_applied_once(client_for, staff, officer):
    project, convention = submitted_project(staff), ConventionFactory()
    client = client_for(officer)
    client.post(review_url(project), approve_data(convention))
    response = client.post(review_url(project), approve_data(convention), follow=True)
    assert "ne peut pas être approuvé" in page(response)
    assert project.reviews.count() == 1
    figures = Convention.objects.with_budget_figures().get(pk=convention.pk)
    assert figures.committed == Decimal("20000.00")


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_staff_and_auditors_cannot_review(client_for, staff, request, who):
    project = submitted_project(staff)
    client = client_for(request.getfixturevalue(who))
    assert client.get(review_url(project)).status_code == 403
    assert client.post(review_url(project), approve_data(ConventionFactory())).status_code == 403
    assert not Review.objects.exists()


# --- launch, close, abandon -------------------------------------------------------------

def equipped(staff, officer):
    project = approve(submitted_project(staff), officer, ConventionFactory())
    project.equipment_items.update(status=EquipmentItem.Status.DELIVERED)
    return services.equip_project(project=project, user=staff, handed_over_on=datetime.date(2024, 1, 2))


def test_staff_launches_closes_a_project_through_the_pages(client_for, staff, officer):
    project = equipped(staff, officer)
    client = client_for(staff)

    client.post(reverse("grants:project_launch", args=[project.public_id]), {"launched_on": "2024-12-06"})
    project.refresh_from_db()
    assert (project.status, project.launched_on) == (Status.ACTIVE, datetime.date(2024, 12, 6))
    assert project.visits.count() >= 1

    response = client.post(reverse("grants:project_close", args=[project.public_id]), {"reason": ""})
    assert "Ce champ est obligatoire." in page(response)
    client.post(reverse("grants:project_close", args=[project.public_id]), {"reason": "Autonome."})
    assert Project.objects.get(pk=project.pk).status == Status.CLOSED


def test_a_launch_before_the_handover_is_refused_on_its_field_keeping_the_date(client_for, staff, officer):
    project = equipped(staff, officer)
    launch_page = page(client_for(staff).get(reverse("grants:project_launch", args=[project.public_id])))
    assert "Il ne peut pas précéder la remise de l’équipement, le 02/01/2024." in launch_page
    response = client_for(staff).post(
        reverse("grants:project_launch", args=[project.public_id]), {"launched_on": "2023-12-20"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["launched_on"] == [
        "L’activité ne peut pas être lancée avant la remise de son équipement (02/01/2024)."
    ]
    assert 'value="2023-12-20"' in page(response)
    project.refresh_from_db()
    assert (project.status, project.launched_on) == (Status.EQUIPPED, None)
    assert not project.visits.exists()


def test_staff_marks_a_project_abandoned(client_for, staff, officer):
    project = equipped(staff, officer)
    client_for(staff).post(
        reverse("grants:project_abandon", args=[project.public_id]), {"reason": "A quitté la ville."}
    )
    assert Project.objects.get(pk=project.pk).status == Status.ABANDONED


def test_a_step_not_open_now_says_so(client_for, staff):
    project = ready_project()
    response = client_for(staff).get(reverse("grants:project_launch", args=[project.public_id]))
    assert "cette étape ne vous est pas ouverte" in page(response)
    response = client_for(staff).post(
        reverse("grants:project_launch", args=[project.public_id]), {"launched_on": "2024-12-06"}, follow=True
    )
    assert "ne peut pas être lancé" in page(response)


# --- conventions ------------------------------------------------------------------------

def test_the_convention_page_derives_its_figures_from_the_projects(client_for, staff, officer):
    convention = ConventionFactory(envelope=Decimal("500000.00"))
    # 30,000 DH of equipment and a 90,000 DH cash grant requested.
    approve(submitted_project(staff, cash_grant_amount=Decimal("90000.00")), officer, convention, "120000.00")
    services.reject_project(project=submitted_project(staff), officer=officer, reason="Non viable.")

    text = page(client_for(officer).get(convention.get_absolute_url()))

    assert "500\u00a0000,00\u00a0DH" in text
    assert "120\u00a0000,00\u00a0DH" in text
    assert "380\u00a0000,00\u00a0DH" in text
    assert 'value="24"' in text  # the consumption bar


def funded(convention, amount, status=Status.ACTIVE, reference=None):
    """A project of `convention` with `amount` approved, made by the factories."""
    extra = {"reference": reference} if reference else {}
    return ProjectFactory(
        beneficiary=BeneficiaryFactory(prefecture=convention.prefecture), convention=convention,
        status=status, approved_amount=Decimal(amount), **extra,
    )


def test_the_conventions_list_shows_each_convention_s_own_commitments(client_for, auditor):
    first = ConventionFactory(envelope=Decimal("500000.00"))
    second = ConventionFactory(envelope=Decimal("300000.00"))
    ConventionFactory(envelope=Decimal("70000.00"))  # nothing committed yet
    funded(first, "120000.00")
    funded(first, "30000.00", status=Status.ABANDONED)  # stays committed
    funded(first, "99000.00", status=Status.REJECTED)  # never committed
    funded(second, "45000.00")

    text = page(client_for(auditor).get(reverse("grants:convention_list")))

    rows = {row.split("</td>")[0]: row for row in text.split('<td class="font-monospace">')[1:]}
    first_row = next(row for key, row in rows.items() if first.reference in key)
    second_row = next(row for key, row in rows.items() if second.reference in key)
    assert "150\u00a0000,00" in first_row and "350\u00a0000,00" in first_row
    assert "45\u00a0000,00" in second_row and "255\u00a0000,00" in second_row
    assert "70\u00a0000,00" in text and "0,00" in text


def test_the_conventions_export_holds_the_disbursed_figure(client_for, auditor):
    convention = ConventionFactory(envelope=Decimal("500000.00"))
    project = funded(convention, "120000.00")
    DisbursementFactory(project=project, amount=Decimal("5000.00"))
    order = PurchaseOrderFactory(convention=convention, status=PurchaseOrder.Status.INVOICED,
                                 invoice_amount=Decimal("15000.00"))
    EquipmentItemFactory(project=project, purchase_order=order, quantity=2, unit_price=Decimal("7500.00"),
                         invoiced_amount=Decimal("15000.00"))
    EquipmentItemFactory(project=project, unit_price=Decimal("9999.00"))  # not invoiced

    response = client_for(auditor).get(reverse("grants:convention_list") + "?export=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    row = next(line for line in text.splitlines() if convention.reference in line)
    envelope, committed, disbursed, remaining = (
        Decimal(cell.replace(",", ".")) for cell in row.split(";")[-4:]
    )
    assert (envelope, committed, remaining) == (500000, 120000, 380000)
    assert disbursed == 20000  # 5,000 paid + 15,000 of equipment invoiced


def test_the_convention_page_lists_its_projects_page_by_page_with_whole_figures(
    client_for, auditor, monkeypatch
):
    monkeypatch.setattr(ConventionDetailView, "projects_per_page", 2)
    convention = ConventionFactory(envelope=Decimal("500000.00"))
    for number, amount in enumerate(["10000.00", "20000.00", "30000.00"]):
        funded(convention, amount, reference=f"PRJ-TEST-{number}")
    client = client_for(auditor)

    first = page(client.get(convention.get_absolute_url()))
    second = page(client.get(convention.get_absolute_url() + "?page=2"))

    assert "3 projets financés" in first and "3 projets financés" in second
    assert "PRJ-TEST-0" in first and "PRJ-TEST-1" in first and "PRJ-TEST-2" not in first
    assert "PRJ-TEST-2" in second and "PRJ-TEST-0" not in second
    for text in (first, second):  # committed and remaining: the whole convention's
        assert "60\u00a0000,00\u00a0DH" in text and "440\u00a0000,00\u00a0DH" in text


def test_only_an_admin_creates_or_edits_a_convention(client_for, admin_user, staff, officer, temara):
    partner = ConventionFactory().partner
    data = {
        "reference": "CONV-INDH3-ST-2025-02", "title": "Deuxième convention", "partner": partner.pk,
        "prefecture": temara.pk, "indh_phase": 3, "indh_programme": "income", "starts_on": "2025-01-01",
        "ends_on": "2026-12-31", "envelope": "250000.00", "max_per_project": "100000.00",
        "max_share": "70", "status": "active",
    }
    for user in (staff, officer):
        assert client_for(user).post(reverse("grants:convention_create"), data).status_code == 403
    assert not Convention.objects.filter(reference="CONV-INDH3-ST-2025-02").exists()

    response = client_for(admin_user).post(reverse("grants:convention_create"), data)
    convention = Convention.objects.get(reference="CONV-INDH3-ST-2025-02")
    assert response["Location"] == convention.get_absolute_url()


def test_an_envelope_below_what_is_committed_is_refused(client_for, admin_user, staff, officer):
    convention = ConventionFactory()
    approve(submitted_project(staff, cash_grant_amount=Decimal("10000.00")), officer, convention, "40000.00")
    url = reverse("grants:convention_update", args=[convention.pk])
    form = page(client_for(admin_user).get(url))
    assert convention.reference in form
    data = {
        "reference": convention.reference, "title": convention.title, "partner": convention.partner_id,
        "prefecture": convention.prefecture_id, "indh_phase": 3, "indh_programme": "income",
        "starts_on": "2024-01-01", "ends_on": "2026-12-31", "envelope": "30000.00", "status": "active",
    }
    response = client_for(admin_user).post(url, data)
    assert "40\u00a0000,00\u00a0DH est déjà engagé" in page(response)
    assert Convention.objects.get(pk=convention.pk).envelope == Decimal("500000.00")


# --- scope: every grants page answers 404 out of scope ----------------------------------------

PROJECT_PAGES = [
    "grants:project_detail", "grants:project_update", "grants:project_submit", "grants:project_launch",
    "grants:project_close", "grants:project_abandon", "grants:project_review", "grants:project_study",
]
CONVENTION_PAGES = ["grants:convention_detail"]


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
@pytest.mark.parametrize("name", PROJECT_PAGES)
def test_a_project_of_another_prefecture_is_404(client_for, request, who, name):
    project = ready_project()
    client = client_for(request.getfixturevalue(who))
    url = reverse(name, args=[project.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "decision": "reject", "reject-reason": "x"}).status_code == 404
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
def test_a_convention_of_another_prefecture_is_404(client_for, request, who):
    convention = ConventionFactory()
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("grants:convention_detail", args=[convention.pk])).status_code == 404


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
def test_lists_never_show_another_prefecture_s_files(client_for, request, staff, who):
    submitted_project(staff, title="Atelier Zzyzx de Témara")
    ConventionFactory(reference="CONV-ZZYZX-TEMARA")
    client = client_for(request.getfixturevalue(who))
    for name in ("grants:project_list", "grants:convention_list"):
        text = page(client.get(reverse(name)))
        assert "Zzyzx" not in text and "ZZYZX" not in text
    if who == "outsider_officer":
        assert "Zzyzx" not in page(client.get(reverse("grants:review_queue")))


# --- constant query counts --------------------------------------------------------------------

def many_projects(staff, officer, convention, count):
    for _ in range(count):
        approve(submitted_project(staff), officer, convention, "1000.00")
        submitted_project(staff)


def queries_for(client, url) -> int:
    # The filter forms' options not yet cached: the most queries a page makes.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The same number of queries for 2 rows as for 14: session, user, groups and permissions,
# the count, the page of rows (sums as subqueries), the filter form's choices.
@pytest.mark.parametrize(("name", "who", "limit"), [
    ("grants:project_list", "staff", 14),
    ("grants:review_queue", "officer", 12),
    ("grants:convention_list", "staff", 12),
    ("grants:convention_detail", "officer", 12),
])
def test_lists_take_a_constant_number_of_queries(client_for, request, staff, officer, name, who, limit):
    convention = ConventionFactory()
    client = client_for(request.getfixturevalue(who))
    url = reverse(name, args=[convention.pk] if name == "grants:convention_detail" else [])
    many_projects(staff, officer, convention, 1)
    few = queries_for(client, url)
    many_projects(staff, officer, convention, 6)
    assert queries_for(client, url) == few
    assert few <= limit
