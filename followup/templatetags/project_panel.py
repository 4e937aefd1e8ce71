"""`{% load project_panel %}{% procurement_panel project as panel %}`: what the project
page shows of its equipment orders, cash grant and follow-up visits, loaded in a few
queries (here, above both procurement and the visits)."""

import datetime

from django import template
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUpVisit
from grants.models import ZERO, EquipmentItem, Project
from grants.services import may_act
from procurement.services import DISBURSABLE_STATUSES

register = template.Library()


@register.simple_tag(takes_context=True)
def procurement_panel(context, project: Project) -> dict:
    user = context["request"].user
    today = timezone.localdate()
    # Three queries, none when the project page already prefetched these relations.
    prefetch_related_objects(
        [project],
        Prefetch("equipment_items", queryset=EquipmentItem.objects.select_related("purchase_order")),
        "disbursements",
        Prefetch("visits", queryset=FollowUpVisit.objects.select_related("visitor")),
    )
    lines = sorted(project.equipment_items.all(), key=lambda line: line.pk)
    disbursements = sorted(project.disbursements.all(), key=lambda payment: (payment.paid_on, payment.pk))
    visits = sorted(
        project.visits.all(),
        key=lambda visit: (visit.due_on or visit.visited_on or datetime.date.max, visit.pk),
    )
    paid = sum((payment.amount for payment in disbursements), ZERO)
    # What the approved amount still leaves (grants.models, "the ledger").
    available = (project.approved_amount or ZERO) - paid - sum(
        (line.cost for line in lines if line.purchase_order_id), ZERO
    )
    pending = [visit for visit in visits if visit.visited_on is None]
    stopped = any(
        visit.activity_status == FollowUpVisit.ActivityStatus.STOPPED or visit.activity_closed
        for visit in visits
    )
    may_order = (
        user.has_perm("procurement.add_purchaseorder")
        and project.status == Project.Status.APPROVED
        and project.convention_id is not None
        and any(line.purchase_order_id is None and line.status == EquipmentItem.Status.PLANNED
                for line in lines)
    )
    return {
        "lines": lines,
        "equipment_total": sum((line.total for line in lines), ZERO),
        "delivered_count": sum(line.status in EquipmentItem.DELIVERED_STATUSES for line in lines),
        "disbursements": disbursements,
        "paid": paid,
        "remaining": project.cash_grant_amount - paid,
        "visits": visits,
        "visits_done": len(visits) - len(pending),
        "visits_overdue": sum(1 for visit in pending if visit.due_on and visit.due_on < today),
        "today": today,
        "stopped": stopped,
        "may_order": may_order,
        "order_url": reverse("grants:purchase_order_create_lines", args=[project.convention_id])
        if may_order else None,
        "may_pay": user.has_perm("procurement.add_disbursement")
        and project.status in DISBURSABLE_STATUSES
        and project.cash_grant_amount - paid > 0 and available > 0,
        "may_visit": user.has_perm("followup.change_followupvisit")
        and project.status == Project.Status.ACTIVE,
        # A stopped activity is abandoned through the workflow (grants.services), with a reason.
        "abandon_url": reverse("grants:project_abandon", args=[project.public_id])
        if stopped and project.status == Project.Status.ACTIVE and may_act(user, "abandon", project)
        else None,
    }
