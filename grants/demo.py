"""Demo grants: trade sectors and their kits, the Skhirate-Témara CPDH convention of
500,000 DH (INDH phase 3) and the projects of the seven Témara beneficiaries of the
6 December 2024 ceremony, plus a few in Rabat, in various states.

Idempotent: sectors, kit items, partners and conventions are looked up by name or
reference, a project by its beneficiary and title. Every move goes through
`grants.services`, as on the staff and review pages. Runs after `beneficiaries.demo`
(the seven files AE100001..AE100007); a missing beneficiary is skipped.
"""

import datetime
import math
from decimal import Decimal

from django.core.files.base import ContentFile

from beneficiaries.models import Beneficiary
from reintegration.territories.models import Prefecture

from . import services
from .models import Convention, EquipmentItem, KitItem, Partner, Project, Sector

TEMARA, RABAT = "04.501", "04.421"
COMMITTEE_DECIDED_ON = datetime.date(2024, 10, 3)
MAX_SHARE = Decimal("70")

# name_fr, name_ar, name_en, kit: (designation, quantity, reference unit price in DH)
SECTORS = [
    ("Boulangerie", "مخبزة", "Bakery", [
        ("Four à sole électrique 2 chambres", 1, 48000), ("Pétrin spirale 40 L", 1, 14500),
        ("Chambre de pousse 20 niveaux", 1, 9800), ("Table de travail inox", 1, 4200),
    ]),
    ("Pâtisserie", "حلويات", "Pastry", [
        ("Four ventilé pâtissier 10 niveaux", 1, 24000), ("Batteur-mélangeur 20 L", 1, 16500),
        ("Vitrine réfrigérée 1,5 m", 1, 18000), ("Table de travail inox", 1, 4200),
    ]),
    ("Couture", "خياطة", "Tailoring", [
        ("Machine à coudre industrielle piqueuse plate", 3, 6500),
        ("Surjeteuse industrielle 5 fils", 2, 7800), ("Machine à broder 1 tête", 1, 24000),
        ("Table de coupe", 1, 3200),
    ]),
    ("Menuiserie", "نجارة", "Carpentry", [
        ("Combiné menuiserie 5 fonctions", 1, 39000), ("Scie circulaire sur table", 1, 9500),
        ("Établi de menuisier", 1, 3800), ("Défonceuse 1 800 W", 1, 3200),
    ]),
    ("Coiffure", "حلاقة", "Hairdressing", [
        ("Fauteuil de coiffure hydraulique", 2, 4500), ("Bac à shampoing", 1, 5200),
        ("Coiffeuse avec miroir", 2, 3600), ("Stérilisateur UV", 1, 1800),
    ]),
    ("Soudure", "تلحيم", "Welding", [
        ("Poste à souder MIG 250 A", 1, 22000), ("Poste à souder à l’arc onduleur", 1, 6500),
        ("Perceuse à colonne", 1, 8900), ("Meuleuse d’angle 230 mm", 2, 1400),
        ("Étau et établi métallique", 1, 4800),
    ]),
    ("Réparation de téléphones", "إصلاح الهواتف", "Phone repair", [
        ("Station de soudage à air chaud", 1, 3800), ("Microscope binoculaire", 1, 6500),
        ("Séparateur d’écran LCD", 1, 2900), ("Vitrine comptoir", 1, 4200),
    ]),
    ("Restauration rapide", "مطعم للوجبات السريعة", "Fast food", [
        ("Friteuse double 2 × 8 L", 1, 6800), ("Plancha gaz", 1, 5400),
        ("Réfrigérateur 2 portes", 1, 14500), ("Hotte aspirante inox", 1, 7200),
    ]),
    ("Commerce de proximité", "بقالة", "Grocery", [
        ("Réfrigérateur vitrine", 1, 12000), ("Étagères métalliques", 4, 1100),
        ("Balance électronique", 1, 1200), ("Comptoir de vente", 1, 3800),
    ]),
]

CONVENTIONS = [
    {
        "reference": "CONV-INDH3-ST-2024-01", "partner": "CPDH Skhirate-Témara", "prefecture": TEMARA,
        "title": "Inclusion économique des anciens détenus de la préfecture de Skhirate-Témara",
        "signed_on": datetime.date(2024, 3, 12), "starts_on": datetime.date(2024, 3, 12),
        "ends_on": datetime.date(2026, 12, 31), "envelope": Decimal("500000.00"),
        "max_per_project": Decimal("300000.00"), "quote_threshold": Decimal("50000.00"),
    },
    {
        "reference": "CONV-INDH3-RB-2024-01", "partner": "CPDH Rabat", "prefecture": RABAT,
        "title": "Réinsertion économique des anciens détenus de la préfecture de Rabat",
        "signed_on": datetime.date(2024, 5, 6), "starts_on": datetime.date(2024, 5, 6),
        "ends_on": datetime.date(2026, 12, 31), "envelope": Decimal("300000.00"),
        "max_per_project": Decimal("200000.00"), "quote_threshold": Decimal("50000.00"),
    },
]

