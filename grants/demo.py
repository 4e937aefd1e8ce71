"""Demo grants: trade sectors and their kits, the national framework agreement between
the Foundation and the INDH, the Skhirate-Témara CPDH convention of 500,000 DH (INDH
phase 3; 80 % CPDH, 20 % Foundation) and the projects of the seven Témara beneficiaries of the
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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beneficiaries.models import Beneficiary
from reintegration.demo.console import console_language
from reintegration.territories.models import Prefecture

from . import funding, services
from .models import (
    CommitteeDecision,
    Convention,
    DasOpinion,
    EquipmentItem,
    FrameworkAgreement,
    KitItem,
    Partner,
    Project,
    Sector,
)

TEMARA, RABAT = "04.501", "04.421"
COMMITTEE_DECIDED_ON = datetime.date(2024, 10, 3)
SECOND_SESSION_ON = datetime.date(2024, 10, 17)
COMMITTEE_MEMBERS = (
    "M. le Gouverneur de la préfecture, président\n"
    "Chef de la Division de l'action sociale (DAS)\n"
    "Représentant de la Fondation\n"
    "Représentant de la Délégation de l'Entraide nationale"
)
DAS_REASON = "Dossier complet, étude de faisabilité concluante, devis conformes aux prix de référence."
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
        "title_ar": "الإدماج الاقتصادي للسجناء السابقين بعمالة الصخيرات-تمارة",
        "signed_on": datetime.date(2024, 3, 12), "starts_on": datetime.date(2024, 3, 12),
        "ends_on": datetime.date(2026, 12, 31), "envelope": Decimal("500000.00"),
        "max_per_project": Decimal("300000.00"), "quote_threshold": Decimal("50000.00"),
    },
    {
        "reference": "CONV-INDH3-RB-2024-01", "partner": "CPDH Rabat", "prefecture": RABAT,
        "title": "Réinsertion économique des anciens détenus de la préfecture de Rabat",
        "title_ar": "إعادة الإدماج الاقتصادي للسجناء السابقين بعمالة الرباط",
        "signed_on": datetime.date(2024, 5, 6), "starts_on": datetime.date(2024, 5, 6),
        "ends_on": datetime.date(2026, 12, 31), "envelope": Decimal("300000.00"),
        "max_per_project": Decimal("200000.00"), "quote_threshold": Decimal("50000.00"),
    },
]

# The national partnership agreement above the local conventions, and who funds each.
FOUNDATION_PARTNER = "Fondation pour la réinsertion des détenus"
INDH_PARTNER = "Coordination nationale de l'INDH"
FRAMEWORK_AGREEMENT = {
    "reference": "AC-FRD-INDH-2023",
    "title": "Accord-cadre de partenariat Fondation – INDH pour l'inclusion économique des anciens détenus "
             "(phase 3)",
    "signed_on": datetime.date(2023, 6, 20), "starts_on": datetime.date(2023, 7, 1),
    "ends_on": datetime.date(2027, 12, 31),
}
# convention reference -> (partner, share of the envelope in %)
SHARES = {
    "CONV-INDH3-ST-2024-01": [("CPDH Skhirate-Témara", Decimal("80")), (FOUNDATION_PARTNER, Decimal("20"))],
    "CONV-INDH3-RB-2024-01": [("CPDH Rabat", Decimal("100"))],
}

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
# The Arabic titles of the projects of the Témara ceremony (printed in the Arabic half of
# their certificates); the Rabat projects keep their French title alone, which the
# Arabic half prints in Latin letters.
TITLES_AR = {
    "Boulangerie de quartier Al Wifaq": "مخبزة الوفاق للحي",
    "Atelier de menuiserie Massira": "ورشة المسيرة للنجارة",
    "Atelier de couture et broderie Ouhammou": "ورشة أوحمو للخياطة والطرز",
    "Salon de coiffure hommes Zerouali": "صالون الزروالي للحلاقة الرجالية",
    "Réparation de téléphones Chafik": "محل شفيق لإصلاح الهواتف",
    "Pâtisserie et service traiteur El Fassi": "حلويات الفاسي وخدمة الممون",
    "Ferronnerie et soudure Moutawakil": "ورشة المتوكل للحدادة والتلحيم",
    "Point de vente du pain Al Wifaq": "نقطة بيع خبز الوفاق",
}
# The equipment's designations in Arabic.
DESIGNATIONS_AR = {
    "Four à sole électrique 2 chambres": "فرن كهربائي ذو قاعدة بغرفتين",
    "Pétrin spirale 40 L": "عجانة حلزونية 40 لترا",
    "Chambre de pousse 20 niveaux": "غرفة تخمير بعشرين مستوى",
    "Table de travail inox": "طاولة عمل من الفولاذ المقاوم للصدأ",
    "Four ventilé pâtissier 10 niveaux": "فرن حلويات بالتهوية بعشرة مستويات",
    "Batteur-mélangeur 20 L": "خلاط عجين 20 لترا",
    "Vitrine réfrigérée 1,5 m": "واجهة عرض مبردة 1,5 م",
    "Machine à coudre industrielle piqueuse plate": "آلة خياطة صناعية مستقيمة",
    "Surjeteuse industrielle 5 fils": "آلة سرفلة صناعية بخمسة خيوط",
    "Machine à broder 1 tête": "آلة طرز برأس واحد",
    "Table de coupe": "طاولة تفصيل",
    "Combiné menuiserie 5 fonctions": "آلة نجارة مركبة بخمس وظائف",
    "Scie circulaire sur table": "منشار دائري بطاولة",
    "Établi de menuisier": "منضدة نجار",
    "Défonceuse 1 800 W": "آلة تفريز 1 800 واط",
    "Fauteuil de coiffure hydraulique": "كرسي حلاقة هيدروليكي",
    "Bac à shampoing": "حوض غسل الشعر",
    "Coiffeuse avec miroir": "طاولة تزيين بمرآة",
    "Stérilisateur UV": "جهاز تعقيم بالأشعة فوق البنفسجية",
    "Poste à souder MIG 250 A": "آلة تلحيم MIG بقوة 250 أمبير",
    "Poste à souder à l’arc onduleur": "آلة تلحيم بالقوس الكهربائي",
    "Perceuse à colonne": "مثقب عمودي",
    "Meuleuse d’angle 230 mm": "آلة جلخ زاوية 230 مم",
    "Étau et établi métallique": "ملزمة ومنضدة معدنية",
    "Station de soudage à air chaud": "محطة لحام بالهواء الساخن",
    "Microscope binoculaire": "مجهر ثنائي العينية",
    "Séparateur d’écran LCD": "جهاز فصل الشاشات",
    "Vitrine comptoir": "طاولة عرض زجاجية",
    "Vitrine comptoir boulangerie": "طاولة عرض زجاجية للمخبزة",
    "Trancheuse à pain": "آلة تقطيع الخبز",
}
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
    agreement = _framework_agreement()
    conventions = {data["prefecture"]: _convention(data, prefectures, agreement) for data in CONVENTIONS}
    for convention in conventions.values():
        _partners(convention, users["admin"])
    staff = {TEMARA: users["staff"], RABAT: users["staff_rabat"]}
    officers = {TEMARA: users["officer"], RABAT: users["officer_rabat"]}

    created = skipped = 0
    sessions = {}
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
              minutes=minutes, sessions=sessions)
        created += 1
    _hold_sessions(sessions)
    with console_language():
        message = _("Grants: %(sectors)s, %(conventions)s, %(projects)s.") % {
            "sectors": ngettext("%(count)s sector with its kit", "%(count)s sectors with their kits",
                                len(sectors)) % {"count": len(sectors)},
            "conventions": ngettext("%(count)s convention", "%(count)s conventions",
                                    len(conventions)) % {"count": len(conventions)},
            "projects": ngettext("%(count)s project created", "%(count)s projects created",
                                 created) % {"count": created},
        }
        if skipped:
            message += " " + ngettext(
                "%(count)s skipped (beneficiary missing: run the beneficiaries seed first).",
                "%(count)s skipped (beneficiaries missing: run the beneficiaries seed first).",
                skipped,
            ) % {"count": skipped}
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


def _framework_agreement() -> FrameworkAgreement:
    foundation, _created = Partner.objects.get_or_create(
        name=FOUNDATION_PARTNER, defaults={"kind": Partner.Kind.FOUNDATION}
    )
    indh, _created = Partner.objects.get_or_create(name=INDH_PARTNER, defaults={"kind": Partner.Kind.INDH})
    data = dict(FRAMEWORK_AGREEMENT)
    agreement, created = FrameworkAgreement.objects.get_or_create(
        reference=data.pop("reference"), defaults=data
    )
    if created:
        agreement.parties.set([foundation, indh])
    return agreement


def _partners(convention: Convention, admin) -> None:
    """Who funds the convention, unless someone set its shares already (a rerun)."""
    if convention.partner_shares.exclude(partner=convention.partner, share=100).exists():
        return
    shares = [(Partner.objects.get(name=name), share) for name, share in SHARES[convention.reference]]
    funding.set_convention_partners(convention=convention, shares=shares, user=admin)


def _convention(data, prefectures, agreement) -> Convention:
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
            "status": Convention.Status.ACTIVE, "framework_agreement": agreement,
        },
    )
    if convention.framework_agreement_id is None:  # a convention seeded before the agreement existed
        convention.framework_agreement = agreement
        convention.save(update_fields=["framework_agreement"])
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
            beneficiary=beneficiary, title=title, title_ar=TITLES_AR.get(title, ""), sector=sector,
            prefecture=beneficiary.prefecture,
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
            project=project, designation=designation, designation_ar=DESIGNATIONS_AR.get(designation, ""),
            quantity=quantity, unit_price=price, reference_price=reference,
        )
    return project


def _move(project, state, *, staff, officer, convention, minutes, sessions) -> None:
    """Submit `project` and give it the DAS opinion its `state` asks; the approvals wait
    in `sessions` (officer, minutes number -> decisions) for the committee's sessions."""
    if state == "draft":
        return
    justification = JUSTIFICATION if state == "submitted_again" else ""
    services.submit_project(project=project, user=staff, justification=justification)
    if state == "returned_approved":
        services.record_das_opinion(project=project, officer=officer,
                                    opinion=DasOpinion.Opinion.RETURN, reason=RETURN_REASON)
        services.submit_project(project=project, user=staff)
    if state in {"approved", "returned_approved", "submitted_again"}:
        services.record_das_opinion(project=project, officer=officer,
                                    opinion=DasOpinion.Opinion.FAVOURABLE, reason=DAS_REASON)
    if state in {"approved", "returned_approved"}:
        sessions.setdefault((officer, minutes), []).append(services.SessionDecision(
            project=project, decision=CommitteeDecision.Decision.APPROVE, convention=convention,
            amount=project.requested_amount, reason=APPROVE_REASON,
        ))
    elif state == "rejected":
        services.record_das_opinion(project=project, officer=officer,
                                    opinion=DasOpinion.Opinion.UNFAVOURABLE, reason=REJECT_REASON)


def _hold_sessions(sessions) -> None:
    """One session of the committee per minutes number, deciding its files together."""
    for (officer, minutes), decisions in sessions.items():
        services.record_committee_session(
            officer=officer, prefecture=decisions[0].project.prefecture,
            held_on=COMMITTEE_DECIDED_ON if minutes != "PV-08/2024" else SECOND_SESSION_ON,
            minutes_number=minutes, members=COMMITTEE_MEMBERS, decisions=decisions,
        )
