"""Create the demo world: one user per role and a few prefectures' worth of files.

Safe to run twice: every step looks for what it would create before creating it.
Each app seeds its own data (`<app>/demo.py`); this command only orders them.

The seed sends no e-mail (its people are made up); what it prints is in English
(reintegration/demo/console.py) and ends with the demo users.
"""

import importlib

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from reintegration.accounts.models import User
from reintegration.accounts.roles import Role
from reintegration.common.mail import muted_emails
from reintegration.demo.console import console_language
from reintegration.territories.models import Prefecture

DEMO_PASSWORD = "demo-reinsertion-2024"
DEMO_PREFECTURES = ["04.501", "04.421", "04.441"]  # Skhirate-Témara, Rabat, Salé

DEMO_USERS = [
    ("admin", "Amina", "Berrada", Role.ADMIN, []),
    ("staff", "Karim", "Ouazzani", Role.FOUNDATION_STAFF, ["04.501"]),
    ("staff_rabat", "Nadia", "Tazi", Role.FOUNDATION_STAFF, ["04.421", "04.441"]),
    ("officer", "Rachid", "El Idrissi", Role.PREFECTURE_OFFICER, ["04.501"]),
    ("officer_rabat", "Samira", "Bennani", Role.PREFECTURE_OFFICER, ["04.421"]),
    ("auditor", "Hassan", "Chraibi", Role.AUDITOR, []),
]

APP_SEEDS = [
    "beneficiaries.demo", "grants.demo", "procurement.demo", "ceremonies.demo", "followup.demo",
    "cases.demo",
]


class Command(BaseCommand):
    help = "Create demo users and data (idempotent)."

    def handle(self, *args, **options):
        # The workflow's services e-mail officers and staff about each move; the demo's
        # people are made up (and ~480 console e-mails buried this command's summary).
        with muted_emails():
            self.seed()
        with console_language():
            self.stdout.write(self.style.SUCCESS(
                _("Demo users (password for all: %(password)s):") % {"password": DEMO_PASSWORD}
            ))
            for username, _first, _last, role, codes in DEMO_USERS:
                scope = ", ".join(Prefecture.objects.get(code=c).name_fr for c in codes) or _("national")
                self.stdout.write(f"  {username:<14} {role.label:<22} {scope}")

    @transaction.atomic
    def seed(self) -> None:
        users = self.seed_users()
        for module_name in APP_SEEDS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            module.seed(users=users, stdout=self.stdout)

    def seed_users(self) -> dict[str, User]:
        users = {}
        for username, first, last, role, codes in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last,
                          "email": f"{username}@demo.reinsertion.ma"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
            user.prefectures.set(Prefecture.objects.filter(code__in=codes))
            users[username] = user
        return users
