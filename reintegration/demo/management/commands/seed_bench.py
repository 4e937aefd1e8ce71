"""Fill an empty PostgreSQL database with the benchmark's national data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reinsertion_bench \\
        python manage.py seed_bench --beneficiaries 100000

See bench/README.md. Not for production databases: it refuses one that holds files.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.seed import BENCH_PASSWORD, seed_bench


class Command(BaseCommand):
    help = "Insert the benchmark data set (N beneficiaries, N projects, 4N equipment lines, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--beneficiaries", type=int, default=100_000,
                            help="Number of beneficiaries; every other table scales with it.")
        parser.add_argument("--seed", type=int, default=2024, help="Random seed (same seed, same data).")

    def handle(self, *args, beneficiaries, seed, **options):
        if beneficiaries < 100:
            raise CommandError("--beneficiaries must be at least 100.")
        started = time.monotonic()
        try:
            counts = seed_bench(beneficiaries=beneficiaries, seed=seed, stdout=self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Seeded in {time.monotonic() - started:.0f} s:"))
        for label, count in counts.items():
            self.stdout.write(f"  {count:>9,} {label}")
        self.stdout.write(f"Users bench_admin, bench_auditor, staff_<code>, officer_<code>; "
                          f"password {BENCH_PASSWORD}")
