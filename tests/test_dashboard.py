"""The dashboard: every figure against a hand-counted world, in each user's scope."""

import dataclasses
import datetime
import io
import json
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from beneficiaries.models import Beneficiary
from followup.models import MILESTONES, WINDOW_AFTER, FollowUpVisit, ProjectOutcome
from grants.models import Convention, EquipmentItem, Project, ProjectEvent
from procurement.models import PurchaseOrder
from reintegration.accounts.roles import Role
from reintegration.accounts.scope import is_national, scope_filter
from reintegration.dashboard.figures import Filters, Outcome, combine, compute_parts, trend_months
from reintegration.dashboard.models import NATIONAL, FigureSnapshot, prefecture_scope
from reintegration.dashboard.services import refresh_all
from reintegration.territories.models import Prefecture

from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DisbursementFactory,
    EquipmentItemFactory,
    FollowUpVisitFactory,
    PartnerFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    SectorFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
Status = Project.Status
Activity = FollowUpVisit.ActivityStatus


def fr(label) -> str:
    """A label of another app as the French page shows it."""
    with translation.override("fr"):
        return str(label)


MALE, FEMALE = Beneficiary.Sex.MALE.label, Beneficiary.Sex.FEMALE.label


def launched_project(beneficiary, convention, sector, launched_on, amount="100000.00"):
    return ProjectFactory(
        beneficiary=beneficiary, convention=convention, sector=sector, status=Status.ACTIVE,
        approved_amount=Decimal(amount), launched_on=launched_on,
    )


