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

from . import services
from .models import Ceremony, Guest

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

GUESTS = [
    ("M. le Secrétaire général", "Préfecture de Skhirate-Témara", Guest.Kind.AUTHORITY),
    ("Mme la Cheffe de la Division de l'action sociale", "Préfecture de Skhirate-Témara",
     Guest.Kind.AUTHORITY),
    ("M. le Coordonnateur provincial de l'INDH", "CPDH Skhirate-Témara", Guest.Kind.PARTNER),
    ("M. le Directeur régional", "Fondation pour la réinsertion des détenus", Guest.Kind.PARTNER),
    ("Maghreb Arabe Presse (MAP)", "Agence de presse", Guest.Kind.PRESS),
]

# A minimal PDF standing for a scanned signed certificate.
SIGNED_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
            guests=[Guest(name=name, title=title, kind=kind) for name, title, kind in GUESTS],
        )
    issued = 0
    if ceremony.status == Ceremony.Status.PLANNED:
        ready = list(services.ready_projects(ceremony))
        if ready:
            services.add_projects(ceremony=ceremony, projects=ready, user=staff)
        if ceremony.projects.exists():
            issued = len(services.hold_ceremony(ceremony=ceremony, user=staff))
    # The signed copies of the first three certificates came back from the ceremony.
    if not ceremony.handovers.exclude(signed_copy="").exists():
        for handover in ceremony.handovers.order_by("certificate_number")[:3]:
            services.attach_signed_copy(
                handover=handover, user=staff, file=ContentFile(SIGNED_PDF, name="signed.pdf")
            )
    certificates = ceremony.handovers.count()
    with console_language():
        stdout.write(_("Ceremonies: %(ceremony)s (%(status)s), %(certificates)s (%(issued)s).") % {
            "ceremony": ceremony,
            "status": ceremony.get_status_display(),
            "certificates": ngettext("%(count)s certificate", "%(count)s certificates", certificates)
            % {"count": certificates},
            "issued": ngettext("%(count)s issued now", "%(count)s issued now", issued) % {"count": issued},
        })
