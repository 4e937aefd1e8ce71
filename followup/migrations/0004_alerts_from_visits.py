"""An alert for each risk the visits already recorded signal, as `record_visit` now
raises them (`FollowUpVisit.risk_kinds`), open. Backwards removes the alerts on which
nobody has acted."""

from django.db import migrations
from django.db.models import Q

# kind -> the visits that signal it (the rules of `FollowUpVisit.risk_kinds`).
RISKS = {
    "equipment_missing": Q(equipment_missing=True),
    "activity_stopped": Q(activity_status="stopped") | Q(activity_closed=True),
    "activity_in_difficulty": Q(activity_status="struggling") & Q(activity_closed=False),
    "unreachable": Q(beneficiary_unreachable=True),
    "reincarcerated": Q(reincarcerated=True),
}


def forwards(apps, schema_editor):
    visit_model = apps.get_model("followup", "FollowUpVisit")
    alert_model = apps.get_model("followup", "Alert")
    for kind, risk in RISKS.items():
        visits = visit_model.objects.filter(risk, visited_on__isnull=False).exclude(alerts__kind=kind)
        alert_model.objects.bulk_create(
            alert_model(visit_id=pk, kind=kind, raised_on=visited_on)
            for pk, visited_on in visits.values_list("pk", "visited_on").iterator(chunk_size=2000)
        )


def backwards(apps, schema_editor):
    apps.get_model("followup", "Alert").objects.filter(action="").delete()


class Migration(migrations.Migration):
    dependencies = [("followup", "0003_alerts")]

    operations = [migrations.RunPython(forwards, backwards)]
