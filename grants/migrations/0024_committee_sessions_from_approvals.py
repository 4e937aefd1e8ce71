"""Keep today's approvals valid: each approval made before committee sessions existed
becomes a decision of the session its typed minutes name (issue 21).

Until now the officer approved a project and typed the CPDH committee's minutes number
and date on it. The approved projects sharing a prefecture and a minutes number were
decided by one session: that session is created (dated by its earliest typed date,
members not recorded, recorded by nobody), with one "approved" decision per project, its
convention and approved amount, and the reason of its approval review. The projects
themselves do not change: their convention, approved amount and commitment stay as they
are (the envelope was committed at their approval; nothing is committed again).

A funded project without a typed minutes number (an admin's correction) stays valid as it
is, without a session. Reversing deletes the sessions made here (the only ones recorded
by nobody) and their decisions.
"""

from django.db import migrations

FUNDED = ["approved", "equipped", "active", "closed", "abandoned"]
REASON = "Approbation antérieure à l'enregistrement des sessions du comité."


def forward(apps, schema_editor):
    Project = apps.get_model("grants", "Project")
    Review = apps.get_model("grants", "Review")
    CommitteeSession = apps.get_model("grants", "CommitteeSession")
    CommitteeDecision = apps.get_model("grants", "CommitteeDecision")
    projects = (
        Project.objects.filter(status__in=FUNDED, convention__isnull=False, approved_amount__gt=0,
                               committee_decision_on__isnull=False)
        .exclude(committee_minutes_number="")
        .order_by("prefecture_id", "committee_minutes_number", "pk")
    )
    sessions = {}
    for project in projects:
        key = (project.prefecture_id, project.committee_minutes_number.strip())
        session = sessions.get(key)
        if session is None:
            session = sessions[key] = CommitteeSession.objects.create(
                prefecture_id=project.prefecture_id, minutes_number=key[1],
                held_on=project.committee_decision_on, members="", recorded_by=None,
            )
        elif project.committee_decision_on < session.held_on:
            session.held_on = project.committee_decision_on
            session.save(update_fields=["held_on"])
        review = (
            Review.objects.filter(project=project, decision="approve").order_by("-at", "-pk").first()
        )
        CommitteeDecision.objects.create(
            session=session, project=project, decision="approve", convention_id=project.convention_id,
            amount=project.approved_amount, reason=review.reason if review else REASON,
        )


def backward(apps, schema_editor):
    CommitteeSession = apps.get_model("grants", "CommitteeSession")
    CommitteeDecision = apps.get_model("grants", "CommitteeDecision")
    made_here = CommitteeSession.objects.filter(recorded_by__isnull=True)
    CommitteeDecision.objects.filter(session__in=made_here).delete()
    made_here.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0023_das_opinion_and_committee_session"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
