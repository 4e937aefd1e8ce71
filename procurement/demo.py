"""Demo procurement: suppliers, the orders and deliveries of the approved Témara projects
(ready for the 6 December 2024 ceremony), their cash grants, and an earlier Rabat project
bought, handed over and launched in spring 2024 (its visits: `followup.demo`).
Runs after `grants.demo`, before the ceremonies; safe to run twice (only what is missing
is created).

Everything goes through `procurement.services` and `grants.services`, as a user would, so
the demo holds the ledger's rules (`manage.py check_ledger` finds no breach): one Témara
supplier grants a discount on its invoice; the Rabat supplier's invoice is above its order,
accepted through an amendment the Rabat officer approved first; and a Témara amendment
waits for the officer's decision. The Témara convention keeps 79,400 DH uncommitted.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grants import services
from grants.models import EquipmentItem, Project
from reintegration.common.validators import rib_key
from reintegration.demo.console import console_language

from . import bank as procurement_bank
from . import services as procurement
from .models import PurchaseOrder, Supplier

TEMARA, RABAT = "04.501", "04.421"
# prefecture -> (ordered on, delivered on, cash grant paid on)
CALENDAR = {
    TEMARA: (datetime.date(2024, 10, 15), datetime.date(2024, 11, 20), datetime.date(2024, 12, 6)),
    RABAT: (datetime.date(2024, 4, 10), datetime.date(2024, 5, 6), datetime.date(2024, 5, 15)),
}
# The Rabat project's equipment was handed over at the workshop, then the activity launched.
RABAT_LAUNCHED_ON = datetime.date(2024, 5, 20)

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

# The Rabat supplier delivered a larger hood than quoted: its invoice is this much above
# the order, accepted through an amendment of the project decided before it.
RABAT_PRICE_RISE = Decimal("1200.00")
RABAT_AMENDMENT = ("La hotte aspirante livrée est le modèle inox de 1,5 m au lieu de 1,2 m, demandé par "
                   "l'hygiène : devis révisé du fournisseur, 1 200 DH de plus.")
RABAT_DECISION = "Surcoût justifié par le devis révisé ; dans la part de 70 % du coût du projet."
# Waiting for the Témara officer: a price rise on the pastry shop's display case.
TEMARA_AMENDMENT_PROJECT = "Pâtisserie et service traiteur El Fassi"
TEMARA_AMENDMENT = ("Le fournisseur a révisé le prix de la vitrine réfrigérée (devis du 2 décembre) : "
                    "3 000 DH de plus pour le même modèle.")

# A minimal PDF standing for a scanned quote.
QUOTE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seed(users, stdout) -> None:
    suppliers = [_supplier(data) for data in SUPPLIERS]
    orders = _order_equipment(users["staff"], TEMARA, suppliers)
    orders += _order_equipment(users["staff_rabat"], RABAT, suppliers, officer=users["officer_rabat"])
    paid = _pay_cash_grants(users["staff"], TEMARA) + _pay_cash_grants(users["staff_rabat"], RABAT)
    launched = _launch_rabat_projects(users["staff_rabat"])
    asked = _ask_for_new_bank_details(users["staff"], suppliers[2])
    amendments = _request_temara_amendment(users["staff"])
    with console_language():
        stdout.write(_(
            "Procurement: %(suppliers)s, %(orders)s, %(paid)s, %(launched)s, %(asked)s, %(amendments)s."
        ) % {
            "suppliers": ngettext("%(count)s supplier", "%(count)s suppliers", len(suppliers))
            % {"count": len(suppliers)},
            "orders": ngettext("%(count)s new purchase order", "%(count)s new purchase orders", orders)
            % {"count": orders},
            "paid": ngettext("%(count)s cash grant paid", "%(count)s cash grants paid", paid)
            % {"count": paid},
            "launched": ngettext("%(count)s project launched", "%(count)s projects launched", launched)
            % {"count": launched},
            "asked": ngettext(
                "%(count)s change of bank details awaiting an administrator",
                "%(count)s changes of bank details awaiting an administrator", asked,
            ) % {"count": asked},
            "amendments": ngettext(
                "%(count)s amendment requested", "%(count)s amendments requested", amendments,
            ) % {"count": amendments},
        })


def _supplier(data: dict) -> Supplier:
    supplier, _created = Supplier.objects.get_or_create(ice=data["ice"], defaults=data)
    return supplier


def _order_equipment(staff, prefecture_code: str, suppliers, officer=None) -> int:
    """One order per convention and supplier: the first supplier takes most projects, the
    second the carpentry and tailoring ones. Each order is sent, delivered and invoiced:
    the second at 350 DH less than ordered (a discount, flagged); with `officer`, the
    first at RABAT_PRICE_RISE more, through an amendment `officer` approves."""
    ordered_on, delivered_on, _paid_on = CALENDAR[prefecture_code]
    lines = (
        EquipmentItem.objects.filter(
            project__prefecture__code=prefecture_code,
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
            supplier=supplier, convention=convention, lines=group, user=staff, ordered_on=ordered_on
        )
        if procurement.quotes_problem(order):
            _three_quotes(staff, order, suppliers)
        procurement.send_purchase_order(purchase_order=order, user=staff)
        procurement.receive_delivery(
            purchase_order=order,
            quantities={line.pk: line.quantity for line in group},
            serial_numbers={line.pk: f"SN-{order.number[-5:]}-{index:02d}"
                            for index, line in enumerate(group, 1) if line.unit_price >= 5000},
            delivered_on=delivered_on,
            user=staff,
        )
        order.refresh_from_db()
        amount = order.total
        if number == 1:
            amount -= Decimal("350.00")  # a discount: the invoice differs, and is flagged
        elif officer is not None:
            amount += RABAT_PRICE_RISE
            _amend_for_price_rise(staff, officer, group[0].project, RABAT_PRICE_RISE)
        procurement.record_invoice(
            purchase_order=order, invoice_number=f"FA-{ordered_on.year}-{order.number[-3:]}",
            invoice_amount=amount, user=staff,
        )
    return len(groups)


def _amend_for_price_rise(staff, officer, project: Project, rise: Decimal) -> None:
    """Staff ask for the approved amount to cover a higher price; the officer grants it."""
    project.refresh_from_db()
    amendment = services.request_amendment(
        project=project, user=staff, amount=project.approved_amount + rise, reason=RABAT_AMENDMENT,
    )
    services.approve_amendment(
        amendment=amendment, officer=officer, amount=amendment.requested_amount, reason=RABAT_DECISION,
    )


def _request_temara_amendment(staff) -> int:
    project = Project.objects.filter(
        prefecture__code=TEMARA, title=TEMARA_AMENDMENT_PROJECT, status__in=services.AMENDABLE_STATUSES,
    ).first()
    if project is None or project.amendments.exists():
        return 0
    services.request_amendment(
        project=project, user=staff, amount=project.approved_amount + Decimal("3000.00"),
        reason=TEMARA_AMENDMENT,
    )
    return 1


def _three_quotes(staff, order: PurchaseOrder, suppliers) -> None:
    others = [supplier for supplier in suppliers if supplier != order.supplier]
    offers = [(order.supplier, order.total, True)] + [
        (supplier, (order.total * factor).quantize(Decimal("0.01")), False)
        for supplier, factor in zip(others, [Decimal("1.06"), Decimal("1.11")], strict=False)
    ]
    for supplier, amount, chosen in offers:
        procurement.record_quote(
            purchase_order=order, supplier=supplier, amount=amount, user=staff, chosen=chosen,
            quoted_on=order.ordered_on - datetime.timedelta(days=10),
            document=ContentFile(QUOTE_PDF, name=f"devis-{order.number}-{supplier.pk}.pdf"),
        )


def beneficiary_rib(project: Project) -> str:
    """A made-up but well-formed RIB for the beneficiary of `project` (demo data)."""
    first22 = f"2257800001{project.pk:012d}"
    return first22 + rib_key(first22)


def _pay_cash_grants(staff, prefecture_code: str) -> int:
    paid_on = CALENDAR[prefecture_code][2]
    projects = Project.objects.filter(
        prefecture__code=prefecture_code,
        status__in=procurement.DISBURSABLE_STATUSES,
        cash_grant_amount__gt=0,
        disbursements__isnull=True,
    ).order_by("reference")
    for number, project in enumerate(projects, 1):
        procurement.record_disbursement(
            project=project, amount=project.cash_grant_amount, paid_on=paid_on, method="transfer",
            reference=f"VIR-{paid_on:%Y-%m}-{number:03d}", user=staff, rib=beneficiary_rib(project),
        )
    return len(projects)


# The CMM's new account, asked by Témara's staff: waits for an administrator's decision.
NEW_CMM_RIB = "190780000098765432100000"


def _ask_for_new_bank_details(staff, supplier: Supplier) -> int:
    if supplier.bank_changes.exists():
        return 0
    new_rib = NEW_CMM_RIB[:22] + rib_key(NEW_CMM_RIB[:22])
    procurement_bank.request_bank_change(
        supplier=supplier, user=staff, new_rib=new_rib, new_ice=supplier.ice,
        reason="Le fournisseur a changé de banque (courrier du 2 décembre 2024, reçu par la poste).",
        document=ContentFile(QUOTE_PDF, name="attestation-rib-cmm.pdf"),
    )
    return 1


def _launch_rabat_projects(staff) -> int:
    ready = Project.objects.filter(prefecture__code=RABAT).ready_for_ceremony()
    for project in ready:
        services.equip_project(project=project, user=staff, handed_over_on=CALENDAR[RABAT][2])
        services.launch_project(project=project, user=staff, launched_on=RABAT_LAUNCHED_ON)
    return len(ready)
