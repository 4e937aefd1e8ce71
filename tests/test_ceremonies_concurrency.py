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
