"""Each project's outcome is stored (`ProjectOutcome`) and follows its visits through every
door that writes them; the dashboard's outcome figures summed from it are those that the
visits themselves give, computed as the dashboard did before (issue 12)."""

import dataclasses
import datetime
import importlib
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse

from followup.models import MILESTONES, WINDOW_AFTER, WINDOW_BEFORE, FollowUpVisit, ProjectOutcome
from followup.services import refresh_outcomes
from grants.models import Project
from reintegration.dashboard import figures
from reintegration.dashboard.figures import MONEY, Filters, present
from reintegration.dashboard.services import page_figures

from .admin_forms import posted_back
from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    FollowUpVisitFactory,
    ProjectFactory,
    SectorFactory,
)
from .test_grants_views import equipped

pytestmark = pytest.mark.django_db

Activity = FollowUpVisit.ActivityStatus
LAUNCH = datetime.date(2024, 1, 15)


def outcome_of(project) -> tuple | None:
    """(revenue, jobs, re-incarcerated, month first stopped, observed at 6, 12, 24)."""
    row = ProjectOutcome.objects.filter(project=project).values_list(
        "revenue", "jobs", "reincarcerated", "stopped_after_months",
        "observed_6", "observed_12", "observed_24",
    ).first()
    return row


def active_project(prefecture, launched_on=LAUNCH):
    return ProjectFactory(
        beneficiary=BeneficiaryFactory(prefecture=prefecture), status=Project.Status.ACTIVE,
        convention=ConventionFactory(prefecture=prefecture), approved_amount=Decimal("50000.00"),
        launched_on=launched_on,
    )


def made_visit(project, visited_on, status=Activity.ACTIVE, **kwargs):
    return FollowUpVisitFactory(
        project=project, due_on=None, visited_on=visited_on, activity_status=status, **kwargs
    )


# --- the visit's page -------------------------------------------------------------------

