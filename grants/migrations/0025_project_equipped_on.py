"""A project's `equipped_on`: the day its equipment was handed over, before which it cannot
be launched. Existing equipped projects take the day of their move to `equipped` (a launch
recorded earlier keeps its date: the day it names caps the handover's); those handed over
at a held ceremony take the ceremony's date (ceremonies 0013)."""

from django.db import migrations, models
from django.utils import timezone


def from_events(apps, schema_editor):
    Project = apps.get_model("grants", "Project")
    ProjectEvent = apps.get_model("grants", "ProjectEvent")
    equipped = {}
    for project_id, at in (
        ProjectEvent.objects.filter(to_status="equipped").order_by("at", "pk").values_list("project_id", "at")
    ):
        equipped[project_id] = timezone.localdate(at)
    for project in Project.objects.filter(pk__in=list(equipped)).only("pk", "launched_on").iterator():
        day = equipped[project.pk]
        if project.launched_on is not None and project.launched_on < day:
            day = project.launched_on
        Project.objects.filter(pk=project.pk).update(equipped_on=day)


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0024_committee_sessions_from_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalproject",
            name="equipped_on",
            field=models.DateField(blank=True, null=True, verbose_name="equipment handed over on"),
        ),
        migrations.AddField(
            model_name="project",
            name="equipped_on",
            field=models.DateField(blank=True, null=True, verbose_name="equipment handed over on"),
        ),
        migrations.RunPython(from_events, migrations.RunPython.noop),
    ]
