"""`seed_bench --years`: years of access log, history, events and visits on top of the
benchmark's data set, at the stated rates, without breaking a rule of the data."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from beneficiaries.models import Beneficiary
from followup.models import FollowUpVisit
from grants.models import Project, ProjectEvent
from reintegration.audit import partitions
from reintegration.audit.models import AccessLog

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the years are seeded in PostgreSQL's SQL"),
    # The seeds end with a VACUUM, outside any transaction.
    pytest.mark.django_db(transaction=True),
]


def test_two_years_of_a_small_programme_at_ten_times_the_rate(client_for, auditor):
    from bench.seed import seed_bench
    from bench.seed_years import ACCESS_PER_YEAR, NATIONAL_FILES, seed_years

    seed_bench(beneficiaries=300, stdout=io.StringIO())
    events_before = ProjectEvent.objects.count()
    visits_before = FollowUpVisit.objects.count()

    counts = seed_years(years=2, rate=10, stdout=io.StringIO())

    # 5 million rows a year nationally, scaled to 300 files, times 10, over two years
    # (the current month counted up to now).
    yearly = ACCESS_PER_YEAR * 10 * 300 / NATIONAL_FILES
    assert 1.9 * yearly < AccessLog.objects.count() == counts["access-log rows"] <= 2.1 * yearly
    months = partitions.partitions()
    this_month = partitions.current_month()
    assert partitions.add_months(this_month, -24) in months
    assert partitions.add_months(this_month, 3) in months
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_accesslog_default")
        assert cursor.fetchone()[0] == 0
    assert not AccessLog.objects.filter(at__gt=partitions.timezone.now()).exists()
    assert AccessLog.objects.filter(action="view").exclude(object_id="").exists()

    history = Beneficiary.history.model
    assert history.objects.filter(history_type="+").count() == Beneficiary.objects.count()
    assert counts["history rows"] > Beneficiary.objects.count() + Project.objects.count()

    # Every return for correction lies between the first submission and the next move.
    assert ProjectEvent.objects.count() == events_before + counts["workflow events"]
    for project in Project.objects.filter(events__to_status=Project.Status.RETURNED).distinct()[:20]:
        moves = [(e.from_status, e.to_status) for e in project.events.order_by("at", "pk")]
        assert moves[:6] == [
            ("draft", "submitted"), ("submitted", "returned"), ("returned", "submitted"),
            ("submitted", "returned"), ("returned", "submitted"), moves[5],
        ]
        assert moves[5][0] == "submitted"
    assert FollowUpVisit.objects.count() == visits_before + counts["follow-up visits"]

    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert "0 breaches" in out.getvalue()
    response = client_for(auditor).get(reverse("audit:list"))
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50
