"""Who pays what: framework agreements, each convention's partners and their shares, and
what the convention page, the INDH report and its workbook say of them."""

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from grants import funding
from grants.models import (
    ConventionFigures,
    ConventionPartner,
    FrameworkAgreement,
    Partner,
    Project,
    partner_parts,
    split_by_shares,
)
from grants.services import refresh_convention_figures

from .admin_forms import admin_form, change_url
from .factories import ConventionFactory, DisbursementFactory, PartnerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foundation(db):
    return Partner.objects.create(
        name="Fondation pour la réinsertion des détenus", kind=Partner.Kind.FOUNDATION
    )


@pytest.fixture
def convention(temara, foundation, admin_user):
    """500,000 DH: 80 % CPDH, 20 % Foundation; 100,000 DH committed, 10,000 DH paid."""
    cpdh = PartnerFactory(name="CPDH Skhirate-Témara", prefecture=temara)
    agreement = FrameworkAgreement.objects.create(
        reference="AC-FRD-INDH-2023",
        title="Accord-cadre Fondation – INDH",
        starts_on=datetime.date(2023, 7, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    agreement.parties.set([foundation, Partner.objects.create(name="INDH", kind=Partner.Kind.INDH)])
    convention = ConventionFactory(
        partner=cpdh, prefecture=temara, reference="CONV-INDH3-ST-2024-01", framework_agreement=agreement
    )
    funding.set_convention_partners(
        convention=convention,
        shares=[(cpdh, Decimal("80")), (foundation, Decimal("20"))],
        user=admin_user,
    )
    project = ProjectFactory(
        status=Project.Status.APPROVED,
        convention=convention,
        prefecture=temara,
        approved_amount=Decimal("100000.00"),
        own_contribution=Decimal("25000.00"),
    )
    DisbursementFactory(project=project, amount=Decimal("10000.00"))
    refresh_convention_figures(conventions=[convention.pk])
    return convention


# --- the arithmetic -------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    total=st.decimals(min_value=0, max_value=10**10, places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=6),
)
def test_parts_add_up_to_the_total_to_the_centime(total, cuts):
    # Shares in hundredths of a per cent that add up to exactly 100 %.
    shares = [Decimal(c) for c in cuts]
    scale = Decimal(10000) / sum(shares)
    shares = [(share * scale).quantize(Decimal("0.01"), rounding="ROUND_DOWN") for share in shares]
    shares[-1] += Decimal("100") - sum(shares)
    if shares[-1] <= 0:
        return
    parts = split_by_shares(total, shares)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert all(
        abs(part - total * share / 100) < Decimal("0.01") for part, share in zip(parts, shares, strict=True)
    )


def test_a_third_each_splits_the_centimes_fairly():
    third = Decimal("33.33")
    assert split_by_shares(Decimal("100.00"), [third, third, Decimal("33.34")]) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]


def test_each_partner_pays_its_share_of_what_the_convention_committed_and_disbursed(convention):
    convention.with_stored_figures()
    parts = {part.partner.name: part for part in partner_parts(convention)}
    cpdh, foundation = parts["CPDH Skhirate-Témara"], parts["Fondation pour la réinsertion des détenus"]
    assert (cpdh.envelope, cpdh.committed, cpdh.disbursed) == (
        Decimal("400000.00"),
        Decimal("80000.00"),
        Decimal("8000.00"),
    )
    assert (foundation.envelope, foundation.committed, foundation.disbursed) == (
        Decimal("100000.00"),
        Decimal("20000.00"),
        Decimal("2000.00"),
    )
    summary = funding.funding(convention)
    assert (summary.own_contributions, summary.total_cost) == (Decimal("25000.00"), Decimal("125000.00"))


def test_a_convention_without_shares_is_its_partner_s_alone(temara):
    convention = ConventionFactory(prefecture=temara)
    convention.committed = Decimal("1000.00")
    [part] = partner_parts(convention)
    assert (part.partner, part.share, part.committed) == (
        convention.partner,
        Decimal("100"),
        Decimal("1000.00"),
    )


# --- setting the shares ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([("a", "80"), ("b", "30")], "totalisent 110 %"),
        ([("a", "60")], "totalisent 60 %"),
        ([("a", "50"), ("a", "50")], "ne figure qu'une fois"),
        ([], "au moins un partenaire"),
    ],
)
def test_shares_that_do_not_add_up_to_100_are_refused(shares, message, convention, admin_user):
    partners = {"a": convention.partner, "b": Partner.objects.get(kind=Partner.Kind.FOUNDATION)}
    with pytest.raises(ValidationError, match=message):
        funding.set_convention_partners(
            convention=convention,
            shares=[(partners[key], Decimal(share)) for key, share in shares],
            user=admin_user,
        )
    assert sorted(convention.partner_shares.values_list("share", flat=True)) == [Decimal("20"), Decimal("80")]


