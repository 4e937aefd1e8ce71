"""Pages of suppliers, purchase orders, cash grants and visits: what each user sees and may do."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from pypdf import PdfReader

from followup import services as followup_services
from followup.models import Alert, FollowUpVisit
from followup.urls import urlpatterns as followup_urlpatterns
from grants.models import Project
from procurement import services as procurement
from procurement.models import PurchaseOrder, Quote, Supplier
from procurement.urls import urlpatterns
from reintegration.audit.models import AccessLog

from .factories import (
    ConventionFactory,
    EquipmentItemFactory,
    ProjectFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%quote\n"
VALID_ICE = "001561191000066"


def rib_with_key(first22: str) -> str:
    return f"{first22}{97 - (int(first22) * 100) % 97:02d}"


@pytest.fixture
def world(staff, temara):
    """Témara: a convention, two approved projects, a sent order, a launched project."""
    convention = ConventionFactory(prefecture=temara, reference="CONV-TEM-2024")
    supplier = SupplierFactory(name="Atlas Équipement SARL", ice=VALID_ICE, rc="RC-TEM-881")
    project = ProjectFactory(status=Project.Status.APPROVED, convention=convention,
                             approved_amount=Decimal("60000.00"), cash_grant_amount=Decimal("5000.00"))
    oven = EquipmentItemFactory(project=project, designation="Four à sole", quantity=1,
                                unit_price=Decimal("32000.00"))
    kneader = EquipmentItemFactory(project=project, designation="Pétrin 25 kg", quantity=2,
                                   unit_price=Decimal("6500.00"))
    planned = EquipmentItemFactory(project=project, designation="Balance", unit_price=Decimal("800.00"))
    order = procurement.create_purchase_order(
        supplier=supplier, convention=convention, lines=[oven, kneader], user=staff,
        ordered_on=datetime.date(2024, 10, 1),
    )
    procurement.send_purchase_order(purchase_order=order, user=staff)
    quote = Quote.objects.create(
        purchase_order=order, supplier=supplier, amount=Decimal("45000.00"),
        quoted_on=datetime.date(2024, 9, 20), chosen=True,
        document=SimpleUploadedFile("devis.pdf", PDF),
    )
    launched = ProjectFactory(status=Project.Status.ACTIVE, convention=convention,
                              approved_amount=Decimal("40000.00"), launched_on=datetime.date(2024, 12, 6))
    followup_services.schedule_follow_up_visits(project=launched)
    visit = launched.visits.order_by("due_on").first()
    visit.photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0fake")
    visit.save()
    alert = Alert.objects.create(
        visit=visit, kind=Alert.Kind.UNREACHABLE, raised_on=datetime.date(2025, 1, 8)
    )
    return {"convention": convention, "supplier": supplier, "project": project, "order": order,
            "quote": quote, "launched": launched, "visit": visit, "oven": oven, "kneader": kneader,
            "planned": planned, "alert": alert}


# Every page of an object of a prefecture: (url name, method, how to build its arguments).
OBJECT_PAGES = {
    "purchase_order_detail": ("get", lambda w: [w["order"].pk]),
    "purchase_order_send": ("post", lambda w: [w["order"].pk]),
    "purchase_order_cancel": ("post", lambda w: [w["order"].pk]),
    "purchase_order_receive": ("get", lambda w: [w["order"].pk]),
    "purchase_order_invoice": ("get", lambda w: [w["order"].pk]),
    "purchase_order_quotes": ("get", lambda w: [w["order"].pk]),
    "quote_delete": ("post", lambda w: [w["order"].pk, w["quote"].pk]),
    "quote_document": ("get", lambda w: [w["order"].pk, w["quote"].pk]),
    "purchase_order_pdf": ("get", lambda w: [w["order"].pk]),
    "purchase_order_create_lines": ("get", lambda w: [w["convention"].pk]),
    "disbursement_create": ("get", lambda w: [w["project"].public_id]),
    "visit_update": ("get", lambda w: [w["visit"].pk]),
    "visit_reschedule": ("post", lambda w: [w["visit"].pk]),
    "visit_photo": ("get", lambda w: [w["visit"].pk]),
    "alert_detail": ("post", lambda w: [w["alert"].pk]),
}
# Pages without a prefecture: lists (filtered by scope) and suppliers (national reference data).
OTHER_PAGES = {"supplier_list", "supplier_create", "supplier_detail", "supplier_update",
               "purchase_order_list", "purchase_order_create", "visit_list", "alert_list",
               # Changes of a supplier's bank details (tests/test_bank_changes.py).
               "bank_change_request", "bank_change_list", "bank_change_detail", "bank_change_document"}


def test_every_procurement_url_is_covered_by_the_scope_tests():
    patterns = urlpatterns + followup_urlpatterns
    names = {pattern.name for pattern in patterns if isinstance(pattern, URLPattern)}
    assert names == set(OBJECT_PAGES) | OTHER_PAGES


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
def test_users_of_another_prefecture_get_404_on_every_page(name, who, world, request, client_for):
    method, args = OBJECT_PAGES[name]
    client = client_for(request.getfixturevalue(who))
    response = getattr(client, method)(reverse(f"grants:{name}", args=args(world)))
    assert response.status_code == 404
    world["order"].refresh_from_db()
    assert world["order"].status == PurchaseOrder.Status.SENT


@pytest.mark.parametrize("name", ["purchase_order_list", "visit_list", "alert_list"])
def test_lists_show_nothing_of_another_prefecture(name, world, outsider_staff, client_for):
    content = client_for(outsider_staff).get(reverse(f"grants:{name}")).content.decode()
    assert world["order"].number not in content
    assert world["launched"].reference not in content


def test_the_supplier_page_shows_only_the_orders_in_scope(world, outsider_staff, client_for):
    response = client_for(outsider_staff).get(reverse("grants:supplier_detail", args=[world["supplier"].pk]))
    assert response.status_code == 200
    assert "Atlas Équipement SARL" in response.content.decode()
    assert world["order"].number not in response.content.decode()


@pytest.mark.parametrize("who", ["officer", "auditor"])
@pytest.mark.parametrize("name", ["purchase_order_detail", "purchase_order_quotes", "purchase_order_pdf"])
def test_officers_and_auditors_read_orders(name, who, world, request, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse(f"grants:{name}", args=[world["order"].pk])).status_code == 200


@pytest.mark.parametrize("who", ["officer", "auditor"])
@pytest.mark.parametrize("name", sorted(set(OBJECT_PAGES) - {
    "purchase_order_detail", "purchase_order_quotes", "purchase_order_pdf", "quote_document", "visit_photo",
}))
def test_officers_and_auditors_may_not_write(name, who, world, request, client_for):
    method, args = OBJECT_PAGES[name]
    client = client_for(request.getfixturevalue(who))
    response = getattr(client, method)(reverse(f"grants:{name}", args=args(world)))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["supplier_create", "purchase_order_create"])
def test_officers_may_not_create_suppliers_or_orders(name, officer, client_for):
    assert client_for(officer).get(reverse(f"grants:{name}")).status_code == 403


# --- suppliers ------------------------------------------------------------------------

def supplier_data(**overrides):
    data = {"name": "Menuiserie Al Amal", "ice": "002 136 093 000 040", "rc": "45871", "tax_id": "1458722",
            "phone": "06 61 23 45 67", "email": "contact@alamal.ma", "address": "Témara",
            "rib": rib_with_key("0117800000123456789012")}
    data.update(overrides)
    return data


def test_staff_register_a_supplier_with_normalised_identifiers(staff, client_for):
    response = client_for(staff).post(reverse("grants:supplier_create"), supplier_data(), follow=True)
    supplier = Supplier.objects.get()
    assert (supplier.ice, supplier.phone) == ("002136093000040", "+212661234567")
    assert "Fournisseur Menuiserie Al Amal enregistré." in response.content.decode()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ice", "002136093000041", "La clé de contrôle de cet ICE est fausse"),
    ("ice", "000000000000000", "Un ICE comporte 15 chiffres."),
    ("rib", "011780000012345678901200", "La clé de ce RIB est fausse"),
    ("rib", "1234", "Un RIB comporte 24 chiffres."),
])
def test_an_invalid_ice_or_rib_is_refused_on_its_field(field, value, message, staff, client_for):
    response = client_for(staff).post(reverse("grants:supplier_create"), supplier_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Supplier.objects.exists()


def test_a_second_supplier_with_the_same_ice_is_refused(staff, client_for):
    SupplierFactory(ice="002136093000040")
    response = client_for(staff).post(reverse("grants:supplier_create"), supplier_data())
    assert "Un fournisseur avec cet ICE est déjà enregistré." in response.content.decode()


def test_the_supplier_list_shows_orders_and_amounts_in_scope(world, staff, client_for):
    content = client_for(staff).get(reverse("grants:supplier_list")).content.decode()
    assert "Atlas Équipement SARL" in content
    assert "45\u00a0000,00" in content


# --- purchase orders ------------------------------------------------------------------

def test_staff_create_an_order_by_picking_a_convention_then_lines(world, staff, client_for):
    client = client_for(staff)
    response = client.post(reverse("grants:purchase_order_create"), {"convention": world["convention"].pk})
    assert response["Location"] == reverse("grants:purchase_order_create_lines",
                                           args=[world["convention"].pk])
    page = client.get(response["Location"]).content.decode()
    assert "Balance" in page and "Four à sole" not in page  # the oven is already ordered

    response = client.post(response["Location"], {
        "supplier": world["supplier"].pk, "ordered_on": "2024-11-02", "lines": [world["planned"].pk],
    }, follow=True)

    order = PurchaseOrder.objects.exclude(pk=world["order"].pk).get()
    assert order.number == "BC-2024-00002"
    assert "Bon de commande BC-2024-00002 créé en brouillon." in response.content.decode()


def test_receiving_more_than_ordered_shows_the_error_and_saves_nothing(world, staff, client_for):
    order, oven = world["order"], world["oven"]
    response = client_for(staff).post(reverse("grants:purchase_order_receive", args=[order.pk]), {
        "delivered_on": "2024-11-20", f"quantity_{oven.pk}": "2",
    })
    assert response.status_code == 200
    assert "seulement 1 encore attendu" in response.content.decode()
    oven.refresh_from_db()
    assert oven.quantity_delivered == 0


def test_a_full_delivery_then_an_invoice_of_another_amount_is_flagged_on_the_page(world, staff, client_for):
    client = client_for(staff)
    order, oven, kneader = world["order"], world["oven"], world["kneader"]
    client.post(reverse("grants:purchase_order_receive", args=[order.pk]), {
        "delivered_on": "2024-11-20", f"quantity_{oven.pk}": "1", f"serial_{oven.pk}": "FS-2024-118",
        f"quantity_{kneader.pk}": "2",
    })
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.DELIVERED

    # A discount of 500 DH: below the order, the invoice is kept and flagged.
    response = client.post(reverse("grants:purchase_order_invoice", args=[order.pk]), {
        "invoice_number": "FA-3321", "invoice_amount": "44500.00"}, follow=True)

    content = response.content.decode()
    assert "diffère du total des lignes" in content
    assert "Facture différente" in content
    assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrder.Status.INVOICED


def test_sending_above_the_threshold_without_three_quotes_is_refused_on_the_page(staff, temara, client_for):
    convention = ConventionFactory(prefecture=temara, quote_threshold=Decimal("10000.00"))
    project = ProjectFactory(status=Project.Status.APPROVED, convention=convention,
                             approved_amount=Decimal("60000.00"))
    order = procurement.create_purchase_order(
        supplier=SupplierFactory(), convention=convention, user=staff, ordered_on=datetime.date(2024, 10, 1),
        lines=[EquipmentItemFactory(project=project, unit_price=Decimal("30000.00"))],
    )
    response = client_for(staff).post(reverse("grants:purchase_order_send", args=[order.pk]), follow=True)
    assert "trois devis" in response.content.decode()
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.DRAFT


def test_a_quote_is_added_with_its_document_and_downloaded_with_a_log(world, staff, client_for, temara):
    client = client_for(staff)
    order = procurement.create_purchase_order(
        supplier=world["supplier"], convention=world["convention"], lines=[world["planned"]], user=staff,
        ordered_on=datetime.date(2024, 11, 2),
    )
    response = client.post(reverse("grants:purchase_order_quotes", args=[order.pk]), {
        "supplier": world["supplier"].pk, "amount": "800.00", "quoted_on": "2024-10-28",
        "document": SimpleUploadedFile("devis.pdf", PDF, content_type="application/pdf"), "chosen": "on",
    })
    assert response.status_code == 302
    quote = order.quotes.get()
    response = client.get(reverse("grants:quote_document", args=[order.pk, quote.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD, user=staff).exists()


def test_a_quote_document_that_is_not_a_pdf_or_image_is_refused(world, staff, client_for):
    order = procurement.create_purchase_order(
        supplier=world["supplier"], convention=world["convention"], lines=[world["planned"]], user=staff,
        ordered_on=datetime.date(2024, 11, 2),
    )
    response = client_for(staff).post(reverse("grants:purchase_order_quotes", args=[order.pk]), {
        "supplier": world["supplier"].pk, "amount": "800.00", "quoted_on": "2024-10-28",
        "document": SimpleUploadedFile("devis.pdf", b"MZ\x90\x00 not a pdf"),
    })
    assert response.status_code == 200
    assert response.context["form"].errors["document"]
    assert not order.quotes.exists()


def test_the_purchase_order_pdf_lists_number_supplier_lines_and_total(world, staff, client_for):
    order = world["order"]
    response = client_for(staff).get(reverse("grants:purchase_order_pdf", args=[order.pk]))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")
    assert len(reader.pages) == 1
    assert order.number in text
    assert "Atlas Équipement SARL" in text and VALID_ICE in text
    assert "Four à sole" in text and "Pétrin 25 kg" in text
    assert "45 000,00 DH" in text
    assert "CNDP" in text
    assert AccessLog.objects.filter(action=AccessLog.Action.PDF, object_id=str(order.pk)).exists()


# --- cash grants and visits -----------------------------------------------------------

def test_a_payment_beyond_the_cash_grant_is_refused_on_the_amount_field(world, staff, client_for):
    project = world["project"]
    response = client_for(staff).post(reverse("grants:disbursement_create", args=[project.public_id]), {
        "amount": "5000.01", "paid_on": "2024-12-06", "method": "transfer", "reference": "VIR-1",
        "rib": rib_with_key("2257800001000000000042")})
    assert response.status_code == 200
    assert "dépasserait l'aide en numéraire" in response.context["form"].errors["amount"][0]
    assert not project.disbursements.exists()


def test_a_payment_within_the_cash_grant_is_recorded(world, staff, client_for):
    project = world["project"]
    response = client_for(staff).post(reverse("grants:disbursement_create", args=[project.public_id]), {
        "amount": "5000.00", "paid_on": "2024-12-06", "method": "cheque", "reference": "CHQ 0045871"})
    assert response.status_code == 302
    assert project.disbursements.get().reference == "CHQ 0045871"


def test_a_visit_dated_before_the_launch_is_refused_on_its_field(world, staff, client_for):
    visit = world["visit"]
    response = client_for(staff).post(reverse("grants:visit_update", args=[visit.pk]), {
        "visited_on": "2024-11-30", "activity_status": "active", "jobs_created": "0"})
    assert response.status_code == 200
    assert "avant le lancement du projet" in response.context["form"].errors["visited_on"][0]
    visit.refresh_from_db()
    assert visit.visited_on is None


def test_a_visit_is_recorded_from_its_page(world, staff, client_for):
    visit = world["visit"]
    response = client_for(staff).post(reverse("grants:visit_update", args=[visit.pk]), {
        "visited_on": "2025-01-07", "activity_status": "stopped", "jobs_created": "0",
        "activity_closed": "on", "notes": "Local fermé depuis deux semaines."})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.activity_status, visit.activity_closed, visit.visitor) == (
        FollowUpVisit.ActivityStatus.STOPPED, True, staff)


def test_the_visit_list_opens_on_visits_due_and_overdue(world, staff, client_for):
    response = client_for(staff).get(reverse("grants:visit_list"))
    visits = list(response.context["object_list"])
    assert world["visit"] in visits  # due 06/01/2025, long past
    assert all(visit.visited_on is None for visit in visits)


def test_the_visit_photo_is_served_with_an_access_log(world, staff, client_for):
    response = client_for(staff).get(reverse("grants:visit_photo", args=[world["visit"].pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).exists()


# --- project panel --------------------------------------------------------------------

def project_page(client, project) -> str:
    response = client.get(reverse("grants:project_detail", args=[project.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_project_page_shows_lines_orders_cash_grant_and_visits(world, staff, client_for):
    client = client_for(staff)
    project = world["project"]
    procurement.record_disbursement(project=project, amount=Decimal("2000.00"), method="transfer",
                                    paid_on=datetime.date(2024, 12, 6), reference="VIR-9", user=staff)
    content = project_page(client, project)
    assert world["order"].number in content
    assert "Balance" in content
    assert "2\u00a0000,00\u00a0DH payés sur 5\u00a0000,00\u00a0DH" in content
    assert reverse("grants:disbursement_create", args=[project.public_id]) in content
    assert reverse("grants:purchase_order_create_lines", args=[world["convention"].pk]) in content

    launched = project_page(client, world["launched"])
    assert "0 sur 5 effectuées" in launched
    assert reverse("grants:visit_update", args=[world["visit"].pk]) in launched


def test_the_project_page_offers_no_procurement_action_to_an_officer(world, officer, client_for):
    content = project_page(client_for(officer), world["project"])
    assert world["order"].number in content
    assert reverse("grants:disbursement_create", args=[world["project"].public_id]) not in content
    visit_url = reverse("grants:visit_update", args=[world["visit"].pk])
    assert f'href="{visit_url}"' not in project_page(client_for(officer), world["launched"])


def test_a_stopped_activity_offers_to_abandon_the_project(world, staff, client_for):
    followup_services.record_visit(visit=world["visit"], user=staff, visited_on=datetime.date(2025, 1, 7),
                             activity_status=FollowUpVisit.ActivityStatus.STOPPED)
    content = project_page(client_for(staff), world["launched"])
    assert "activité arrêtée ou fermée" in content
    assert reverse("grants:project_abandon", args=[world["launched"].public_id]) in content


# --- query counts ---------------------------------------------------------------------

def more_orders(staff, world, count):
    for _ in range(count):
        project = ProjectFactory(status=Project.Status.ACTIVE, convention=world["convention"],
                                 approved_amount=Decimal("15000.00"), launched_on=datetime.date(2024, 12, 6))
        followup_services.schedule_follow_up_visits(project=project)
        item = EquipmentItemFactory(project=project)
        project.status = Project.Status.APPROVED
        project.save()
        procurement.create_purchase_order(supplier=SupplierFactory(), convention=world["convention"],
                                          lines=[item], user=staff, ordered_on=datetime.date(2024, 10, 1))
        project.status = Project.Status.ACTIVE
        project.save()


@pytest.mark.parametrize("name", ["supplier_list", "purchase_order_list", "visit_list"])
def test_lists_take_a_constant_number_of_queries(
    name, world, staff, client_for, django_assert_max_num_queries
):
    client = client_for(staff)
    url = reverse(f"grants:{name}")
    client.get(url)  # warm the session and permission caches
    more_orders(staff, world, 8)
    # Session, user, groups, permissions, count, page (+ the filter's choice lists):
    # the same whatever the number of rows.
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["object_list"]) >= 8


# --- Django admin ---------------------------------------------------------------------

def test_the_admin_lists_orders_with_the_invoice_flag(world, admin_user, client_for):
    response = client_for(admin_user).get(reverse("admin:procurement_purchaseorder_changelist"))
    assert response.status_code == 200
    assert world["order"].number in response.content.decode()


def test_the_admin_refuses_a_supplier_with_an_invalid_ice(admin_user, client_for):
    response = client_for(admin_user).post(reverse("admin:procurement_supplier_add"),
                                           supplier_data(ice="002136093000041"))
    assert response.status_code == 200
    assert "La clé de contrôle de cet ICE est fausse" in response.content.decode()
    assert not Supplier.objects.exists()