RETURN_REASON = "Joindre le devis du bac à shampoing et préciser l’adresse du local."
APPROVE_REASON = "Dossier complet, étude de faisabilité concluante ; avis favorable du comité provincial."

# cin, title, sector, lines (designation, quantity, unit price; None = the kit's price),
# cash grant, final state, minutes number (approved ones)
PROJECTS = [
    ("AE100001", "Boulangerie de quartier Al Wifaq", "Boulangerie", None, 10000, "approved", "PV-07/2024"),
    ("AE100002", "Atelier de menuiserie Massira", "Menuiserie", None, 10000, "approved", "PV-07/2024"),
    # A line priced a third above the kit's reference: flagged for the reviewer.
    ("AE100003", "Atelier de couture et broderie Ouhammou", "Couture", [
        ("Machine à coudre industrielle piqueuse plate", 3, None),
        ("Surjeteuse industrielle 5 fils", 2, None), ("Machine à broder 1 tête", 1, 32000),
        ("Table de coupe", 1, None),
    ], 10000, "approved", "PV-07/2024"),
    ("AE100004", "Salon de coiffure hommes Zerouali", "Coiffure", None, 10000, "returned_approved",
     "PV-08/2024"),
    ("AE100005", "Réparation de téléphones Chafik", "Réparation de téléphones", None, 10000, "approved",
     "PV-07/2024"),
    ("AE100006", "Pâtisserie et service traiteur El Fassi", "Pâtisserie", None, 10000, "approved",
     "PV-07/2024"),
    ("AE100007", "Ferronnerie et soudure Moutawakil", "Soudure", None, 10000, "approved", "PV-08/2024"),
    # A second project of a beneficiary already funded: waits in the officer's queue.
    ("AE100001", "Point de vente du pain Al Wifaq", "Boulangerie", [
        ("Vitrine comptoir boulangerie", 1, 18000), ("Trancheuse à pain", 1, 6500),
    ], 0, "submitted_again", None),
    # Rabat.
    ("A412356", "Snack Hay Riad", "Restauration rapide", None, 8000, "approved", "PV-03/2024"),
    ("A398712", "Atelier de menuiserie bois Benjelloun", "Menuiserie", [
        ("Combiné menuiserie 5 fonctions", 1, None), ("Scie circulaire sur table", 1, None),
        ("Établi de menuisier", 2, None),
    ], 8000, "submitted", None),
    ("A405123", "Épicerie de quartier Ouardi", "Commerce de proximité", None, 5000, "rejected", None),
    ("A412987", "Ferran traditionnel Jebli", "Boulangerie", [
        ("Four à sole électrique 2 chambres", 1, None), ("Pétrin spirale 40 L", 1, None),
    ], 8000, "draft", None),
]
# Beneficiaries who bring more than the 30 % the conventions ask (a family shop, savings):
# the officers have room to amend their projects under the 70 % rule.
OWN_CONTRIBUTIONS = {
    "Pâtisserie et service traiteur El Fassi": Decimal("36000"),
    "Snack Hay Riad": Decimal("20000"),
}
REJECT_REASON = "Étude de marché insuffisante : trois épiceries dans la même rue ; réorienter le projet."
JUSTIFICATION = ("Le premier projet tourne depuis sa remise (6 emplois) ; le point de vente en centre-ville "
                 "double les ventes prévues.")