def test_staff_and_officers_cannot_change_the_shares(convention, staff, officer, client_for):
    with pytest.raises(PermissionDenied):
        funding.set_convention_partners(
            convention=convention, shares=[(convention.partner, Decimal("100"))], user=staff
        )
    for user in (staff, officer):
        assert (
            client_for(user).get(reverse("grants:convention_partners", args=[convention.pk])).status_code
            == 403
        )


def test_an_officer_of_another_prefecture_gets_404(convention, outsider_officer, client_for):
    client = client_for(outsider_officer)
    assert client.get(reverse("grants:convention_partners", args=[convention.pk])).status_code == 404
    assert client.get(convention.get_absolute_url()).status_code == 404


def formset_data(convention, rows):
    existing = list(convention.partner_shares.order_by("-share", "partner__name"))
    data = {
        "partner_shares-TOTAL_FORMS": str(len(rows)),
        "partner_shares-INITIAL_FORMS": str(len(existing)),
        "partner_shares-MIN_NUM_FORMS": "0",
        "partner_shares-MAX_NUM_FORMS": "1000",
    }
    for index, (partner, share, delete) in enumerate(rows):
        if index < len(existing):
            data[f"partner_shares-{index}-id"] = str(existing[index].pk)
        data[f"partner_shares-{index}-convention"] = str(convention.pk)
        data[f"partner_shares-{index}-partner"] = str(partner.pk) if partner else ""
        data[f"partner_shares-{index}-share"] = share
        if delete:
            data[f"partner_shares-{index}-DELETE"] = "on"
    return data


def test_an_admin_sets_the_shares_on_the_partners_page(convention, foundation, admin_user, client_for):
    url = reverse("grants:convention_partners", args=[convention.pk])
    client = client_for(admin_user)
    other = Partner.objects.create(name="Conseil régional", kind=Partner.Kind.OTHER)
    page = client.get(url)
    assert page.status_code == 200 and "CPDH Skhirate-Témara" in page.content.decode()
    bad = client.post(
        url,
        formset_data(
            convention, [(convention.partner, "70", False), (foundation, "20", False), (other, "5", False)]
        ),
    )
    assert bad.status_code == 200
    assert "totalisent 95 %" in bad.content.decode()
    assert 'value="5"' in bad.content.decode() or 'value="5.00"' in bad.content.decode()
    good = client.post(
        url,
        formset_data(
            convention, [(convention.partner, "70", False), (foundation, "20", False), (other, "10", False)]
        ),
    )
    assert good.status_code == 302
    assert dict(convention.partner_shares.values_list("partner__name", "share")) == {
        "CPDH Skhirate-Témara": Decimal("70.00"),
        "Fondation pour la réinsertion des détenus": Decimal("20.00"),
        "Conseil régional": Decimal("10.00"),
    }
    # History says who changed the CPDH's share.
    assert ConventionPartner.history.filter(share=Decimal("70.00"), history_user=admin_user).exists()


def test_a_new_convention_is_funded_by_its_partner_alone(temara, admin_user, client_for):
    cpdh = PartnerFactory(prefecture=temara)
    response = client_for(admin_user).post(
        reverse("grants:convention_create"),
        {
            "reference": "CONV-NEW",
            "title": "Nouvelle",
            "partner": cpdh.pk,
            "prefecture": temara.pk,
            "indh_phase": 3,
            "indh_programme": "income",
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "envelope": "100000",
            "status": "draft",
        },
    )
    assert response.status_code == 302
    [share] = ConventionPartner.objects.filter(convention__reference="CONV-NEW")
    assert (share.partner, share.share) == (cpdh, Decimal("100"))


def test_the_database_refuses_a_share_outside_0_to_100(convention):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConventionPartner.objects.filter(convention=convention).update(share=Decimal("120"))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_at_commit_shares_that_do_not_add_up(temara):
    convention = ConventionFactory(prefecture=temara)
    other = Partner.objects.create(name="Fondation", kind=Partner.Kind.FOUNDATION)
    with pytest.raises(IntegrityError, match="add up to 90"), transaction.atomic():
        ConventionPartner.objects.create(
            convention=convention, partner=convention.partner, share=Decimal("60")
        )
        ConventionPartner.objects.create(convention=convention, partner=other, share=Decimal("30"))
    assert not ConventionPartner.objects.exists()
    # Rows of one transaction may pass through other sums on the way to 100 %.
    with transaction.atomic():
        ConventionPartner.objects.create(
            convention=convention, partner=convention.partner, share=Decimal("60")
        )
        ConventionPartner.objects.create(convention=convention, partner=other, share=Decimal("40"))
    assert ConventionPartner.objects.count() == 2


