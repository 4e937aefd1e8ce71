"""Alerts: raised by the visits that signal a risk, listed across projects within the
user's scope, acted on and closed through their page."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from followup import services
from followup.models import Alert, FollowUpVisit
from grants.models import Project

from .factories import AlertFactory, ConventionFactory, FollowUpVisitFactory, ProjectFactory

pytestmark = pytest.mark.django_db

Activity = FollowUpVisit.ActivityStatus
LAUNCHED = datetime.date(2024, 12, 6)


def launched(prefecture) -> Project:
    return ProjectFactory(
        beneficiary__prefecture=prefecture, status=Project.Status.ACTIVE, launched_on=LAUNCHED,
        convention=ConventionFactory(), approved_amount=Decimal("60000.00"),
    )


@pytest.fixture
def visit(temara):
    project = launched(temara)
    return FollowUpVisitFactory(project=project, due_on=datetime.date(2025, 1, 6))


def record(user, visit, **kwargs):
    kwargs.setdefault("activity_status", Activity.ACTIVE)
    return services.record_visit(visit=visit, user=user, visited_on=datetime.date(2025, 1, 8), **kwargs)


def kinds(visit) -> set[str]:
    return set(visit.alerts.values_list("kind", flat=True))


def test_a_visit_without_risk_raises_no_alert(staff, visit):
    record(staff, visit, monthly_revenue=None)
    assert not Alert.objects.exists()


def test_each_risk_the_visit_signals_raises_one_alert(staff, visit):
    record(staff, visit, activity_status=Activity.STRUGGLING, equipment_missing=True,
           beneficiary_unreachable=True, reincarcerated=True)
    assert kinds(visit) == {
        Alert.Kind.ACTIVITY_IN_DIFFICULTY, Alert.Kind.EQUIPMENT_MISSING,
        Alert.Kind.UNREACHABLE, Alert.Kind.REINCARCERATED,
    }
    assert set(Alert.objects.values_list("raised_on", flat=True)) == {datetime.date(2025, 1, 8)}


def test_a_stopped_or_closed_activity_raises_the_stopped_alert(staff, visit):
    record(staff, visit, activity_status=Activity.STRUGGLING, activity_closed=True)
    assert kinds(visit) == {Alert.Kind.ACTIVITY_STOPPED}


def test_a_corrected_visit_withdraws_untouched_alerts_but_keeps_those_acted_on(staff, visit):
    record(staff, visit, equipment_missing=True, beneficiary_unreachable=True)
    acted = visit.alerts.get(kind=Alert.Kind.UNREACHABLE)
    services.record_alert_action(alert=acted, user=staff, action="Appel au frère.")
    record(staff, visit, activity_status=Activity.STOPPED)
    assert kinds(visit) == {Alert.Kind.UNREACHABLE, Alert.Kind.ACTIVITY_STOPPED}
    record(staff, visit, activity_status=Activity.STOPPED)  # again: nothing twice
    assert visit.alerts.count() == 2


def test_recording_a_visit_through_its_page_raises_the_alert(client_for, staff, visit):
    response = client_for(staff).post(reverse("grants:visit_update", args=[visit.pk]), {
        "visited_on": "2025-01-08", "activity_status": Activity.ACTIVE, "jobs_created": "0",
        "beneficiary_unreachable": "on",
    })
    assert response.status_code == 302
    assert kinds(visit) == {Alert.Kind.UNREACHABLE}
    visit.refresh_from_db()
    assert visit.beneficiary_unreachable


def test_the_list_shows_open_alerts_of_the_users_prefectures_only(
    client_for, staff, temara, rabat
):
    mine = AlertFactory(visit__project__beneficiary__prefecture=temara)
    closed = AlertFactory(visit__project__beneficiary__prefecture=temara, kind=Alert.Kind.UNREACHABLE)
    services.record_alert_action(alert=closed, user=staff, action="Retrouvé.", close=True)
    other = AlertFactory(visit__project__beneficiary__prefecture=rabat)
    response = client_for(staff).get(reverse("grants:alert_list"))
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [mine]
    response = client_for(staff).get(reverse("grants:alert_list"), {"state": "all"})
    assert set(response.context["object_list"]) == {mine, closed}
    assert other not in response.context["object_list"]


def test_the_list_filters_by_kind_and_search(client_for, staff, temara):
    missing = AlertFactory(visit__project__beneficiary__prefecture=temara)
    unreachable = AlertFactory(visit__project__beneficiary__prefecture=temara, kind=Alert.Kind.UNREACHABLE)
    client = client_for(staff)
    response = client.get(reverse("grants:alert_list"), {"kind": Alert.Kind.UNREACHABLE})
    assert list(response.context["object_list"]) == [unreachable]
    reference = missing.visit.project.reference
    response = client.get(reverse("grants:alert_list"), {"q": reference})
    assert list(response.context["object_list"]) == [missing]


def test_an_alert_of_another_prefecture_is_a_404(client_for, outsider_officer, temara):
    alert = AlertFactory(visit__project__beneficiary__prefecture=temara)
    response = client_for(outsider_officer).get(reverse("grants:alert_detail", args=[alert.pk]))
    assert response.status_code == 404


def test_staff_record_the_action_and_close_the_alert(client_for, staff, temara):
    alert = AlertFactory(visit__project__beneficiary__prefecture=temara)
    url = reverse("grants:alert_detail", args=[alert.pk])
    client = client_for(staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "Équipement retrouvé chez un voisin.", "close": "on"}, follow=True)
    assert "alerte est close" in response.content.decode() or "alert is closed" in response.content.decode()
    alert.refresh_from_db()
    assert (alert.action, alert.action_by, alert.is_open) == (
        "Équipement retrouvé chez un voisin.", staff, False)
    assert alert.action_at is not None


def test_an_empty_action_is_refused_and_nothing_is_saved(client_for, staff, temara):
    alert = AlertFactory(visit__project__beneficiary__prefecture=temara)
    response = client_for(staff).post(
        reverse("grants:alert_detail", args=[alert.pk]), {"action": "  ", "close": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    alert.refresh_from_db()
    assert alert.is_open and alert.action == ""


def test_an_officer_reads_the_alert_but_may_not_act(client_for, officer, temara):
    alert = AlertFactory(visit__project__beneficiary__prefecture=temara)
    url = reverse("grants:alert_detail", args=[alert.pk])
    client = client_for(officer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "Vu."}).status_code == 403
    alert.refresh_from_db()
    assert alert.action == ""


def test_the_dashboard_counts_the_open_alerts_in_scope(client_for, staff, temara, rabat):
    AlertFactory(visit__project__beneficiary__prefecture=temara)
    AlertFactory(visit__project__beneficiary__prefecture=rabat)
    response = client_for(staff).get(reverse("dashboard"))
    assert response.context["open_alerts"] == 1


def test_the_migration_raises_alerts_for_the_risky_visits_already_recorded(temara):
    project = launched(temara)
    risky = FollowUpVisitFactory(project=project, visited_on=datetime.date(2025, 1, 8),
                                 activity_status=Activity.STOPPED, reincarcerated=True)
    FollowUpVisitFactory(project=project, visited_on=datetime.date(2025, 2, 8),
                         activity_status=Activity.ACTIVE)
    FollowUpVisitFactory(project=project, activity_status="", equipment_missing=False)  # planned
    migration = importlib.import_module("followup.migrations.0004_alerts_from_visits")
    migration.forwards(django_apps, None)
    migration.forwards(django_apps, None)  # twice: nothing more
    assert kinds(risky) == {Alert.Kind.ACTIVITY_STOPPED, Alert.Kind.REINCARCERATED}
    assert Alert.objects.count() == 2
    migration.backwards(django_apps, None)
    assert not Alert.objects.exists()


def test_an_auditor_sees_no_re_incarceration_alert(client_for, auditor, temara):
    missing = AlertFactory(visit__project__beneficiary__prefecture=temara)
    jailed = AlertFactory(visit__project__beneficiary__prefecture=temara, kind=Alert.Kind.REINCARCERATED)
    client = client_for(auditor)
    response = client.get(reverse("grants:alert_list"))
    assert list(response.context["object_list"]) == [missing]
    assert client.get(reverse("grants:alert_detail", args=[jailed.pk])).status_code == 404