@pytest.fixture
def world(temara, rabat, staff):
    """Skhirate-Témara, counted by hand:

    beneficiaries: 2 men registered, 1 woman eligible (+ 2 women in Rabat);
    projects: 2 active (bakery, tailoring), 1 submitted (tailoring), 1 draft (bakery);
    convention CONV-T: envelope 500,000, approved 100,000 + 50,000, cash paid 5,000;
    equipment handed over: 2 × 10,000 (a 5,000 line only delivered);
    visits: bakery at 6 months active (3,000 DH, 2 jobs) and 12 months struggling
    (2,500 DH, 3 jobs); tailoring stopped at 6 months, re-incarcerated;
    planned visits: one overdue, one due in 10 days, one in 60 days.
    """
    today = timezone.localdate()
    bakery = SectorFactory(name_fr="Boulangerie", name_ar="مخبزة", name_en="Bakery")
    tailoring = SectorFactory(name_fr="Couture", name_ar="خياطة", name_en="Tailoring")
    convention = ConventionFactory(reference="CONV-T", prefecture=temara)
    men = BeneficiaryFactory.create_batch(2, prefecture=temara, sex=Beneficiary.Sex.MALE)
    woman = BeneficiaryFactory(
        prefecture=temara, sex=Beneficiary.Sex.FEMALE, status=Beneficiary.Status.ELIGIBLE
    )
    first = launched_project(men[0], convention, bakery, datetime.date(2024, 1, 15))
    second = launched_project(woman, convention, tailoring, datetime.date(2024, 2, 1), "50000.00")
    submitted = ProjectFactory(
        beneficiary=men[1], sector=tailoring, status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    ProjectFactory(beneficiary=men[1], sector=bakery)
    ProjectEvent.objects.create(
        project=first, from_status=Status.SUBMITTED, to_status=Status.APPROVED, user=staff
    )
    DisbursementFactory(project=first, amount=Decimal("5000.00"))
    EquipmentItemFactory(
        project=first, quantity=2, unit_price=Decimal("10000.00"),
        status=EquipmentItem.Status.HANDED_OVER,
    )
    EquipmentItemFactory(
        project=first, quantity=1, unit_price=Decimal("5000.00"),
        status=EquipmentItem.Status.DELIVERED,
    )
    FollowUpVisitFactory(
        project=first, due_on=None, visited_on=datetime.date(2024, 7, 10),
        activity_status=Activity.ACTIVE, monthly_revenue=Decimal("3000.00"), jobs_created=2,
    )
    FollowUpVisitFactory(
        project=first, due_on=None, visited_on=datetime.date(2025, 1, 20),
        activity_status=Activity.STRUGGLING, monthly_revenue=Decimal("2500.00"), jobs_created=3,
    )
    FollowUpVisitFactory(
        project=second, due_on=None, visited_on=datetime.date(2024, 8, 5),
        activity_status=Activity.STOPPED, reincarcerated=True,
    )
    FollowUpVisitFactory(project=first, due_on=today - datetime.timedelta(days=2))
    FollowUpVisitFactory(project=second, due_on=today + datetime.timedelta(days=10))
    FollowUpVisitFactory(project=second, due_on=today + datetime.timedelta(days=60))

    # Rabat: seen by national roles only.
    rabat_convention = ConventionFactory(
        reference="CONV-R", prefecture=rabat,
        partner=PartnerFactory(name="CPDH Rabat", prefecture=rabat),
    )
    rabat_women = BeneficiaryFactory.create_batch(2, prefecture=rabat, sex=Beneficiary.Sex.FEMALE)
    rabat_project = launched_project(
        rabat_women[0], rabat_convention, bakery, datetime.date(2024, 3, 1)
    )
    EquipmentItemFactory(
        project=rabat_project, quantity=1, unit_price=Decimal("7000.00"),
        status=EquipmentItem.Status.HANDED_OVER,
    )
    FollowUpVisitFactory(
        project=rabat_project, due_on=None, visited_on=datetime.date(2024, 9, 1),
        activity_status=Activity.ACTIVE, monthly_revenue=Decimal("4000.00"), jobs_created=1,
    )
    return {"convention": convention, "rabat_convention": rabat_convention,
            "first": first, "submitted": submitted, "bakery": bakery}


def figures_for(client, params=None):
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return response, response.context["figures"]


def test_beneficiaries_by_status_and_sex_in_the_officers_prefecture(client_for, officer, world):
    _response, figures = figures_for(client_for(officer))
    counts = figures["beneficiaries"]
    assert counts["total"] == 3
    assert dict(counts["by_sex"]) == {fr(MALE): 2, fr(FEMALE): 1}
    # The pathway as the projects imply it: the two launched projects' beneficiaries are
    # followed up, the one whose project is submitted was found eligible.
    assert dict(counts["by_status"])[fr(Beneficiary.Status.FOLLOWED_UP.label)] == 2
    assert dict(counts["by_status"])[fr(Beneficiary.Status.ELIGIBLE.label)] == 1
    assert dict(counts["by_status"])[fr(Beneficiary.Status.REGISTERED.label)] == 0


def test_projects_by_status_and_sector(client_for, staff, world):
    _response, figures = figures_for(client_for(staff))
    projects = figures["projects"]
    assert projects["total"] == 4
    by_status = dict(projects["by_status"])
    assert by_status[fr(Status.ACTIVE.label)] == 2
    assert by_status[fr(Status.SUBMITTED.label)] == 1
    assert by_status[fr(Status.DRAFT.label)] == 1
    assert dict(projects["by_sector"]) == {"Boulangerie": 2, "Couture": 2}


def test_convention_budget_figures(client_for, staff, world):
    _response, figures = figures_for(client_for(staff))
    [convention] = figures["conventions"]
    assert convention.reference == "CONV-T"
    assert convention.envelope == Decimal("500000.00")
    assert convention.committed == Decimal("150000.00")
    assert convention.disbursed == Decimal("5000.00")
    assert convention.remaining == Decimal("350000.00")


def test_equipment_handed_over_and_visits_due(client_for, staff, world):
    response, figures = figures_for(client_for(staff))
    assert figures["equipment"]["value"] == Decimal("20000.00")
    assert figures["equipment"]["projects"] == 1
    assert figures["visits"] == {"overdue": 1, "due_soon": 1}
    content = response.content.decode()
    assert "20\u00a0000,00\u00a0DH" in content


def test_monthly_trend_counts_submissions_and_approvals_of_this_month(client_for, staff, world):
    _response, figures = figures_for(client_for(staff))
    trend = figures["trend"]
    assert len(trend["months"]) == 12
    assert trend["months"][-1] == timezone.localdate().replace(day=1)
    assert trend["submitted"] == [0] * 11 + [1]
    assert trend["approved"] == [0] * 11 + [1]


def test_outcomes_at_6_12_and_24_months(client_for, staff, world):
    _response, figures = figures_for(client_for(staff))
    overall = figures["outcomes"]["overall"]
    assert overall.launched == 2
    assert [(m["observed"], m["running"], m["share"]) for m in overall.milestones] == [
        (2, 1, 50), (2, 1, 50), (1, 0, 0),
    ]
    assert overall.average_revenue == Decimal("2500.00")
    assert overall.jobs == 3
    assert overall.reincarcerations == 1


def test_outcomes_per_convention_sector_and_prefecture(client_for, auditor, world):
    _response, figures = figures_for(client_for(auditor))
    outcomes = figures["outcomes"]
    by_convention = {o.label: o for o in outcomes["by_convention"]}
    assert by_convention["CONV-T"].launched == 2
    assert by_convention["CONV-R"].launched == 1
    assert by_convention["CONV-R"].milestones[0]["share"] == 100
    by_sector = {o.label: o for o in outcomes["by_sector"]}
    assert by_sector["Boulangerie"].launched == 2
    assert by_sector["Boulangerie"].jobs == 4
    assert by_sector["Couture"].reincarcerations == 1
    by_prefecture = {o.label: o for o in outcomes["by_prefecture"]}
    assert by_prefecture["Rabat"].average_revenue == Decimal("4000.00")
    assert by_prefecture["Skhirate-Témara"].launched == 2


def test_officer_of_another_prefecture_counts_only_their_own(client_for, outsider_officer, world):
    _response, figures = figures_for(client_for(outsider_officer))
    assert figures["beneficiaries"]["total"] == 2
    assert figures["projects"]["total"] == 1
    assert [c.reference for c in figures["conventions"]] == ["CONV-R"]
    assert figures["equipment"]["value"] == Decimal("7000.00")
    assert figures["outcomes"]["overall"].launched == 1


def test_auditor_sees_every_prefecture(client_for, auditor, world):
    _response, figures = figures_for(client_for(auditor))
    assert figures["beneficiaries"]["total"] == 5
    assert figures["equipment"]["value"] == Decimal("27000.00")


def test_prefecture_filter_narrows_the_national_figures(client_for, auditor, world, rabat):
    _response, figures = figures_for(client_for(auditor), {"prefecture": rabat.pk})
    assert figures["beneficiaries"]["total"] == 2
    assert figures["projects"]["total"] == 1


def test_prefecture_outside_the_scope_is_refused_and_ignored(client_for, staff, world, rabat):
    response, figures = figures_for(client_for(staff), {"prefecture": rabat.pk})
    assert response.context["form"].errors["prefecture"]
    assert figures["beneficiaries"]["total"] == 3


def test_convention_filter(client_for, auditor, world):
    params = {"convention": world["rabat_convention"].pk}
    _response, figures = figures_for(client_for(auditor), params)
    assert figures["beneficiaries"]["total"] == 1
    assert figures["projects"]["total"] == 1
    assert figures["equipment"]["value"] == Decimal("7000.00")


def test_period_filter_on_launch_date(client_for, staff, world):
    params = {"since": "2024-02-01", "until": "2024-12-31"}
    _response, figures = figures_for(client_for(staff), params)
    assert figures["outcomes"]["overall"].launched == 1
    assert len(figures["trend"]["months"]) == 11


def test_period_ending_before_it_starts_is_an_error_not_a_crash(client_for, staff, world):
    response, _figures = figures_for(client_for(staff), {"since": "2025-01-01", "until": "2024-01-01"})
    assert "until" in response.context["form"].errors


def test_charts_get_their_data_as_json_and_a_table_beside(client_for, staff, world):
    response, _figures = figures_for(client_for(staff))
    content = response.content.decode()
    assert '<script id="dashboard-charts" type="application/json">' in content
    charts = json.loads(content.split('type="application/json">')[1].split("</script>")[0])
    assert charts["beneficiaries_sex"]["labels"] == [fr(MALE), fr(FEMALE)]
    assert charts["beneficiaries_sex"]["datasets"][0]["data"] == [2, 1]
    assert "js/dashboard.js" in content
    assert content.count("<caption") >= 8
    assert 'scope="row"' in content


def test_the_dashboard_is_in_the_navigation(client_for, staff, world):
    content = client_for(staff).get(reverse("home")).content.decode()
    assert f'href="{URL}"' in content


def test_an_empty_dashboard_answers(client_for, officer):
    response, figures = figures_for(client_for(officer))
    assert figures["beneficiaries"]["total"] == 0
    assert "Aucune convention" in response.content.decode()


def add_more_data(temara, world, count=15):
    convention = world["convention"]
    for index in range(count):
        beneficiary = BeneficiaryFactory(prefecture=temara)
        project = launched_project(
            beneficiary, convention, SectorFactory(name_fr=f"Secteur {index}"),
            datetime.date(2024, 1 + index % 12, 1), "1000.00",
        )
        EquipmentItemFactory(project=project, status=EquipmentItem.Status.HANDED_OVER)
        FollowUpVisitFactory(
            project=project, visited_on=datetime.date(2024, 12, 1), activity_status=Activity.ACTIVE,
            monthly_revenue=Decimal("1000.00"),
        )
        ConventionFactory(prefecture=temara)


def test_query_count_does_not_grow_with_the_data(
    client_for, staff, world, temara, django_assert_max_num_queries, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 0  # the queries of the computation, every time
    client = client_for(staff)
    client.get(URL)  # warm-up: session, permissions cache, the filter menus' options
    # Constant whatever the data: session, user and permissions (3); the scope (1); the
    # prefectures' names and one query per figure, grouped by prefecture (beneficiaries,
    # projects, the conventions and the three sums of their budgets, equipment, visits
    # due, two trend series, the outcomes) and the sectors' names (13); the grievances,
    # referrals and transfers, read live in one grouped query (cases.selectors) (1); the open
    # alerts raised by visits, counted live (followup.selectors) (1).
    with django_assert_max_num_queries(19):
        client.get(URL)
    add_more_data(temara, world)
    with django_assert_max_num_queries(19):
        response = client.get(URL)
    assert response.context["figures"]["beneficiaries"]["total"] == 18


# --- the national page lists the conventions closest to their envelope ---------------------

def committed_conventions(prefecture, shares):
    """One convention of 100,000 DH per share, with that percentage of it committed."""
    conventions = []
    for index, share in enumerate(shares):
        convention = ConventionFactory(
            reference=f"CONV-{share:03d}-{index}", prefecture=prefecture,
            envelope=Decimal("100000.00"),
        )
        if share:
            ProjectFactory(
                beneficiary=BeneficiaryFactory(prefecture=prefecture), convention=convention,
                status=Status.APPROVED, approved_amount=Decimal(share * 1000),
            )
        conventions.append(convention)
    return conventions


def test_national_page_lists_the_20_conventions_that_committed_most_of_their_envelope(
    client_for, auditor, temara, rabat
):
    committed_conventions(temara, range(0, 66, 5))   # 0 %, 5 % … 65 %: 14 conventions
    committed_conventions(rabat, range(2, 90, 10))   # 2 %, 12 % … 82 %: 9 conventions
    response, figures = figures_for(client_for(auditor))
    shown = figures["conventions"]
    assert len(shown) == 20
    assert figures["conventions_total"] == 23
    assert [c.reference for c in shown[:3]] == ["CONV-082-8", "CONV-072-7", "CONV-065-13"]
    assert {c.reference for c in shown}.isdisjoint({"CONV-000-0", "CONV-005-1", "CONV-002-0"})
    assert shown[0].committed == Decimal("82000.00")
    assert shown[0].remaining == Decimal("18000.00")
    content = response.content.decode()
    assert content.count('data-testid="convention-row"') == 20
    assert "Budget des 20 conventions" in content and "sur 23" in content
    assert f'href="{reverse("grants:convention_list")}" data-testid="all-conventions"' in content
    charts = json.loads(content.split('type="application/json">')[1].split("</script>")[0])
    assert len(charts["conventions"]["labels"]) == 20
    # The outcomes per convention: the same twenty.
    assert len(figures["outcomes"]["by_convention"]) <= 20


def test_one_prefectures_page_lists_all_of_its_conventions(client_for, auditor, staff, temara):
    committed_conventions(temara, range(0, 110, 5))  # 22 conventions
    _response, figures = figures_for(client_for(staff))
    assert len(figures["conventions"]) == figures["conventions_total"] == 22
    assert figures["conventions"][0].reference == "CONV-105-21"
    _response, figures = figures_for(client_for(auditor), {"prefecture": temara.pk})
    assert len(figures["conventions"]) == 22


# --- the figures kept in snapshots --------------------------------------------------------

def test_a_staff_member_of_rabat_never_gets_temaras_figures(
    client_for, staff, outsider_staff, world, rabat
):
    _response, figures = figures_for(client_for(staff))
    assert figures["beneficiaries"]["total"] == 3  # Témara's, now in a snapshot
    call_command("refresh_dashboard", verbosity=0)  # and every prefecture's, and the country's
    _response, figures = figures_for(client_for(outsider_staff))
    assert figures["beneficiaries"]["total"] == 2
    assert [c.reference for c in figures["conventions"]] == ["CONV-R"]
    # Still Rabat's, even asking for Témara's prefecture, or for its figures computed again.
    temara = world["first"].prefecture
    for params in ({"prefecture": temara.pk}, {"prefecture": temara.pk, "refresh": "1"}):
        response, figures = figures_for(client_for(outsider_staff), params)
        assert response.context["form"].errors["prefecture"]
        assert figures["beneficiaries"]["total"] == 2
        content = response.content.decode()
        assert "CONV-R" in content and "CONV-T" not in content
        assert "Skhirate" not in content
    # Given Témara too, the same person has another scope: both prefectures' figures.
    outsider_staff.prefectures.add(temara)
    _response, figures = figures_for(client_for(outsider_staff))
    assert figures["beneficiaries"]["total"] == 5
    assert [c.reference for c in figures["conventions"]] == ["CONV-T", "CONV-R"]


def test_the_figures_come_from_a_snapshot_until_the_refresh_link_recomputes_them(
    client_for, staff, world, temara, django_assert_max_num_queries
):
    client = client_for(staff)
    response, figures = figures_for(client, {"since": "2020-01-01"})
    assert figures["beneficiaries"]["total"] == 3
    content = response.content.decode()
    computed_at = timezone.localtime(response.context["computed_at"]).strftime("%H:%M")
    assert f"Chiffres calculés à {computed_at}, à jour à 5 minutes près" in content
    assert 'href="?since=2020-01-01&amp;refresh=1" data-testid="refresh"' in content

    BeneficiaryFactory(prefecture=temara)
    # Session, user, permissions, the scope and the snapshot (the filter menus' options
    # are kept a minute): no figure is asked of the database but the cases' panel, read
    # live in one query (cases.selectors.case_figures), and the open alerts' count.
    with django_assert_max_num_queries(7):
        _response, figures = figures_for(client, {"since": "2020-01-01"})
    assert figures["beneficiaries"]["total"] == 3

    response, figures = figures_for(client, {"since": "2020-01-01", "refresh": "1"})
    assert figures["beneficiaries"]["total"] == 4
    assert response.context["form"].is_valid()
    _response, figures = figures_for(client, {"since": "2020-01-01"})
    assert figures["beneficiaries"]["total"] == 4  # the recomputed figures, stored


def test_the_timers_snapshots_serve_every_page_without_computing(
    client_for, staff, auditor, world, temara, django_assert_max_num_queries
):
    call_command("refresh_dashboard", verbosity=0)
    assert FigureSnapshot.objects.count() == Prefecture.objects.count() + 1
    stored = FigureSnapshot.objects.get(scope=NATIONAL).computed_at
    for user, beneficiaries in ((staff, 3), (auditor, 5)):
        client = client_for(user)
        client.get(URL)  # the filter menus' options
        with django_assert_max_num_queries(7):  # 5, the cases' panel (one query), the open alerts
            response, figures = figures_for(client)
        assert figures["beneficiaries"]["total"] == beneficiaries
        assert response.context["computed_at"] == stored
    # The national page's prefecture filter reads that prefecture's snapshot.
    _response, figures = figures_for(client_for(auditor), {"prefecture": temara.pk})
    assert figures["beneficiaries"]["total"] == 3
    assert FigureSnapshot.objects.count() == Prefecture.objects.count() + 1


@pytest.mark.parametrize("change", ["older than its age", "of yesterday", "of an older shape"])
def test_a_snapshot_too_old_of_another_day_or_shape_is_computed_again(
    client_for, staff, world, temara, change
):
    client = client_for(staff)
    figures_for(client)
    BeneficiaryFactory(prefecture=temara)
    snapshot = FigureSnapshot.objects.get(scope=prefecture_scope(temara.pk))
    if change == "older than its age":
        snapshot.computed_at -= datetime.timedelta(seconds=301)
    elif change == "of yesterday":
        snapshot.day -= datetime.timedelta(days=1)
    else:
        snapshot.figures["version"] -= 1
    snapshot.save()
    response, figures = figures_for(client)
    assert figures["beneficiaries"]["total"] == 4
    assert response.context["computed_at"] > snapshot.computed_at


def test_the_timers_command_deletes_the_snapshots_too_old_to_be_shown(world, temara, settings):
    old = FigureSnapshot.objects.create(
        scope=prefecture_scope(temara.pk), filters="convention=;since=2020-01-01;until=",
        day=timezone.localdate(), computed_at=timezone.now() - datetime.timedelta(seconds=301),
        figures={},
    )
    out = io.StringIO()
    call_command("refresh_dashboard", stdout=out)
    assert f"Stored {Prefecture.objects.count() + 1} snapshots" in out.getvalue()
    assert not FigureSnapshot.objects.filter(pk=old.pk).exists()
    settings.DASHBOARD_CACHE_SECONDS = 0
    FigureSnapshot.objects.all().delete()
    call_command("refresh_dashboard", stdout=out)
    assert not FigureSnapshot.objects.exists()


def test_a_user_of_several_prefectures_sees_their_sum_computed_at_the_oldest_time(
    client_for, outsider_staff, world, temara, rabat
):
    outsider_staff.prefectures.add(temara)
    client = client_for(outsider_staff)
    figures_for(client)
    FigureSnapshot.objects.filter(scope=prefecture_scope(rabat.pk)).update(
        computed_at=F("computed_at") - datetime.timedelta(seconds=100)
    )
    response, figures = figures_for(client)
    assert figures["beneficiaries"]["total"] == 5
    assert figures["equipment"]["value"] == Decimal("27000.00")
    assert response.context["computed_at"] == FigureSnapshot.objects.get(
        scope=prefecture_scope(rabat.pk)).computed_at


def test_figures_are_labelled_in_the_language_of_each_page(client_for, staff, world):
    client = client_for(staff)
    figures_for(client)  # computed and stored on a French page
    client.cookies["django_language"] = "ar"
    response, figures = figures_for(client)
    with translation.override("ar"):
        assert dict(figures["beneficiaries"]["by_sex"]) == {str(MALE): 2, str(FEMALE): 1}
    assert dict(figures["projects"]["by_sector"]) == {"مخبزة": 2, "خياطة": 2}
    assert "الأرقام محسوبة" in response.content.decode()


def test_nothing_is_stored_when_the_age_is_zero(client_for, staff, world, temara, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_for(staff)
    response, _figures = figures_for(client)
    assert "à jour à" not in response.content.decode()
    BeneficiaryFactory(prefecture=temara)
    _response, figures = figures_for(client)
    assert figures["beneficiaries"]["total"] == 4
    assert not FigureSnapshot.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_timers_refresh_reads_one_state_of_the_database(client_for, auditor, temara):
    """Outside any transaction, as the timer runs it (PostgreSQL: repeatable read)."""
    BeneficiaryFactory.create_batch(2, prefecture=temara)
    assert refresh_all() == Prefecture.objects.count() + 1
    national = FigureSnapshot.objects.get(scope=NATIONAL).figures
    assert sum(national["beneficiaries"]["by_status"].values()) == 2
    assert FigureSnapshot.objects.get(scope=prefecture_scope(temara.pk)).figures == combine(
        [compute_parts(Filters(), timezone.localdate(), [temara.pk])[str(temara.pk)]],
        trend_months(Filters(), timezone.localdate()),
    )


# --- the snapshots: the figures of a plain computation per scope ----------------------------

def plain_figures(user, filters: Filters) -> dict:
    """The reference: every figure computed for one user's scope the plain way, through
    `visible_to(user)` and the filters, rows counted and summed in Python, each
    convention's figures by `with_budget_figures()`; no grouping by prefecture, no snapshot."""
    today = timezone.localdate()

    def scoped(model, path="prefecture"):
        rows = model.objects.visible_to(user)
        if filters.prefecture:
            rows = rows.filter(**{path: filters.prefecture})
        return rows

    def in_period(day) -> bool:
        return (not filters.since or day >= filters.since) and (not filters.until or day <= filters.until)

    def local_day(instant):
        return timezone.localtime(instant).date()

    projects = scoped(Project)
    beneficiaries = scoped(Beneficiary)
    if filters.convention:
        projects = projects.filter(convention=filters.convention)
        beneficiaries = beneficiaries.filter(
            pk__in=Project.objects.filter(convention=filters.convention).values("beneficiary")
        )
    beneficiaries = [b for b in beneficiaries if in_period(local_day(b.created_at))]
    projects = list(projects.select_related("sector", "convention", "prefecture"))
    created = [p for p in projects if in_period(local_day(p.created_at))]
    statuses = Counter(b.status for b in beneficiaries)
    sexes = Counter(b.sex for b in beneficiaries)
    by_sector = Counter(p.sector.name_fr for p in created)

    conventions = scoped(Convention)
    if filters.convention:
        conventions = conventions.filter(pk=filters.convention.pk)

    def share(convention):
        if convention.envelope:
            return convention.committed / convention.envelope
        return Decimal(1) if convention.committed else Decimal(0)

    ranked = sorted(conventions.with_budget_figures(), key=lambda c: (-share(c), c.reference))
    if is_national(user) and not filters.prefecture and not filters.convention:
        ranked = ranked[:20]

    ids = {p.pk for p in projects}
    items = EquipmentItem.objects.filter(project__in=ids, status=EquipmentItem.Status.HANDED_OVER)
    pending = FollowUpVisit.objects.filter(project__in=ids).pending().exclude(due_on=None)

    last = min(filters.until or today, today)
    first = filters.since or (last.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    first = min(first, last)
    months = sorted({(first + datetime.timedelta(days=d)).replace(day=1)
                     for d in range((last - first).days + 1)})
    submitted = Counter(local_day(p.submitted_at).replace(day=1) for p in projects
                        if p.submitted_at and first <= local_day(p.submitted_at) <= last)
    approved = Counter(
        local_day(e.at).replace(day=1) for e in ProjectEvent.objects.filter(
            project__in=ids, to_status=Status.APPROVED)
        if first <= local_day(e.at) <= last
    )

    launched = [p for p in projects if p.launched_on and in_period(p.launched_on)]
    outcomes = {o.project_id: o for o in ProjectOutcome.objects.filter(project__in=[p.pk for p in launched])}

    def outcome_of(label, group):
        rows = [outcomes.get(p.pk) for p in group]
        revenues = [o.revenue for o in rows if o and o.revenue is not None]
        milestones = []
        for months_after in MILESTONES:
            observed = sum(1 for o in rows if o and getattr(o, f"observed_{months_after}"))
            stopped = sum(1 for o in rows if o and o.stopped_after_months is not None
                          and o.stopped_after_months <= months_after + WINDOW_AFTER)
            milestones.append({"months": months_after, "observed": observed,
                               "running": observed - stopped,
                               "share": round((observed - stopped) * 100 / observed) if observed else None})
        return Outcome(
            label=label, launched=len(group),
            average_revenue=sum(revenues) / len(revenues) if revenues else None,
            jobs=sum(o.jobs for o in rows if o),
            reincarcerations=sum(1 for o in rows if o and o.reincarcerated),
            milestones=milestones,
        )

    def grouped(label):
        groups = {}
        for project in launched:
            groups.setdefault(label(project), []).append(project)
        return {key: outcome_of(key, group) for key, group in groups.items()}

    by_convention = grouped(lambda p: p.convention.reference if p.convention else "Sans convention")
    if len(ranked) < conventions.count():
        shown = {c.reference for c in ranked}
        by_convention = {key: o for key, o in by_convention.items() if key in shown}
    return {
        "beneficiaries": {
            "total": len(beneficiaries),
            "by_status": [(fr(label), statuses[value]) for value, label in Beneficiary.Status.choices],
            "by_sex": [(fr(label), sexes[value]) for value, label in Beneficiary.Sex.choices],
        },
        "projects": {
            "total": len(created),
            "by_status": [(fr(label), sum(1 for p in created if p.status == value))
                          for value, label in Status.choices],
            "by_sector": sorted(by_sector.items(), key=lambda v: (-v[1], v[0])),
        },
        "conventions": [(c.reference, c.title, c.envelope, c.committed, c.disbursed, c.remaining)
                        for c in ranked],
        "conventions_total": conventions.count(),
        "equipment": {"value": sum((i.total for i in items), Decimal("0.00")), "lines": items.count(),
                      "projects": len({i.project_id for i in items})},
        "visits": {"overdue": sum(1 for v in pending if v.due_on < today),
                   "due_soon": sum(1 for v in pending if 0 <= (v.due_on - today).days <= 30)},
        "trend": {"months": months, "submitted": [submitted[m] for m in months],
                  "approved": [approved[m] for m in months]},
        "outcomes": {
            "overall": outcome_of("Toute la sélection", launched),
            "by_convention": by_convention,
            "by_sector": grouped(lambda p: p.sector.name_fr),
            "by_prefecture": grouped(lambda p: p.prefecture.name_fr),
        },
    }


def to_the_centime(outcome):
    """The average as the page shows it (SQLite sums in floating point)."""
    average = outcome.average_revenue
    if average is not None:
        average = average.quantize(Decimal("0.01"))
    return dataclasses.replace(outcome, average_revenue=average)


def assert_same_figures(page: dict, plain: dict) -> None:
    for key in ("beneficiaries", "projects", "conventions_total", "equipment", "visits", "trend"):
        assert page[key] == plain[key], key
    assert [(c.reference, c.title, c.envelope, c.committed, c.disbursed, c.remaining)
            for c in page["conventions"]] == plain["conventions"]
    outcomes = page["outcomes"]
    assert to_the_centime(outcomes["overall"]) == to_the_centime(plain["outcomes"]["overall"])
    for group in ("by_convention", "by_sector", "by_prefecture"):
        assert {o.label: to_the_centime(o) for o in outcomes[group]} == {
            label: to_the_centime(o) for label, o in plain["outcomes"][group].items()
        }, group


@pytest.fixture
def random_world(temara, rabat):
    """Three prefectures of files drawn at random (fixed seed): every status, sex, sector,
    dates over two years, projects without a convention or on another prefecture's,
    equipment in every state, paid and invoiced sums, visits planned and made."""
    rng = random.Random(2024)
    third = Prefecture.objects.exclude(pk__in=[temara.pk, rabat.pk]).order_by("code").first()
    prefectures = [temara, rabat, third]
    sectors = [SectorFactory(name_fr=name, name_ar=f"قطاع {i}", name_en=f"Sector {i}")
               for i, name in enumerate(("Boulangerie", "Couture", "Menuiserie", "Coiffure"))]
    conventions = {p.pk: [ConventionFactory(prefecture=p, envelope=Decimal(rng.choice([0, 200000, 500000])))
                          for _ in range(2)] for p in prefectures}
    supplier = SupplierFactory()
    staff_user = UserFactory(
        username="random_world_staff", role=Role.FOUNDATION_STAFF, prefectures=prefectures
    )
    now = timezone.now()
    committed = Project.COMMITTED_STATUSES
    for index in range(60):
        prefecture = prefectures[index % 3]
        beneficiary = BeneficiaryFactory(
            prefecture=prefecture, sex=rng.choice(list(Beneficiary.Sex)),
            status=rng.choice(list(Beneficiary.Status)),
        )
        Beneficiary.objects.filter(pk=beneficiary.pk).update(
            created_at=now - datetime.timedelta(days=rng.randrange(700), hours=rng.randrange(24)))
        for _project in range(rng.randrange(3)):
            status = rng.choice(list(Status))
            others = [c for p in prefectures if p != prefecture for c in conventions[p.pk]]
            convention = rng.choice(conventions[prefecture.pk] * 4 + others + [None])
            if status in committed and convention is None:
                convention = conventions[prefecture.pk][0]
            launched = status in (Status.ACTIVE, Status.CLOSED, Status.ABANDONED) and rng.random() < 0.9
            project = ProjectFactory(
                beneficiary=beneficiary, sector=rng.choice(sectors), convention=convention,
                status=status,
                approved_amount=Decimal(rng.randrange(1000, 90000)) if status in committed else None,
                submitted_at=None if status == Status.DRAFT
                else now - datetime.timedelta(days=rng.randrange(420)),
                launched_on=(now - datetime.timedelta(days=rng.randrange(800))).date() if launched else None,
            )
            Project.objects.filter(pk=project.pk).update(
                created_at=now - datetime.timedelta(days=rng.randrange(700)))
            if status in committed:
                event = ProjectEvent.objects.create(project=project, from_status=Status.SUBMITTED,
                                                    to_status=Status.APPROVED, user=staff_user)
                ProjectEvent.objects.filter(pk=event.pk).update(
                    at=now - datetime.timedelta(days=rng.randrange(400), hours=rng.randrange(24)))
            for _line in range(rng.randrange(4)):
                order = None
                if convention and rng.random() < 0.4:
                    order = PurchaseOrderFactory(supplier=supplier, convention=convention,
                                                 status=PurchaseOrder.Status.INVOICED)
                EquipmentItemFactory(
                    project=project, status=rng.choice(list(EquipmentItem.Status)), purchase_order=order,
                    quantity=rng.randrange(1, 4), unit_price=Decimal(rng.randrange(100, 20000)) / 4,
                )
            if rng.random() < 0.4:
                DisbursementFactory(project=project, amount=Decimal(rng.randrange(500, 9000)))
            for _visit in range(rng.randrange(3)):
                FollowUpVisitFactory(project=project, due_on=timezone.localdate() + datetime.timedelta(
                    days=rng.randrange(-60, 60)))
            if project.launched_on:
                for _visit in range(rng.randrange(4)):
                    FollowUpVisitFactory(
                        project=project, due_on=None,
                        visited_on=project.launched_on + datetime.timedelta(days=rng.randrange(-30, 800)),
                        activity_status=rng.choice(list(Activity)), jobs_created=rng.randrange(4),
                        monthly_revenue=None if rng.random() < 0.3 else Decimal(rng.randrange(500, 9000)),
                        reincarcerated=rng.random() < 0.1,
                    )
    return {"prefectures": prefectures, "conventions": conventions, "staff": staff_user}


def test_snapshots_give_the_figures_of_a_plain_computation_in_every_scope(
    client_for, auditor, staff, outsider_staff, random_world, rabat
):
    """Each prefecture's snapshot, their sum for a user of several prefectures and the
    country's, fresh from the database, read back from a snapshot and refreshed by the
    timer's command, equal the plain computation of each scope, with every filter."""
    third = random_world["prefectures"][2]
    convention = random_world["conventions"][rabat.pk][1]
    filterings = [
        Filters(), Filters(prefecture=rabat), Filters(convention=convention),
        Filters(since=datetime.date.today() - datetime.timedelta(days=300),
                until=datetime.date.today() - datetime.timedelta(days=40)),
        Filters(prefecture=third, since=datetime.date.today() - datetime.timedelta(days=500)),
    ]
    readers = [auditor, staff, outsider_staff, random_world["staff"]]
    for user in readers:
        client = client_for(user)
        for filters in filterings:
            params = {key: getattr(value, "pk", value) for key, value in vars(filters).items() if value}
            # A prefecture or convention out of the user's scope is refused and ignored.
            accepted = dataclasses.replace(
                filters,
                prefecture=filters.prefecture if filters.prefecture and scope_filter(
                    Prefecture.objects.filter(pk=filters.prefecture.pk), user, "pk").exists() else None,
                convention=filters.convention if filters.convention and Convention.objects.visible_to(
                    user).filter(pk=filters.convention.pk).exists() else None,
            )
            plain = plain_figures(user, accepted)
            for _computed_then_read in range(2):
                _response, figures = figures_for(client, params)
                assert_same_figures(figures, plain)
    call_command("refresh_dashboard", verbosity=0)
    for user in readers:
        _response, figures = figures_for(client_for(user))
        assert_same_figures(figures, plain_figures(user, Filters()))


def test_a_prefectures_figures_are_a_sum_that_survives_json(random_world):
    today = timezone.localdate()
    parts = compute_parts(Filters(), today)
    assert len(parts) == Prefecture.objects.count()
    assert json.loads(json.dumps(parts)) == parts
    months = trend_months(Filters(), today)
    whole = combine(list(parts.values()), months)
    assert whole == combine([combine(list(parts.values())[:10], months),
                             combine(list(parts.values())[10:], months)], months)
    assert sum(whole["beneficiaries"]["by_status"].values()) == Beneficiary.objects.count()
