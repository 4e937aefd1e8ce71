from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read only: jobs are made and moved by their tasks (reintegration/jobs/services.py)."""

    list_display = ["title", "kind", "status", "done", "total", "started_by", "created_at", "finished_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["title", "started_by__username", "public_id"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