def post_visit(client, visit, visited_on, status=Activity.ACTIVE, **fields):
    data = {"visited_on": visited_on.isoformat(), "activity_status": status, "jobs_created": 0,
            **fields}
    response = client.post(reverse("grants:visit_update", args=[visit.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_recording_a_visit_on_its_page_stores_the_projects_outcome(client_for, staff, temara):
    project = active_project(temara)
    planned = FollowUpVisitFactory(project=project, due_on=datetime.date(2024, 7, 15))
    assert outcome_of(project) is None

    post_visit(client_for(staff), planned, datetime.date(2024, 7, 20),
               monthly_revenue="4200.00", jobs_created=2)
    assert outcome_of(project) == (Decimal("4200.00"), 2, False, None, True, False, False)


def test_editing_a_visit_on_its_page_changes_the_outcome(client_for, staff, temara):
    project = active_project(temara)
    earlier = made_visit(project, datetime.date(2024, 7, 10), monthly_revenue=Decimal("3000.00"),
                         jobs_created=1)
    later = made_visit(project, datetime.date(2025, 1, 20), monthly_revenue=Decimal("2500.00"),
                       jobs_created=3)
    assert outcome_of(project) == (Decimal("2500.00"), 3, False, None, True, True, False)

    # The latest visit now says the business stopped: no revenue, re-incarcerated.
    post_visit(client_for(staff), later, datetime.date(2025, 1, 20), Activity.STOPPED,
               reincarcerated="on")
    assert outcome_of(project) == (Decimal("3000.00"), 0, True, 12, True, True, True)

    # Moved to before the 6-month window: 6 months observed through the stop only.
    post_visit(client_for(staff), earlier, datetime.date(2024, 3, 1), monthly_revenue="900.00")
    assert outcome_of(project) == (Decimal("900.00"), 0, True, 12, False, True, True)


def test_the_dashboard_counts_a_visit_as_soon_as_it_is_recorded(client_for, staff, temara):
    project = active_project(temara)
    planned = FollowUpVisitFactory(project=project, due_on=datetime.date(2024, 7, 15))
    client = client_for(staff)
    overall = client.get("/dashboard/").context["figures"]["outcomes"]["overall"]
    assert (overall.launched, overall.milestones[0]["observed"], overall.jobs) == (1, 0, 0)

    post_visit(client, planned, datetime.date(2024, 7, 20), Activity.STRUGGLING, jobs_created=4)
    # The page keeps its figures a few minutes (DASHBOARD_CACHE_SECONDS); its refresh link
    # computes them again, from the outcome stored when the visit was recorded.
    overall = client.get("/dashboard/?refresh=1").context["figures"]["outcomes"]["overall"]
    assert (overall.milestones[0]["observed"], overall.milestones[0]["running"]) == (1, 1)
    assert overall.jobs == 4


# --- launching --------------------------------------------------------------------------

def test_launching_a_project_dates_the_visits_made_before(client_for, staff, officer):
    project = equipped(staff, officer)
    made_visit(project, datetime.date(2024, 6, 10), Activity.STOPPED)
    assert outcome_of(project)[3:] == (None, False, False, False)  # no launch date: no month

    client_for(staff).post(reverse("grants:project_launch", args=[project.public_id]),
                           {"launched_on": "2024-01-05"})
    project.refresh_from_db()
    assert project.launched_on == datetime.date(2024, 1, 5)
    assert outcome_of(project)[3:] == (5, True, True, True)


# --- the Django admin -------------------------------------------------------------------

def test_changing_a_visit_in_the_admin_refreshes_both_projects(client_for, admin_user, temara):
    first, second = active_project(temara), active_project(temara)
    visit = made_visit(first, datetime.date(2024, 7, 10), monthly_revenue=Decimal("3000.00"))
    client = client_for(admin_user)
    url = reverse("admin:followup_followupvisit_change", args=[visit.pk])
    data = posted_back(client.get(url).context["adminform"].form)

    client.post(url, {**data, "project": str(second.pk), "reincarcerated": "on"})
    assert outcome_of(first) is None
    assert outcome_of(second) == (Decimal("3000.00"), 0, True, None, True, False, False)


def test_deleting_a_visit_in_the_admin_refreshes_the_outcome(client_for, admin_user, temara):
    project = active_project(temara)
    made_visit(project, datetime.date(2024, 7, 10), monthly_revenue=Decimal("3000.00"))
    stopped = made_visit(project, datetime.date(2025, 1, 20), Activity.STOPPED)
    assert outcome_of(project)[:4] == (Decimal("3000.00"), 0, False, 12)

    client = client_for(admin_user)
    client.post(reverse("admin:followup_followupvisit_delete", args=[stopped.pk]), {"post": "yes"})
    assert not FollowUpVisit.objects.filter(pk=stopped.pk).exists()
    assert outcome_of(project) == (Decimal("3000.00"), 0, False, None, True, False, False)


def test_deleting_visits_in_bulk_in_the_admin_refreshes_every_project(
    client_for, admin_user, temara
):
    first, second = active_project(temara), active_project(temara)
    visits = [made_visit(first, datetime.date(2024, 7, 10)),
              made_visit(second, datetime.date(2024, 7, 10))]
    kept = made_visit(second, datetime.date(2025, 1, 10), jobs_created=5)

    client_for(admin_user).post(reverse("admin:followup_followupvisit_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [str(visit.pk) for visit in visits],
    })
    assert not FollowUpVisit.objects.filter(pk__in=[v.pk for v in visits]).exists()
    assert outcome_of(first) is None
    assert outcome_of(second) == (None, 5, False, None, False, True, False)
    assert kept.pk


def test_reverting_a_projects_launch_date_in_the_admin_refreshes_it(client_for, admin_user, temara):
    project = active_project(temara)
    made_visit(project, datetime.date(2024, 7, 10))
    assert outcome_of(project)[4:] == (True, False, False)
    first_version = project.history.earliest()
    project.launched_on = datetime.date(2023, 7, 10)
    project.save()
    refresh_outcomes(projects=Project.objects.filter(pk=project.pk))
    assert outcome_of(project)[4:] == (False, True, False)

    client = client_for(admin_user)
    url = reverse("admin:grants_project_simple_history", args=[project.pk, first_version.history_id])
    client.post(url, posted_back(client.get(url).context["adminform"].form))
    project.refresh_from_db()
    assert project.launched_on == LAUNCH
    assert outcome_of(project)[4:] == (True, False, False)


# --- the same figures as the visits give ------------------------------------------------

def visit_subqueries() -> dict:
    """The dashboard's outcome aggregates before they were stored: ten correlated
    subqueries per launched project over its visits (kept here as the reference)."""
    visits = FollowUpVisit.objects.filter(project=OuterRef("pk"), visited_on__isnull=False).annotate(
        months=(ExtractYear("visited_on") - ExtractYear("project__launched_on")) * 12
        + ExtractMonth("visited_on") - ExtractMonth("project__launched_on")
    )
    latest = visits.order_by("-visited_on", "-pk")
    stopped_q = Q(activity_status=Activity.STOPPED) | Q(activity_closed=True)
    aggregates = {
        "launched": Count("pk"),
        "average_revenue": Avg(
            Subquery(latest.filter(monthly_revenue__isnull=False).values("monthly_revenue")[:1],
                     output_field=MONEY),
            output_field=MONEY,
        ),
        "jobs": Sum(Subquery(latest.values("jobs_created")[:1])),
        "reincarcerations": Count("pk", filter=Q(Exists(visits.filter(reincarcerated=True)))),
    }
    for milestone in MILESTONES:
        end = milestone + WINDOW_AFTER
        seen = Exists(visits.filter(months__gte=milestone - WINDOW_BEFORE, months__lte=end))
        stopped = Exists(visits.filter(stopped_q, months__lte=end))
        aggregates[f"observed_{milestone}"] = Count("pk", filter=Q(seen) | Q(stopped))
        aggregates[f"stopped_{milestone}"] = Count("pk", filter=Q(stopped))
    return aggregates


def reference_outcome(label: str, row: dict) -> figures.Outcome:
    milestones = []
    for milestone in MILESTONES:
        observed = row[f"observed_{milestone}"]
        running = observed - row[f"stopped_{milestone}"]
        milestones.append({
            "months": milestone, "observed": observed, "running": running,
            "share": round(running * 100 / observed) if observed else None,
        })
    return figures.Outcome(
        label=label, launched=row["launched"], average_revenue=row["average_revenue"],
        jobs=row["jobs"] or 0, reincarcerations=row["reincarcerations"], milestones=milestones,
    )


def reference_outcomes(user, filters: Filters) -> dict:
    launched = Project.objects.visible_to(user).filter(launched_on__isnull=False).order_by()
    if filters.since:
        launched = launched.filter(launched_on__gte=filters.since)
    aggregates = visit_subqueries()

    def grouped(key, label):
        return {
            label(row): reference_outcome(label(row), row)
            for row in launched.values(*key).annotate(**aggregates)
        }

    return {
        "overall": reference_outcome("Toute la sélection", launched.aggregate(**aggregates)),
        "by_convention": grouped(
            ["convention_id", "convention__reference"],
            lambda row: row["convention__reference"] or "Sans convention",
        ),
        "by_sector": grouped(["sector_id", "sector__name_fr"], lambda row: row["sector__name_fr"]),
        "by_prefecture": grouped(
            ["prefecture_id", "prefecture__name_fr"], lambda row: row["prefecture__name_fr"]
        ),
    }


@pytest.fixture
def random_world(temara, rabat):
    """Forty projects of two prefectures, three conventions and three sectors, with 0 to 6
    visits each, drawn at random (fixed seed) so that every case of the rules occurs:
    visits at the edges of the windows and before the launch, stopped or closed, without
    revenue, two on one day, a project with visits but no launch date."""
    rng = random.Random(12)
    sectors = [SectorFactory(name_fr=name) for name in ("Boulangerie", "Couture", "Menuiserie")]
    conventions = [ConventionFactory(reference=f"CONV-{i}", prefecture=temara) for i in range(2)]
    conventions.append(ConventionFactory(reference="CONV-R", prefecture=rabat))
    for index in range(40):
        convention = rng.choice(conventions)
        launched_on = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randrange(900))
        project = ProjectFactory(
            beneficiary=BeneficiaryFactory(prefecture=convention.prefecture),
            sector=rng.choice(sectors), convention=convention, approved_amount=Decimal("1000.00"),
            status=Project.Status.ACTIVE, launched_on=None if index == 7 else launched_on,
        )
        days = [rng.randrange(-70, 900) for _visit in range(rng.randrange(7))]
        if days and index % 5 == 0:
            days.append(days[0])  # two visits the same day: the later-created one is the latest
        for day in days:
            made_visit(
                project, launched_on + datetime.timedelta(days=day),
                rng.choices(list(Activity), [6, 3, 1])[0],
                monthly_revenue=None if rng.random() < 0.3 else Decimal(rng.randrange(500, 9000)),
                jobs_created=rng.randrange(4), activity_closed=rng.random() < 0.08,
                reincarcerated=rng.random() < 0.05,
            )


def to_the_centime(outcome):
    """The average as the page shows it: the database's AVG and the sum over the count
    differ only after the second decimal (SQLite averages in floating point)."""
    average = outcome.average_revenue
    return dataclasses.replace(
        outcome, average_revenue=None if average is None else average.quantize(Decimal("0.01"))
    )


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_stored_outcomes_give_the_figures_the_visits_give(request, random_world, who):
    user = request.getfixturevalue(who)
    for filters in (Filters(), Filters(since=datetime.date(2023, 1, 1))):
        reference = reference_outcomes(user, filters)
        stored = present(page_figures(user, filters).figures, cut=False)["outcomes"]
        assert to_the_centime(stored["overall"]) == to_the_centime(reference["overall"])
        assert stored["overall"].launched > 10
        for group in ("by_convention", "by_sector", "by_prefecture"):
            assert {o.label: to_the_centime(o) for o in stored[group]} == {
                label: to_the_centime(o) for label, o in reference[group].items()
            }


def test_the_migrations_backfill_writes_what_the_services_write(random_world):
    expected = sorted(ProjectOutcome.objects.values_list())
    assert len(expected) > 20
    ProjectOutcome.objects.all().delete()
    migration = importlib.import_module("grants.migrations.0004_project_outcome")
    from django.db.migrations.loader import MigrationLoader

    # The models as grants knew them before follow-up's moved out.
    apps = MigrationLoader(connection).project_state(("grants", "0019_amendment")).apps
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert sorted(ProjectOutcome.objects.values_list()) == expected
