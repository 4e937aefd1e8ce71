"""Django admin of the follow-up visits, for administrators: a visit written or deleted
here refreshes its projects' outcomes, as the staff pages do."""

from django.contrib import admin

from grants.models import Project
from reintegration.audit.admin import PersonalDataAdminMixin
from reintegration.common.admin import HistoryAdmin

from .models import Alert, FollowUpVisit
from .services import refresh_outcome, refresh_outcomes, sync_alerts


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(PersonalDataAdminMixin, HistoryAdmin):  # notes and photo of the visit
    list_display = ["project", "due_on", "visited_on", "visitor", "activity_status", "monthly_revenue"]
    list_filter = [
        "activity_status", "equipment_missing", "activity_closed", "reincarcerated",
        "beneficiary_unreachable",
    ]
    search_fields = ["project__reference", "notes"]
    list_select_related = ["project", "visitor"]
    autocomplete_fields = ["project", "visitor"]
    date_hierarchy = "due_on"

    # A visit written here (also by reverting its history) changes what the dashboard
    # counts for its project, and for the project it was moved from: the same refresh as
    # the staff pages, in the admin's transaction.
    def save_model(self, request, obj, form, change):
        before = FollowUpVisit.objects.filter(pk=obj.pk).values_list("project", flat=True).first()
        super().save_model(request, obj, form, change)
        sync_alerts(visit=obj)
        refresh_outcomes(projects=Project.objects.filter(pk__in={obj.project_id, before} - {None}))

    def delete_model(self, request, obj):
        project = obj.project
        super().delete_model(request, obj)
        refresh_outcome(project=project)

    def delete_queryset(self, request, queryset):
        projects = set(queryset.values_list("project", flat=True))
        super().delete_queryset(request, queryset)
        refresh_outcomes(projects=Project.objects.filter(pk__in=projects))


@admin.register(Alert)
class AlertAdmin(HistoryAdmin):
    list_display = ["visit", "kind", "raised_on", "action_by", "action_at", "closed_at"]
    list_filter = ["kind", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["visit__project__reference", "action"]
    list_select_related = ["visit__project", "action_by"]
    autocomplete_fields = ["visit", "action_by"]
    date_hierarchy = "raised_on"