# --- pages, report, admin -------------------------------------------------------------


def test_the_convention_page_says_who_pays_what(convention, officer, client_for):
    content = client_for(officer).get(convention.get_absolute_url()).content.decode()
    content = content.replace("\xa0", " ").replace("\u202f", " ")
    assert "Qui paie quoi" in content and "AC-FRD-INDH-2023" in content
    assert "400 000,00" in content and "80 000,00" in content and "8 000,00" in content
    assert "Apports personnels des bénéficiaires" in content and "25 000,00" in content
    assert "125 000,00" in content


def test_the_indh_report_says_who_paid_what(convention, auditor, client_for):
    url = reverse("dashboard:convention_report", args=[convention.pk])
    response = client_for(auditor).get(url)
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Qui paie quoi" in text
    compact = text.replace(" ", "")  # the PDF's kerning splits some words
    assert "CPDHSkhirate-Témara80,00%" in compact and "Fondationpourlaréinsertiondesdétenus20,00%" in compact
    assert "80 000,00" in text and "20 000,00" in text and "25 000,00" in text
    xlsx = client_for(auditor).get(url + "?format=xlsx")
    content = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
    workbook = load_workbook(io.BytesIO(content))
    rows = [[cell for cell in row if cell is not None] for row in workbook.active.iter_rows(values_only=True)]
    assert ["CPDH Skhirate-Témara (80.00 %) : engagé, décaissé (DH)", 80000, 8000] in rows
    assert ["Apports personnels des bénéficiaires (DH)", 25000] in rows


def test_the_framework_agreement_page_adds_up_its_conventions_by_partner(
    convention, temara, staff, outsider_staff, client_for, django_assert_max_num_queries
):
    second = ConventionFactory(
        prefecture=temara,
        framework_agreement=convention.framework_agreement,
        partner=convention.partner,
        envelope=Decimal("100000.00"),
    )
    url = convention.framework_agreement.get_absolute_url()
    client = client_for(staff)
    # Session, user, permissions, agreement and parties, conventions, their shares, the sums.
    with django_assert_max_num_queries(12):
        response = client.get(url)
    totals = {row["partner"].name: row["envelope"] for row in response.context["partner_totals"]}
    assert totals == {
        "CPDH Skhirate-Témara": Decimal("500000.00"),
        "Fondation pour la réinsertion des détenus": Decimal("100000.00"),
    }
    assert second.reference in response.content.decode()
    # Rabat's staff read the agreement, not Témara's conventions under it.
    other = client_for(outsider_staff).get(url).content.decode()
    assert convention.reference not in other and "Accord-cadre Fondation" in other
    listing = client_for(staff).get(reverse("grants:framework_agreement_list")).content.decode()
    assert "AC-FRD-INDH-2023" in listing


def test_the_admin_checks_the_shares_of_the_convention_inline(convention, admin_user, client_for):
    client = client_for(admin_user)
    url = change_url(convention)
    data = admin_form(client, url)
    share_fields = sorted(key for key in data if key.startswith("partner_shares-") and key.endswith("-share"))
    assert len(share_fields) == 2
    data[share_fields[0]] = "30"  # 80 + 20 becomes 30 + 20, or 80 + 30
    response = client.post(url, data)
    assert response.status_code == 200
    assert "totalisent" in response.content.decode()
    assert sorted(convention.partner_shares.values_list("share", flat=True)) == [Decimal("20"), Decimal("80")]


def test_the_data_migration_makes_each_partner_the_100_percent_partner(temara):
    migration = importlib.import_module("grants.migrations.0012_convention_partners_from_partner")
    convention = ConventionFactory(prefecture=temara)
    ConventionFigures.objects.all().delete()
    migration.backfill(apps, None)
    [share] = convention.partner_shares.all()
    assert (share.partner, share.share) == (convention.partner, Decimal("100"))
    migration.backfill(apps, None)  # a second run adds nothing
    assert convention.partner_shares.count() == 1


def test_opening_the_signed_agreement_is_logged(convention, auditor, client_for):
    from django.core.files.base import ContentFile

    from reintegration.audit.models import AccessLog

    agreement = convention.framework_agreement
    agreement.document.save("accord.pdf", ContentFile(b"%PDF-1.4\n%accord\n"))
    response = client_for(auditor).get(reverse("grants:framework_agreement_document", args=[agreement.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD, object_id=str(agreement.pk)).exists()
