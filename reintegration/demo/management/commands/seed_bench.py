"""Fill an empty PostgreSQL database with the benchmark's national data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reinsertion_bench \\
        python manage.py seed_bench --beneficiaries 100000
    python manage.py seed_bench --years 10        # then years of logs, history, visits

See bench/README.md. Not for production databases: it refuses one that holds files
(`--years` alone adds to a database this command seeded).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.seed import BENCH_PASSWORD, seed_bench
from bench.seed_years import seed_years
from beneficiaries.models import Beneficiary


class Command(BaseCommand):
    help = "Insert the benchmark data set (N beneficiaries, N projects, 4N equipment lines, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--beneficiaries", type=int, default=100_000,
                            help="Number of beneficiaries; every other table scales with it.")
        parser.add_argument("--seed", type=int, default=2024, help="Random seed (same seed, same data).")
        parser.add_argument("--years", type=int, default=0,
                            help="Then add this many years of access log, history, events and visits "
                                 "(bench/seed_years.py); on a seeded database, only those.")
        parser.add_argument("--rate", type=float, default=1.0,
                            help="With --years: the share of the national rate (1.0: 5 million "
                                 "access-log rows and 2 million history rows a year at 100,000 files).")

    def handle(self, *args, beneficiaries, seed, years, rate, **options):
        if beneficiaries < 100:
            raise CommandError("--beneficiaries must be at least 100.")
        if years < 0 or rate <= 0:
            raise CommandError("--years must be positive, --rate above 0.")
        started = time.monotonic()
        counts = {}
        try:
            if not (years and Beneficiary.objects.exists()):
                counts.update(seed_bench(beneficiaries=beneficiaries, seed=seed, stdout=self.stdout))
            if years:
                counts.update(seed_years(years=years, rate=rate, stdout=self.stdout))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Seeded in {time.monotonic() - started:.0f} s:"))
        for label, count in counts.items():
            self.stdout.write(f"  {count:>11,} {label}")
        self.stdout.write(f"Users bench_admin, bench_auditor, staff_<code>, officer_<code>; "
                          f"password {BENCH_PASSWORD}")
