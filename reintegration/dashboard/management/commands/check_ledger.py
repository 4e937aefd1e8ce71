"""`manage.py check_ledger`: every figure of the money recomputed from the rows, each
breach printed with its project, order or convention and its figures; exits with status 1
if there is one (`reintegration.dashboard.ledger`, `grants.ledger`).

Read-only: it changes nothing, whatever it finds. `--convention REF` checks one
convention (its projects and orders); the default checks everything.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from grants.models import Convention
from reintegration.dashboard import ledger


class Command(BaseCommand):
    help = "Recompute the ledger from the rows and list every breach of its rules (exit status 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--convention", help="the reference of one convention to check")
        parser.add_argument("--language", default="fr", help="language of the report (fr, ar, en)")

    def handle(self, *args, **options):
        translation.activate(options["language"])
        started = time.monotonic()
        conventions = None
        if options["convention"]:
            conventions = list(Convention.objects.filter(reference=options["convention"]))
            if not conventions:
                raise CommandError(f"No convention {options['convention']!r}.")
        report = ledger.check(conventions=conventions)
        for breach in report.breaches:
            self.stdout.write(f"BREACH {breach.code} [{breach.subject}] {breach.message}")
        if options["verbosity"] >= 2:
            for note in report.notes:
                self.stdout.write(f"note: {note}")
        summary = (
            f"{len(report.conventions)} conventions, {len(report.projects)} projects checked in "
            f"{time.monotonic() - started:.1f} s: {len(report.breaches)} breaches"
        )
        if report.notes:
            summary += f", {len(report.notes)} dashboard figures out of date (-v 2 lists them)"
        self.stdout.write(summary + ".")
        if report.breaches:
            raise CommandError(f"The ledger has {len(report.breaches)} breaches.", returncode=1)