def feasibility_pdf(title: str) -> bytes:
    """A one-page PDF standing for the feasibility study."""
    text = f"Etude de faisabilite - {title} (donnees de demonstration)"
    stream = f"BT /F1 12 Tf 60 780 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed(*, users, stdout) -> None:
    prefectures = {p.code: p for p in Prefecture.objects.filter(code__in=[TEMARA, RABAT])}
    sectors = {name: _sector(name, name_ar, name_en, kit) for name, name_ar, name_en, kit in SECTORS}
    conventions = {data["prefecture"]: _convention(data, prefectures) for data in CONVENTIONS}
    staff = {TEMARA: users["staff"], RABAT: users["staff_rabat"]}
    officers = {TEMARA: users["officer"], RABAT: users["officer_rabat"]}

    created = skipped = 0
    for cin, title, sector_name, lines, cash_grant, state, minutes in PROJECTS:
        beneficiary = Beneficiary.objects.filter(cin=cin).select_related("prefecture").first()
        if beneficiary is None:
            skipped += 1
            continue
        if Project.objects.filter(beneficiary=beneficiary, title=title).exists():
            continue
        code = beneficiary.prefecture.code
        project = _project(
            beneficiary, title, sectors[sector_name], lines, Decimal(cash_grant), staff[code]
        )
        _move(project, state, staff=staff[code], officer=officers[code], convention=conventions[code],
              minutes=minutes)
        created += 1
    message = f"Grants: {len(sectors)} sectors with their kits, {len(conventions)} conventions, " \
              f"{created} projects created."
    if skipped:
        message += f" {skipped} skipped (beneficiary missing: run the beneficiaries seed first)."
    stdout.write(message)


def _sector(name_fr, name_ar, name_en, kit) -> Sector:
    sector, _created = Sector.objects.get_or_create(
        name_fr=name_fr, defaults={"name_ar": name_ar, "name_en": name_en}
    )
    for designation, quantity, price in kit:
        KitItem.objects.get_or_create(
            sector=sector, designation=designation,
            defaults={"quantity": quantity, "reference_price": Decimal(price)},
        )
    return sector


def _convention(data, prefectures) -> Convention:
    data = dict(data)
    prefecture = prefectures[data.pop("prefecture")]
    partner, _created = Partner.objects.get_or_create(
        name=data.pop("partner"), defaults={"kind": Partner.Kind.CPDH, "prefecture": prefecture}
    )
    convention, _created = Convention.objects.get_or_create(
        reference=data.pop("reference"),
        defaults={
            **data, "partner": partner, "prefecture": prefecture, "indh_phase": 3,
            "indh_programme": Convention.IndhProgramme.INCOME, "max_share": MAX_SHARE,
            "status": Convention.Status.ACTIVE,
        },
    )
    return convention


def _project(beneficiary, title, sector, lines, cash_grant, user) -> Project:
    kit = {item.designation: item for item in sector.kit_items.all()}
    if lines is None:
        lines = [(item.designation, item.quantity, None) for item in kit.values()]
    priced = []
    for designation, quantity, price in lines:
        reference = kit[designation].reference_price if designation in kit else None
        priced.append((designation, quantity, Decimal(price) if price is not None else reference, reference))
    equipment = sum((quantity * price for _d, quantity, price, _r in priced), Decimal("0"))
    # What the project will ask of the convention (`Project.requested_amount`, computed
    # from the lines below and the cash grant).
    requested = equipment + cash_grant
    # The convention pays at most 70 % of the cost: the rest is the beneficiary's own
    # contribution (premises, stock, family help), rounded up to 100 DH.
    own = Decimal(math.ceil(requested * (100 - MAX_SHARE) / MAX_SHARE / 100) * 100)
    own = max(own, OWN_CONTRIBUTIONS.get(title, own))
    project = services.create_project(
        project=Project(
            beneficiary=beneficiary, title=title, sector=sector, prefecture=beneficiary.prefecture,
            description=f"{sector.name_fr} : {title}. Apport personnel : local et fonds de roulement.",
            cash_grant_amount=cash_grant, own_contribution=own,
            expected_monthly_revenue=(requested / 8).quantize(Decimal("1")),
        ),
        user=user,
    )
    project.feasibility_study.save(
        f"etude-{project.reference}.pdf", ContentFile(feasibility_pdf(title)), save=True
    )
    for designation, quantity, price, reference in priced:
        EquipmentItem.objects.create(
            project=project, designation=designation, quantity=quantity, unit_price=price,
            reference_price=reference,
        )
    return project


def _move(project, state, *, staff, officer, convention, minutes) -> None:
    if state == "draft":
        return
    justification = JUSTIFICATION if state == "submitted_again" else ""
    services.submit_project(project=project, user=staff, justification=justification)
    if state == "returned_approved":
        services.return_project(project=project, officer=officer, reason=RETURN_REASON)
        services.submit_project(project=project, user=staff)
    if state in {"approved", "returned_approved"}:
        services.approve_project(
            project=project, officer=officer, convention=convention, amount=project.requested_amount,
            reason=APPROVE_REASON, committee_minutes_number=minutes,
            committee_decision_on=COMMITTEE_DECIDED_ON,
        )
    elif state == "rejected":
        services.reject_project(project=project, officer=officer, reason=REJECT_REASON)
