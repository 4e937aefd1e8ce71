"""Demo procurement: suppliers, the orders and deliveries of the approved Témara projects,
their cash grants and a few follow-up visits. Runs after `grants.demo`, before the
ceremonies; safe to run twice (only what is missing is created).

Everything goes through `grants.procurement`, as a user would.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from . import procurement
from .models import EquipmentItem, FollowUpVisit, Project, PurchaseOrder, Supplier

TEMARA = "04.501"
ORDERED_ON = datetime.date(2024, 10, 15)
DELIVERED_ON = datetime.date(2024, 11, 20)
PAID_ON = datetime.date(2024, 12, 6)

SUPPLIERS = [
    {"ice": "001561191000066", "name": "Atlas Équipement Professionnel SARL", "rc": "Témara 45213",
     "tax_id": "40218765", "phone": "+212537641122", "email": "commandes@atlas-equipement.ma",
     "address": "Zone industrielle, lot 17, Témara", "rib": "011780000012345678901296"},
    {"ice": "002136093000040", "name": "Menuiserie et Outillage Al Amal", "rc": "Rabat 118734",
     "tax_id": "31875420", "phone": "+212661234567", "email": "contact@alamal-outillage.ma",
     "address": "Avenue Hassan II, 212, Salé", "rib": "225780000123456789012336"},
    {"ice": "325874100000028", "name": "Comptoir Marocain du Matériel (CMM)", "rc": "Casablanca 402117",
     "tax_id": "15487236", "phone": "+212522301455", "email": "ventes@cmm.ma",
     "address": "Boulevard Mohammed V, 88, Casablanca", "rib": "190780000098765432109855"},
]

# A minimal PDF standing for a scanned quote.
QUOTE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seed(users, stdout) -> None:
    staff = users["staff"]
    suppliers = [_supplier(data) for data in SUPPLIERS]
    orders = _order_temara_equipment(staff, suppliers)
    paid = _pay_cash_grants(users)
    visits = _record_visits(users)
    stdout.write(
        f"Procurement: {len(suppliers)} suppliers, {orders} new purchase orders, "
        f"{paid} cash grants paid, {visits} visits recorded."
    )


def _supplier(data: dict) -> Supplier:
    supplier, _created = Supplier.objects.get_or_create(ice=data["ice"], defaults=data)
    return supplier


def _order_temara_equipment(staff, suppliers) -> int:
    """One order per convention and supplier: the first supplier takes most projects, the
    second the carpentry and tailoring ones. Each order is sent, delivered and invoiced."""
    lines = (
        EquipmentItem.objects.filter(
            project__prefecture__code=TEMARA,
            project__status=Project.Status.APPROVED,
            purchase_order__isnull=True,
            status=EquipmentItem.Status.PLANNED,
        )
        .select_related("project", "project__convention", "project__sector")
        .order_by("project__reference", "pk")
    )
    groups = defaultdict(list)
    for line in lines:
        sector = line.project.sector.name_fr.lower()
        supplier = suppliers[1] if ("menuis" in sector or "coutur" in sector) else suppliers[0]
        groups[(line.project.convention, supplier)].append(line)

    for number, ((convention, supplier), group) in enumerate(groups.items()):
        order = procurement.create_purchase_order(
            supplier=supplier, convention=convention, lines=group, user=staff, ordered_on=ORDERED_ON
        )
        if procurement.quotes_problem(order):
            _three_quotes(staff, order, suppliers)
        procurement.send_purchase_order(purchase_order=order, user=staff)
        procurement.receive_delivery(
            purchase_order=order,
            quantities={line.pk: line.quantity for line in group},
            serial_numbers={line.pk: f"SN-{order.number[-5:]}-{index:02d}"
                            for index, line in enumerate(group, 1) if line.unit_price >= 5000},
            delivered_on=DELIVERED_ON,
            user=staff,
        )
        order.refresh_from_db()
        # The second invoice is 350 DH off, to show how a differing invoice is flagged.
        amount = order.total + (Decimal("350.00") if number == 1 else Decimal("0.00"))
        procurement.record_invoice(
            purchase_order=order, invoice_number=f"FA-2024-{1180 + number}",
            invoice_amount=amount, user=staff,
        )
    return len(groups)


def _three_quotes(staff, order: PurchaseOrder, suppliers) -> None:
    others = [supplier for supplier in suppliers if supplier != order.supplier]
    offers = [(order.supplier, order.total, True)] + [
        (supplier, (order.total * factor).quantize(Decimal("0.01")), False)
        for supplier, factor in zip(others, [Decimal("1.06"), Decimal("1.11")], strict=False)
    ]
    for supplier, amount, chosen in offers:
        procurement.record_quote(
            purchase_order=order, supplier=supplier, amount=amount, user=staff, chosen=chosen,
            quoted_on=ORDERED_ON - datetime.timedelta(days=10),
            document=ContentFile(QUOTE_PDF, name=f"devis-{order.number}-{supplier.pk}.pdf"),
        )


def _writer(users, project):
    """The demo staff member of the project's prefecture (the admin elsewhere)."""
    for key in ("staff", "staff_rabat"):
        user = users.get(key)
        if user and Project.objects.visible_to(user).filter(pk=project.pk).exists():
            return user
    return users["admin"]


def _pay_cash_grants(users) -> int:
    projects = Project.objects.filter(
        prefecture__code=TEMARA,
        status__in=procurement.DISBURSABLE_STATUSES,
        cash_grant_amount__gt=0,
        disbursements__isnull=True,
    ).order_by("reference")
    for number, project in enumerate(projects, 1):
        procurement.record_disbursement(
            project=project, amount=project.cash_grant_amount, paid_on=PAID_ON,
            method="transfer", reference=f"VIR-2024-12-{number:03d}", user=_writer(users, project),
        )
    return len(projects)


VISIT_NOTES = [
    (FollowUpVisit.ActivityStatus.ACTIVE, Decimal("6500.00"), 1,
     "Activité lancée, clientèle de quartier fidèle. Équipement en bon état."),
    (FollowUpVisit.ActivityStatus.STRUGGLING, Decimal("1800.00"), 0,
     "Local mal situé, peu de passage. Conseils donnés sur la vente au marché hebdomadaire."),
    (FollowUpVisit.ActivityStatus.ACTIVE, Decimal("9200.00"), 2,
     "Deux apprentis embauchés. Projet d'extension à l'étude."),
]


def _record_visits(users) -> int:
    """Launched projects get their calendar; the first visit of a few is recorded."""
    today = timezone.localdate()
    recorded = 0
    projects = Project.objects.filter(
        status=Project.Status.ACTIVE, launched_on__isnull=False
    ).order_by("reference")
    for index, project in enumerate(projects):
        if not project.visits.exists():
            procurement.schedule_follow_up_visits(project=project)
        if index >= len(VISIT_NOTES) or project.visits.filter(visited_on__isnull=False).exists():
            continue
        visit = project.visits.filter(visited_on__isnull=True).order_by("due_on").first()
        if visit is None or visit.due_on is None or visit.due_on > today:
            continue
        status, revenue, jobs, notes = VISIT_NOTES[index]
        procurement.record_visit(
            visit=visit, user=_writer(users, project),
            visited_on=max(visit.due_on, project.launched_on),
            activity_status=status, monthly_revenue=revenue, jobs_created=jobs, notes=notes,
        )
        recorded += 1
    return recorded
