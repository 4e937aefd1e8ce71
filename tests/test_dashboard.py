"""The dashboard: every figure against a hand-counted world, in each user's scope."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from beneficiaries.models import Beneficiary
from grants.models import EquipmentItem, FollowUpVisit, Project, ProjectEvent

from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DisbursementFactory,
    EquipmentItemFactory,
    FollowUpVisitFactory,
    PartnerFactory,
    ProjectFactory,
    SectorFactory,
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
    assert dict(counts["by_status"])[fr(Beneficiary.Status.REGISTERED.label)] == 2
    assert dict(counts["by_status"])[fr(Beneficiary.Status.ELIGIBLE.label)] == 1


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
    client.get(URL)  # warm-up: session, permissions cache
    # Constant whatever the data: session (read, saved in a savepoint), user, groups and
    # two permission reads (5 + 3); one query per figure (beneficiaries, projects, the
    # conventions ranked and the three sums of those listed, equipment, visits due, two
    # trend series, the outcomes grouped once and the names of their groups: 14); the
    # two filter menus (2).
    with django_assert_max_num_queries(24):
        client.get(URL)
    add_more_data(temara, world)
    with django_assert_max_num_queries(24):
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


# --- the figures kept in the cache ----------------------------------------------------------

def test_a_staff_member_of_rabat_never_gets_temaras_cached_figures(
    client_for, staff, outsider_staff, world, rabat
):
    _response, figures = figures_for(client_for(staff))
    assert figures["beneficiaries"]["total"] == 3  # Témara's, now in the cache
    _response, figures = figures_for(client_for(outsider_staff))
    assert figures["beneficiaries"]["total"] == 2
    assert [c.reference for c in figures["conventions"]] == ["CONV-R"]
    # Same filters, same day: still Rabat's, even asking for Témara's prefecture.
    response, figures = figures_for(client_for(outsider_staff), {"prefecture": world["first"].prefecture.pk})
    assert response.context["form"].errors["prefecture"]
    assert figures["beneficiaries"]["total"] == 2
    # Given Témara too, the same person has another scope: both prefectures' figures.
    outsider_staff.prefectures.add(world["first"].prefecture)
    _response, figures = figures_for(client_for(outsider_staff))
    assert figures["beneficiaries"]["total"] == 5


def test_the_figures_come_from_the_cache_until_the_refresh_link_recomputes_them(
    client_for, staff, world, temara, django_assert_max_num_queries
):
    client = client_for(staff)
    response, figures = figures_for(client, {"since": "2020-01-01"})
    assert figures["beneficiaries"]["total"] == 3
    content = response.content.decode()
    computed_at = timezone.localtime(response.context["computed_at"]).strftime("%H:%M")
    assert f"Chiffres calculés à {computed_at}" in content
    assert 'href="?since=2020-01-01&amp;refresh=1" data-testid="refresh"' in content

    BeneficiaryFactory(prefecture=temara)
    # Session, user, groups, two permission reads, the scope and the two filter menus:
    # no figure is asked of the database.
    with django_assert_max_num_queries(11):
        _response, figures = figures_for(client, {"since": "2020-01-01"})
    assert figures["beneficiaries"]["total"] == 3

    response, figures = figures_for(client, {"since": "2020-01-01", "refresh": "1"})
    assert figures["beneficiaries"]["total"] == 4
    assert response.context["form"].is_valid()
    _response, figures = figures_for(client, {"since": "2020-01-01"})
    assert figures["beneficiaries"]["total"] == 4  # the recomputed figures, cached


def test_cached_figures_are_labelled_in_the_language_of_each_page(client_for, staff, world):
    client = client_for(staff)
    figures_for(client)  # computed and cached on a French page
    client.cookies["django_language"] = "ar"
    response, figures = figures_for(client)
    with translation.override("ar"):
        assert dict(figures["beneficiaries"]["by_sex"]) == {str(MALE): 2, str(FEMALE): 1}
    assert dict(figures["projects"]["by_sector"]) == {"مخبزة": 2, "خياطة": 2}
    assert "الأرقام محسوبة" in response.content.decode()


def test_no_cache_when_its_duration_is_zero(client_for, staff, world, temara, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_for(staff)
    figures_for(client)
    BeneficiaryFactory(prefecture=temara)
    _response, figures = figures_for(client)
    assert figures["beneficiaries"]["total"] == 4
