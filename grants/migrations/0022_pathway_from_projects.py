"""Put every beneficiary's file in the status its projects imply (issue 21).

Before, the status never moved with the projects: the funded people stayed "registered".
Now the project workflow moves it (grants.services.follow_pathway); this migration does
once what those moves would have done:

- a project launched (active): followed up;
- a project approved or equipped: in the programme;
- projects all closed or abandoned, none running: closed (the retention period of law
  09-08 then runs from today, the first day the file is known to be closed);
- a project submitted or returned for correction, on a file still "registered": eligible
  (the submission now requires it).

Each change is written as a history record of the file, with its reason and no author,
so the file's timeline shows it. Reversing the migration gives each of those files back
the status of the record before that one, and deletes the records it wrote.
"""

from django.db import migrations
from django.utils import timezone

REASON = "Parcours aligné sur les projets du dossier (migration grants 0020)."

RUNNING = {"approved", "equipped", "active"}
ENDED = {"closed", "abandoned"}
WAITING = {"submitted", "returned"}


def implied(current, statuses):
    if "active" in statuses:
        return "followed_up"
    if statuses & RUNNING:
        return "in_programme"
    if statuses & ENDED:
        return "closed"
    if statuses & WAITING and current == "registered":
        return "eligible"
    return current


def _history_row(Historical, beneficiary, now):
    names = {field.attname for field in Historical._meta.concrete_fields}
    values = {
        field.attname: getattr(beneficiary, field.attname)
        for field in beneficiary._meta.concrete_fields
        if field.attname in names
    }
    return Historical(
        **values, history_date=now, history_type="~", history_change_reason=REASON,
        history_user_id=None,
    )


def forward(apps, schema_editor):
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    Historical = apps.get_model("beneficiaries", "HistoricalBeneficiary")
    Project = apps.get_model("grants", "Project")
    by_beneficiary = {}
    for beneficiary_id, status in Project.objects.values_list("beneficiary_id", "status"):
        by_beneficiary.setdefault(beneficiary_id, set()).add(status)
    now = timezone.now()
    for beneficiary in Beneficiary.objects.filter(pk__in=by_beneficiary).order_by("pk"):
        target = implied(beneficiary.status, by_beneficiary[beneficiary.pk])
        if target == beneficiary.status:
            continue
        beneficiary.status = target
        beneficiary.closed_at = now if target == "closed" else None
        beneficiary.save(update_fields=["status", "closed_at"])
        _history_row(Historical, beneficiary, now).save()


def backward(apps, schema_editor):
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    Historical = apps.get_model("beneficiaries", "HistoricalBeneficiary")
    for record in Historical.objects.filter(history_change_reason=REASON).order_by("-history_id"):
        before = (
            Historical.objects.filter(id=record.id, history_id__lt=record.history_id)
            .order_by("-history_id").first()
        )
        if before is not None:
            Beneficiary.objects.filter(pk=record.id).update(
                status=before.status, closed_at=before.closed_at
            )
        record.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0021_followup_models_to_followup"),
        ("beneficiaries", "0009_names_in_french_collation"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
