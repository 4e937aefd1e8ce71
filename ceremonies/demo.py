"""Demo ceremony: 6 December 2024 at Témara, presided by the governor of the prefecture
of Skhirate-Témara, with the handovers of the Témara projects whose equipment the
procurement seed delivered.

Runs after `procurement.demo`. Idempotent: the ceremony is looked up by
prefecture, date and place; it is held (certificates issued, projects equipped) through
`ceremonies.services` once it has its projects, and never twice.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grants.models import Convention
from reintegration.demo.console import console_language
from reintegration.territories.models import Prefecture

from . import press, services
from .models import Ceremony, Guest, ImageConsent, PressRelease

TEMARA = "04.501"
HELD_ON = datetime.date(2024, 12, 6)
PLACE = "Témara"

CEREMONY = {
    "title": "Cérémonie de remise des équipements aux bénéficiaires du programme de réinsertion économique",
    "title_ar": "حفل تسليم التجهيزات للمستفيدين من برنامج إعادة الإدماج الاقتصادي",
    "held_on": HELD_ON,
    "place": PLACE,
    "place_ar": "تمارة",
    "presided_by": "M. le Gouverneur",
    "presided_by_title": "Gouverneur de la préfecture de Skhirate-Témara",
    "presided_by_ar": "السيد العامل",
    "presided_by_title_ar": "عامل عمالة الصخيرات-تمارة",
    "notes": "Remise des équipements et des subventions de démarrage aux sept bénéficiaires "
             "financés par la convention CPDH Skhirate-Témara (INDH phase 3).",
}

C = Guest.Category
# The press release of the ceremony lists those present in this order: the governor
# presiding, the local authority, the magistrature, elected officials, notables, heads of
# external services, civil and military figures and civil society (names are the demo's).
GUESTS = [
    ("M. le Gouverneur", "Gouverneur de la préfecture de Skhirate-Témara", C.PRESIDING_AUTHORITY),
    ("M. le Secrétaire général", "Préfecture de Skhirate-Témara", C.LOCAL_AUTHORITY),
    ("Mme la Cheffe de la Division de l'action sociale", "Préfecture de Skhirate-Témara",
     C.LOCAL_AUTHORITY),
    ("M. le Pacha de Témara", "Pachalik de Témara", C.LOCAL_AUTHORITY),
    ("M. le Président du tribunal de première instance", "Tribunal de première instance de Témara",
     C.MAGISTRATURE),
    ("M. le Procureur du Roi", "Tribunal de première instance de Témara", C.MAGISTRATURE),
    ("M. le Président du conseil préfectoral", "Conseil préfectoral de Skhirate-Témara",
     C.ELECTED_OFFICIAL),
    ("M. le Président du conseil communal", "Commune de Témara", C.ELECTED_OFFICIAL),
    ("Notables de Témara", "", C.NOTABLE),
    ("M. le Directeur provincial de l'Entraide nationale", "Entraide nationale", C.EXTERNAL_SERVICE),
    ("M. le Directeur provincial de l'ANAPEC", "ANAPEC", C.EXTERNAL_SERVICE),
    ("M. le Commandant de la Gendarmerie royale", "Compagnie de Témara", C.CIVIL_MILITARY_FIGURE),
    ("M. le Préfet de police", "Sûreté préfectorale de Témara", C.CIVIL_MILITARY_FIGURE),
    ("Association Al Amal pour l'insertion", "Société civile", C.CIVIL_SOCIETY),
    ("M. le Coordonnateur provincial de l'INDH", "CPDH Skhirate-Témara", C.PARTNER),
    ("M. le Directeur régional", "Fondation pour la réinsertion des détenus", C.PARTNER),
    ("Maghreb Arabe Presse (MAP)", "Agence de presse", C.PRESS),
]

# A minimal PDF standing for a scanned signed certificate.
SIGNED_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# Outlets that covered the ceremony (no link: the demo invents no address).
PRESS_COVERAGE = ["Maghreb Arabe Presse (MAP)"]
# Of the seven beneficiaries, the demo records five who agreed in writing to be
# photographed and named in the press, and two who did not: the press release names
# the five only.
CONSENTING = 5


def _seed_image_consents(ceremony, staff) -> None:
    beneficiaries = services.ceremony_beneficiaries(ceremony).order_by("file_number")
    for index, beneficiary in enumerate(beneficiaries):
        if ImageConsent.objects.filter(beneficiary=beneficiary).exists():
            continue
        services.record_image_consent(
            beneficiary=beneficiary, user=staff, granted=index < CONSENTING,
            signed_on=HELD_ON - datetime.timedelta(days=7),
            signed_form=ContentFile(SIGNED_PDF, name="consentement.pdf"),
        )


def seed(*, users, stdout) -> None:
    staff = users["staff"]
    temara = Prefecture.objects.get(code=TEMARA)
    ceremony = Ceremony.objects.filter(prefecture=temara, held_on=HELD_ON, place=PLACE).first()
    if ceremony is None:
        ceremony = services.create_ceremony(
            ceremony=Ceremony(
                **CEREMONY, prefecture=temara,
                convention=Convention.objects.filter(prefecture=temara).order_by("reference").first(),
            ),
            user=staff,
            guests=[
                Guest(name=name, title=title, category=category, rank=rank,
                      attendance=Guest.Attendance.PRESENT)
                for rank, (name, title, category) in enumerate(GUESTS)
            ],
        )
    issued = 0
    if ceremony.status == Ceremony.Status.PLANNED:
        ready = list(services.ready_projects(ceremony))
        if ready:
            services.add_projects(ceremony=ceremony, projects=ready, user=staff)
        _seed_image_consents(ceremony, staff)
        if ceremony.projects.exists():
            issued = len(services.hold_ceremony(ceremony=ceremony, user=staff))
    # The signed copies of the first three certificates came back from the ceremony.
    if not ceremony.handovers.exclude(signed_copy="").exists():
        for handover in ceremony.handovers.order_by("certificate_number")[:3]:
            services.attach_signed_copy(
                handover=handover, user=staff, file=ContentFile(SIGNED_PDF, name="signed.pdf")
            )
    held = ceremony.status == Ceremony.Status.HELD
    if held and not PressRelease.objects.filter(ceremony=ceremony).exists():
        text_fr, text_ar = press.draft(ceremony)
        services.save_press_release(ceremony=ceremony, user=staff, text_fr=text_fr, text_ar=text_ar)
        for outlet in PRESS_COVERAGE:
            services.add_press_coverage(ceremony=ceremony, user=staff, outlet=outlet, published_on=HELD_ON)
    certificates = ceremony.handovers.count()
    with console_language():
        stdout.write(_("Ceremonies: %(ceremony)s (%(status)s), %(certificates)s (%(issued)s).") % {
            "ceremony": ceremony,
            "status": ceremony.get_status_display(),
            "certificates": ngettext("%(count)s certificate", "%(count)s certificates", certificates)
            % {"count": certificates},
            "issued": ngettext("%(count)s issued now", "%(count)s issued now", issued) % {"count": issued},
        })
