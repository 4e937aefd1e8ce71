"""The projects handed over at a held ceremony take its date as their `equipped_on`
(grants 0025), unless a launch recorded earlier names an earlier day."""

from django.db import migrations


def from_ceremonies(apps, schema_editor):
    Handover = apps.get_model("ceremonies", "Handover")
    Project = apps.get_model("grants", "Project")
    handed = Handover.objects.filter(revoked_at__isnull=True, ceremony__status="held").values_list(
        "project_id", "ceremony__held_on", "project__launched_on"
    )
    for project_id, held_on, launched_on in handed.iterator():
        day = held_on if launched_on is None or launched_on >= held_on else launched_on
        Project.objects.filter(pk=project_id).update(equipped_on=day)


class Migration(migrations.Migration):

    dependencies = [
        ("ceremonies", "0012_cash_on_the_day"),
        ("grants", "0025_project_equipped_on"),
    ]

    operations = [
        migrations.RunPython(from_ceremonies, migrations.RunPython.noop),
    ]
