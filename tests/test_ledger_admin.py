"""The Django admin's doors into the ledger (issue 16): a correction — a change, a history
revert, a deletion — that would create or grow a breach is refused whole, with its
figures on top of the form; one that leaves the ledger as sound as it was passes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grants import ledger, services
from grants.models import Convention, ConventionFigures, EquipmentItem, Project
from procurement.models import Disbursement, PurchaseOrder

from .admin_forms import admin_form, change_url, posted_back
from .factories import ConventionFactory
from .test_grants_views import page
from .test_ledger import delivered, funded, invoice, order, pay

pytestmark = pytest.mark.django_db

REFUSED = "n’a pas été enregistrée"


@pytest.fixture
def world(staff, officer, temara):
    """A project approved for 35,000 DH: 5,000 DH of cash grant paid, its two lines
    (20,000 and 10,000 DH) ordered, delivered and invoiced at 30,000 DH."""
    convention = ConventionFactory(prefecture=temara, envelope=Decimal("100000.00"))
    project = funded(staff, officer, convention, "35000.00",
                     lines=[("Four", 1, "20000.00"), ("Pétrin", 2, "5000.00")], cash_grant="5000.00",
                     own="20000.00")
    pay(staff, project, "5000.00")
    draft = delivered(staff, order(staff, convention, list(project.equipment_items.all())))
    invoice(staff, draft, "30000.00")
    return {"convention": convention, "project": project, "order": PurchaseOrder.objects.get(pk=draft.pk)}


def refused(response) -> str:
    assert response.status_code == 200, response
    text = page(response)
    assert REFUSED in text or "was not saved" in text
    return text


def assert_sound():
    assert ledger.check().breaches == []


def test_a_payment_raised_above_the_approved_amount_is_refused(client_for, admin_user, world):
    client = client_for(admin_user)
    payment = Disbursement.objects.get()
    data = admin_form(client, change_url(payment))
    text = refused(client.post(change_url(payment), {**data, "amount": "6000.00"}))
    assert world["project"].reference in text and "36\u00a0000,00\u00a0DH" in text
    assert 'value="6000.00"' in text  # the form as typed
    assert Disbursement.objects.get().amount == Decimal("5000.00")
    assert_sound()


def test_a_payment_lowered_or_deleted_passes(client_for, admin_user, world):
    client = client_for(admin_user)
    payment = Disbursement.objects.get()
    data = admin_form(client, change_url(payment))
    assert client.post(change_url(payment), {**data, "amount": "4000.00"}).status_code == 302
    assert ConventionFigures.objects.get(convention=world["convention"]).disbursed == Decimal("34000.00")
    client.post(reverse("admin:procurement_disbursement_delete", args=[payment.pk]), {"post": "yes"})
    assert not Disbursement.objects.exists()
    assert_sound()


def test_an_invoice_amount_raised_above_the_order_is_refused_and_a_lower_one_shared_again(
    client_for, admin_user, world
):
    client = client_for(admin_user)
    order_ = world["order"]
    data = admin_form(client, change_url(order_))
    text = refused(client.post(change_url(order_), {**data, "invoice_amount": "30600.00"}))
    assert "30\u00a0600,00\u00a0DH" in text
    assert PurchaseOrder.objects.get(pk=order_.pk).invoice_amount == Decimal("30000.00")

    assert client.post(change_url(order_), {**data, "invoice_amount": "27000.00"}).status_code == 302
    shares = list(EquipmentItem.objects.order_by("pk").values_list("invoiced_amount", flat=True))
    assert shares == [Decimal("18000.00"), Decimal("9000.00")]
    assert ConventionFigures.objects.get(convention=world["convention"]).disbursed == Decimal("32000.00")
    assert_sound()


def test_a_line_repriced_above_the_approved_amount_is_refused(client_for, admin_user, world, staff, officer):
    client = client_for(admin_user)
    # A line not yet ordered may be repriced; once ordered it counts in what is engaged.
    project = world["project"]
    line = EquipmentItem.objects.filter(project=project).order_by("pk").first()
    PurchaseOrder.objects.filter(pk=world["order"].pk).update(status=PurchaseOrder.Status.SENT)
    EquipmentItem.objects.update(invoiced_amount=None)
    services.refresh_convention_figures(conventions=[world["convention"]])
    data = admin_form(client, change_url(line))
    text = refused(client.post(change_url(line), {**data, "unit_price": "20001.00"}))
    assert "35\u00a0001,00\u00a0DH" in text
    assert EquipmentItem.objects.get(pk=line.pk).unit_price == Decimal("20000.00")
    assert client.post(change_url(line), {**data, "unit_price": "19000.00"}).status_code == 302
    assert_sound()


def test_reverting_a_project_to_before_its_amendment_is_refused_once_the_amendment_is_spent(
    client_for, admin_user, world, staff, officer
):
    project = world["project"]
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("38000.00"),
                                           cash_grant=Decimal("8000.00"), reason="Aide plus forte.")
    services.approve_amendment(amendment=amendment, officer=officer, amount=amendment.requested_amount,
                               reason="Oui.")
    pay(staff, project, "3000.00")
    before = project.history.filter(approved_amount=Decimal("35000.00")).order_by("-history_id").first()
    client = client_for(admin_user)
    url = reverse("admin:grants_project_simple_history", args=[project.pk, before.history_id])
    text = refused(client.post(url, posted_back(client.get(url).context["adminform"].form)))
    assert "38\u00a0000,00\u00a0DH" in text and "35\u00a0000,00\u00a0DH" in text
    project.refresh_from_db()
    assert (project.approved_amount, project.cash_grant_amount) == (Decimal("38000.00"), Decimal("8000.00"))
    assert_sound()


def test_an_envelope_below_what_is_committed_is_refused_in_the_admin(client_for, admin_user, world):
    client = client_for(admin_user)
    convention = world["convention"]
    data = admin_form(client, change_url(convention))
    text = refused(client.post(change_url(convention), {**data, "envelope": "34000.00"}))
    assert "35\u00a0000,00\u00a0DH" in text
    assert Convention.objects.get(pk=convention.pk).envelope == Decimal("100000.00")


def test_lines_on_an_order_are_never_deleted_in_bulk(client_for, admin_user, world):
    client = client_for(admin_user)
    response = client.post(reverse("admin:grants_equipmentitem_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [str(pk) for pk in EquipmentItem.objects.values_list("pk", flat=True)],
    })
    assert response.status_code == 403  # the admin's own answer when one row may not be deleted
    assert EquipmentItem.objects.count() == 2
    line = EquipmentItem.objects.first()
    delete_url = reverse("admin:grants_equipmentitem_delete", args=[line.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert_sound()


def test_an_old_breach_does_not_block_an_unrelated_correction_but_may_not_grow(client_for, admin_user, world):
    project = world["project"]
    Project.objects.filter(pk=project.pk).update(approved_amount=Decimal("34000.00"))  # 1,000 DH over
    services.refresh_convention_figures(conventions=[world["convention"]])
    client = client_for(admin_user)
    data = admin_form(client, change_url(project))
    response = client.post(change_url(project), {**data, "title": "Boulangerie du quartier Al Wifaq"})
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).title == "Boulangerie du quartier Al Wifaq"

    payment = Disbursement.objects.get()
    payment_data = admin_form(client, change_url(payment))
    refused(client.post(change_url(payment), {**payment_data, "amount": "5000.01"}))
    assert client.post(change_url(payment), {**payment_data, "amount": "4000.00"}).status_code == 302
    assert ledger.check().breaches == []


def test_the_account_a_payment_credited_is_not_rewritten_in_the_admin(client_for, admin_user, world):
    client = client_for(admin_user)
    payment = Disbursement.objects.get()
    payment.rib = "011780000012345678901234"
    payment.save(update_fields=["rib"])
    data = admin_form(client, change_url(payment))
    assert "rib" not in data
    response = client.post(change_url(payment), {**data, "rib": "190780000098765432100012"})
    assert response.status_code == 302
    assert Disbursement.objects.get().rib == "011780000012345678901234"
