"""The work inbox of the home page: per role and scope, each line a count and a link to
the list showing those rows; the counts in one query whatever the data."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary, BeneficiaryDocument
from cases.models import Grievance
from ceremonies.models import Ceremony
from followup.models import Alert, FollowUpVisit
from grants.models import Amendment, DasOpinion, Project
from procurement.models import PurchaseOrder, SupplierBankChange
from reintegration.accounts.models import User
from reintegration.dashboard.inbox import LINES, inbox

from . import factories as f

pytestmark = pytest.mark.django_db

Status = Project.Status


def counts(client, user) -> dict[str, int]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {entry.key: entry.count for entry in response.context["inbox"]}


def seed(prefecture, today, size=1):
    """Rows of every kind the inbox counts, `size` of each, in `prefecture`."""
    for _ in range(size):
        f.BeneficiaryFactory(prefecture=prefecture, consent_signed_on=None)
        convention = f.ConventionFactory(prefecture=prefecture)
        beneficiary = f.BeneficiaryFactory(prefecture=prefecture)
        f.ProjectFactory(beneficiary=beneficiary, status=Status.RETURNED)
        f.ProjectFactory(beneficiary__prefecture=prefecture, status=Status.APPROVED,
                         convention=convention, approved_amount=Decimal("50000.00"))
        submitted = f.ProjectFactory(beneficiary__prefecture=prefecture, status=Status.SUBMITTED,
                                     submitted_at=timezone.now() - datetime.timedelta(days=3))
        f.DasOpinionFactory(project=submitted, opinion=DasOpinion.Opinion.FAVOURABLE)
        f.ProjectFactory(beneficiary__prefecture=prefecture, status=Status.SUBMITTED,
                         submitted_at=timezone.now())
        f.CeremonyFactory(prefecture=prefecture, status=Ceremony.Status.PLANNED)
        active = f.ProjectFactory(beneficiary__prefecture=prefecture, status=Status.ACTIVE,
                                  convention=convention, approved_amount=Decimal("50000.00"),
                                  launched_on=today - datetime.timedelta(days=200))
        f.FollowUpVisitFactory(project=active, due_on=today - datetime.timedelta(days=3))
        f.FollowUpVisitFactory(project=active, due_on=today + datetime.timedelta(days=10))
        f.FollowUpVisitFactory(project=active, due_on=today + datetime.timedelta(days=20))
        f.AlertFactory(visit__project=active)
        f.AmendmentFactory(project=active)
        f.GrievanceFactory(beneficiary__prefecture=prefecture, raised_on=today - datetime.timedelta(days=30),
                           due_on=today - datetime.timedelta(days=1))
        f.PurchaseOrderFactory(convention=convention, status=PurchaseOrder.Status.SENT)


def recount(user, today) -> dict[str, int]:
    """The inbox's figures, computed again by other paths: Python over the rows."""
    from reintegration.accounts.scope import scope_filter

    def scoped(model, path):
        return list(scope_filter(model.objects.all(), user, path))

    beneficiaries = scoped(Beneficiary, "prefecture")
    projects = scoped(Project, "prefecture")
    visits = [v for v in scoped(FollowUpVisit, "project__prefecture")
              if v.visited_on is None and v.project.status == Status.ACTIVE]
    docs = {(d.beneficiary_id, d.kind) for d in BeneficiaryDocument.objects.all()}
    required = (BeneficiaryDocument.Kind.ID_COPY, BeneficiaryDocument.Kind.RELEASE_CERTIFICATE)
    opinions = list(DasOpinion.objects.all())

    def opinion_since(project, favourable=None):
        return any(o.project_id == project.pk and o.at >= project.submitted_at
                   and (favourable is None or o.opinion == DasOpinion.Opinion.FAVOURABLE)
                   for o in opinions)

    return {
        "incomplete_files": sum(
            1 for b in beneficiaries if b.status == Beneficiary.Status.REGISTERED
            and (not b.has_consent or any((b.pk, kind) not in docs for kind in required))),
        "returned_projects": sum(1 for p in projects if p.status == Status.RETURNED),
        "projects_to_order": sum(
            1 for p in projects if p.status == Status.APPROVED
            and not p.equipment_items.filter(purchase_order__isnull=False).exists()),
        "orders_awaiting_delivery": sum(
            1 for o in scoped(PurchaseOrder, "convention__prefecture")
            if o.status == PurchaseOrder.Status.SENT),
        "ceremonies_to_prepare": sum(
            1 for c in scoped(Ceremony, "prefecture") if c.status == Ceremony.Status.PLANNED),
        "visits_overdue": sum(1 for v in visits if v.due_on < today),
        "visits_due_soon": sum(1 for v in visits if today <= v.due_on <= today + datetime.timedelta(days=14)),
        "open_alerts": sum(1 for a in scoped(Alert, "visit__project__prefecture") if a.closed_at is None),
        "overdue_grievances": sum(
            1 for g in scoped(Grievance, "beneficiary__prefecture")
            if g.status != Grievance.Status.RESOLVED and g.due_on and g.due_on < today),
        "awaiting_das_opinion": sum(
            1 for p in projects if p.status == Status.SUBMITTED and not opinion_since(p)),
        "awaiting_committee": sum(
            1 for p in projects if p.status == Status.SUBMITTED and opinion_since(p, favourable=True)),
        "amendments_to_decide": sum(
            1 for a in scoped(Amendment, "project__prefecture") if a.status == Amendment.Status.REQUESTED),
        "bank_changes": SupplierBankChange.objects.filter(status=SupplierBankChange.Status.PENDING).count(),
    }


