"""The guests' four old kinds become protocol categories (ceremonies 0008), and back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("ceremonies", "0007_ceremony_title_ar")]
AFTER = [("ceremonies", "0008_guest_category")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_the_old_guest_kinds_map_to_categories_and_back(temara):
    old = migrate(BEFORE)
    ceremonies, guests = old.get_model("ceremonies", "Ceremony"), old.get_model("ceremonies", "Guest")
    common = {"held_on": datetime.date(2024, 12, 6), "place": "Témara", "prefecture_id": temara.pk,
              "presided_by": "M. le Gouverneur", "presided_by_title": "Gouverneur"}
    held = ceremonies.objects.create(title="Tenue", status="held", **common)
    planned = ceremonies.objects.create(title="Prévue", status="planned", **common)
    for kind in ("authority", "press", "partner", "other"):
        guests.objects.create(ceremony=held, name=f"held-{kind}", kind=kind)
    guests.objects.create(ceremony=planned, name="planned-authority", kind="authority")
    try:
        new = migrate(AFTER)
        rows = dict(new.get_model("ceremonies", "Guest").objects.values_list("name", "category"))
        assert rows == {"held-authority": "local_authority", "held-press": "press",
                        "held-partner": "partner", "held-other": "other",
                        "planned-authority": "local_authority"}
        attendance = dict(new.get_model("ceremonies", "Guest").objects.values_list("name", "attendance"))
        assert attendance["held-press"] == "present" and attendance["planned-authority"] == "invited"
        new.get_model("ceremonies", "Guest").objects.filter(name="held-other").update(category="magistrature")

        back = migrate(BEFORE)
        kinds = dict(back.get_model("ceremonies", "Guest").objects.values_list("name", "kind"))
        assert kinds["held-other"] == "authority" and kinds["held-press"] == "press"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
