"""Demo follow-up: the first visits of the projects launched in the demo (the Rabat one of
`procurement.demo`), up to today. Runs last; safe to run twice (a project with a recorded
visit is skipped). Through `followup.services`, as a user would.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grants.models import Project
from procurement.demo import RABAT, TEMARA
from reintegration.demo.console import console_language

from . import services
from .models import FollowUpVisit


def seed(users, stdout) -> None:
    visits = _record_visits(users)
    with console_language():
        stdout.write(_("Follow-up: %(visits)s.") % {
            "visits": ngettext("%(count)s visit recorded", "%(count)s visits recorded", visits)
            % {"count": visits},
        })


VISIT_NOTES = [
    (FollowUpVisit.ActivityStatus.ACTIVE, Decimal("6500.00"), 1,
     "Activité lancée, clientèle de quartier fidèle. Équipement en bon état."),
    (FollowUpVisit.ActivityStatus.STRUGGLING, Decimal("1800.00"), 0,
     "Local mal situé, peu de passage. Conseils donnés sur la vente au marché hebdomadaire."),
    (FollowUpVisit.ActivityStatus.ACTIVE, Decimal("9200.00"), 2,
     "Deux apprentis embauchés. Projet d'extension à l'étude."),
]


def _record_visits(users) -> int:
    """The first visits of each launched project, up to today, once."""
    today = timezone.localdate()
    recorded = 0
    projects = Project.objects.filter(
        status=Project.Status.ACTIVE, launched_on__isnull=False,
        prefecture__code__in=[TEMARA, RABAT],
    ).order_by("reference")
    for project in projects:
        if project.visits.filter(visited_on__isnull=False).exists():
            continue
        visitor = users["staff"] if project.prefecture.code == TEMARA else users["staff_rabat"]
        due = project.visits.filter(
            visited_on__isnull=True, due_on__lte=today - datetime.timedelta(days=2)
        ).order_by("due_on")
        for visit, (status, revenue, jobs, notes) in zip(list(due), VISIT_NOTES, strict=False):
            services.record_visit(
                visit=visit, user=visitor, visited_on=visit.due_on + datetime.timedelta(days=2),
                activity_status=status, monthly_revenue=revenue, jobs_created=jobs, notes=notes,
            )
            recorded += 1
    return recorded
