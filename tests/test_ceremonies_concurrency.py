"""Two ceremonies held at the same moment never share a certificate number (PostgreSQL)."""

import pytest
from django.db import connection

from ceremonies import services
from ceremonies.models import Handover

from .concurrency import at_the_same_time
from .test_ceremonies import planned_ceremony, ready_project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def test_two_ceremonies_held_at_once_get_distinct_consecutive_numbers(staff):
    first = planned_ceremony(staff, *[ready_project(last_name=f"Alami{n}") for n in range(3)])
    second = planned_ceremony(
        staff, *[ready_project(last_name=f"Bennani{n}") for n in range(3)], title="Seconde cérémonie"
    )

    outcomes = at_the_same_time(
        lambda: services.hold_ceremony(ceremony=first, user=staff),
        lambda: services.hold_ceremony(ceremony=second, user=staff),
    )

    assert outcomes == [None, None]
    numbers = sorted(Handover.objects.values_list("certificate_number", flat=True))
    assert numbers == [f"AGR-2024-{n:06d}" for n in range(1, 7)]
    # Each ceremony's numbers are a run: one transaction held the sequence at a time.
    for ceremony in (first, second):
        values = sorted(int(n[-6:]) for n in ceremony.handovers.values_list("certificate_number", flat=True))
        assert values == list(range(values[0], values[0] + 3))


def test_the_same_ceremony_held_twice_at_once_is_held_once(staff):
    ceremony = planned_ceremony(staff, ready_project(), ready_project(last_name="Amrani"))

    outcomes = at_the_same_time(
        lambda: services.hold_ceremony(ceremony=ceremony, user=staff),
        lambda: services.hold_ceremony(ceremony=ceremony, user=staff),
    )

    assert sum(outcome is None for outcome in outcomes) == 1
    assert Handover.objects.count() == 2


def test_a_project_added_to_two_ceremonies_at_once_goes_to_one_and_the_other_is_told_why(staff):
    from django.core.exceptions import ValidationError

    project = ready_project()
    first = planned_ceremony(staff)
    second = planned_ceremony(staff, title="Seconde cérémonie")

    outcomes = at_the_same_time(
        lambda: services.add_projects(ceremony=first, projects=[project], user=staff),
        lambda: services.add_projects(ceremony=second, projects=[project], user=staff),
    )

    assert sorted(outcome is None for outcome in outcomes) == [False, True]
    refused = next(outcome for outcome in outcomes if outcome is not None)
    assert isinstance(refused, ValidationError)
    assert "Déjà sur une autre cérémonie prévue" in refused.message_dict["projects"][0]
    assert project.reference in refused.message_dict["projects"][0]
    assert project.ceremonies.count() == 1
    # The ceremony that has it is then held without a fault.
    winner = project.ceremonies.get()
    services.hold_ceremony(ceremony=winner, user=staff)
    assert Handover.objects.filter(project=project).count() == 1