STAFF_LINES = [
    "incomplete_files", "returned_projects", "projects_to_order", "orders_awaiting_delivery",
    "ceremonies_to_prepare", "visits_overdue", "visits_due_soon", "open_alerts", "overdue_grievances",
]
OFFICER_LINES = ["awaiting_das_opinion", "awaiting_committee", "amendments_to_decide"]


def test_each_role_sees_its_lines(client_for, staff, officer, auditor, admin_user):
    assert list(counts(client_for(staff), staff)) == STAFF_LINES
    assert list(counts(client_for(officer), officer)) == OFFICER_LINES
    assert list(counts(client_for(admin_user), admin_user)) == [line.key for line in LINES]
    assert counts(client_for(auditor), auditor) == {}


def test_the_counts_are_those_recomputed_in_scope(client_for, staff, officer, admin_user, temara, rabat):
    today = timezone.localdate()
    seed(temara, today, size=2)
    seed(rabat, today)
    f.SupplierBankChangeFactory()
    for user in (staff, officer, admin_user):
        shown = counts(client_for(user), user)
        expected = {key: value for key, value in recount(user, today).items() if key in shown}
        assert shown == expected
    assert counts(client_for(staff), staff)["returned_projects"] == 2  # Témara's only
    assert counts(client_for(admin_user), admin_user)["returned_projects"] == 3


def test_each_line_links_to_its_list_showing_as_many_rows(
    client_for, staff, officer, admin_user, temara, rabat
):
    today = timezone.localdate()
    seed(temara, today, size=2)
    seed(rabat, today)
    f.SupplierBankChangeFactory()
    for user in (staff, officer, admin_user):
        client = client_for(user)
        for entry in client.get(reverse("home")).context["inbox"]:
            response = client.get(entry.url)
            assert response.status_code == 200, entry.url
            context = response.context
            rows = context.get("paginator")
            shown = rows.count if rows is not None else len(context["object_list"])
            assert shown == entry.count, entry.key


def test_the_inbox_costs_the_same_queries_with_more_data(
    client_for, admin_user, temara, rabat, django_assert_max_num_queries
):
    client = client_for(admin_user)
    today = timezone.localdate()
    seed(temara, today)
    client.get(reverse("home"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("home"))
    seed(temara, today, size=3)
    seed(rabat, today, size=2)
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("home"))
    # Four for an administrator when measured: the page's own (session, user, permissions)
    # and every count of the inbox in one.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_counts_take_one_query(staff, temara, django_assert_num_queries):
    seed(temara, timezone.localdate())
    staff.has_perm("beneficiaries.view_beneficiary")  # permissions cached, as on a page
    with django_assert_num_queries(1):  # every count at once
        inbox(staff)


def test_the_demo_users_inboxes_show_the_counts_recomputed_independently(client_for):
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    seen = 0
    demo_users = ["admin", "staff", "staff_rabat", "officer", "officer_rabat"]
    for user in User.objects.filter(username__in=demo_users):
        shown = counts(client_for(user), user)
        assert shown, user.username
        assert shown == {key: value for key, value in recount(user, today).items() if key in shown}
        seen += sum(shown.values())
    assert seen  # the demo gives every inbox something to show
