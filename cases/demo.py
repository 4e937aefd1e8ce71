"""Demo grievances, referrals and a transfer request, on files the beneficiaries' seed
made (runs after it and after the ceremonies). Idempotent: nothing is added once the
demo's first grievance exists.

Dates are counted back from today, so the dashboard always shows an overdue grievance.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from reintegration.demo.console import console_language
from reintegration.territories.models import Prefecture

from . import services
from .models import ContactPreference, FileTransfer, Grievance, Referral, SmsMessage

TEMARA = "04.501"


def _file(cin: str) -> Beneficiary | None:
    return Beneficiary.objects.filter(cin=cin).first()


# The seven of the Témara ceremony (beneficiaries/demo.py), who agreed to SMS in Arabic.
CEREMONY_CINS = [f"AE10000{n}" for n in range(1, 8)]
CEREMONY_CONTEXT = {"date": "06/12/2024", "place": "تمارة"}


def seed(*, users, stdout) -> None:
    if not Grievance.objects.exists():
        _create(users["staff"])
    if not SmsMessage.objects.exists():
        _send_sms(users["staff"])
    with console_language():
        stdout.write(_("Cases: %(grievances)s grievances, %(referrals)s referrals, %(transfers)s "
                       "transfer request.") % {
            "grievances": Grievance.objects.count(), "referrals": Referral.objects.count(),
            "transfers": FileTransfer.objects.count(),
        })
        stdout.write(_("SMS: %(sent)s sent (settings.SMS_BACKEND), %(grievances)s grievance raised "
                       "by a reply.") % {
            "sent": SmsMessage.objects.filter(status=SmsMessage.Status.SENT).count(),
            "grievances": Grievance.objects.filter(channel=Grievance.Channel.SMS).count(),
        })


def _send_sms(staff) -> None:
    """The convocations of the Témara ceremony, in Arabic, through the configured backend
    (the console by default); then the check after the handover to the first of them,
    whose simulated "no" raises a grievance."""
    people = list(Beneficiary.objects.filter(cin__in=CEREMONY_CINS).exclude(phone="").order_by("cin"))
    for person in people:
        ContactPreference.objects.get_or_create(
            beneficiary=person,
            defaults={"language": ContactPreference.Language.ARABIC,
                      "sms_consent_on": datetime.date(2024, 11, 20)},
        )
        services.send_sms(beneficiary=person, template=SmsMessage.Template.CONVOCATION,
                          context=CEREMONY_CONTEXT, user=staff)
    if people:
        services.send_sms(beneficiary=people[0], template=SmsMessage.Template.HANDOVER_CHECK, user=staff)
        services.record_sms_reply(phone=people[0].phone, text="لا")


def _create(staff) -> None:
    today = timezone.localdate()
    days = datetime.timedelta
    youssef, hamza, khadija = _file("AE100001"), _file("AE100002"), _file("AE100003")
    ayoub, said = _file("AE112233"), _file("A405123")
    if None in (youssef, hamza, khadija, ayoub, said):
        return

    # Grievances: one overdue and nobody's, one in hand, one resolved.
    services.raise_grievance(
        beneficiary=hamza, user=staff, category=Grievance.Category.EQUIPMENT_MISSING,
        description="La scie à onglet prévue au bon de commande n'a pas été remise.",
        project=hamza.projects.first(), raised_on=today - days(20),
    )
    in_hand = services.raise_grievance(
        beneficiary=youssef, user=staff, category=Grievance.Category.EQUIPMENT_DEFECTIVE,
        description="Le four ne monte pas en température depuis la livraison.",
        project=youssef.projects.first(), raised_on=today - days(4),
    )
    services.assign_grievance(grievance=in_hand, user=staff, owner=staff)
    resolved = services.raise_grievance(
        beneficiary=khadija, user=staff, category=Grievance.Category.SUPPLIER,
        description="Le fournisseur ne répond pas pour la garantie de la machine à coudre.",
        raised_on=today - days(30),
    )
    services.resolve_grievance(
        grievance=resolved, user=staff,
        resolution="Le fournisseur a remplacé la canette défectueuse sous garantie.",
    )

    # Referrals: one with the service obtained, one waiting, one not pursued.
    anapec = services.refer_beneficiary(
        beneficiary=ayoub, user=staff, service=Referral.Service.ANAPEC, partner_name="ANAPEC Témara",
        reason="Recherche d'un emploi salarié dans le bâtiment en attendant son projet.",
        referred_on=today - days(45),
    )
    services.record_referral_outcome(
        referral=anapec, user=staff, outcome=Referral.Outcome.OBTAINED, outcome_on=today - days(10),
        notes="Contrat de six mois chez une entreprise de peinture.",
    )
    services.refer_beneficiary(
        beneficiary=khadija, user=staff, service=Referral.Service.OFPPT, partner_name="ISTA Témara",
        reason="Module de gestion d'une petite entreprise.", referred_on=today - days(12),
    )
    services.refer_beneficiary(
        beneficiary=youssef, user=staff, service=Referral.Service.HEALTH,
        reason="Suivi médical après une blessure au poignet.", referred_on=today - days(60),
    )

    # A transfer request: Said now lives in Témara; Rabat's staff have to answer it.
    if not FileTransfer.objects.filter(beneficiary=said).exists():
        services.request_transfer(
            user=staff, cin=said.cin, to_prefecture=Prefecture.objects.get(code=TEMARA),
            reason="M. Ouardi habite désormais chez sa sœur à Témara.",
        )

