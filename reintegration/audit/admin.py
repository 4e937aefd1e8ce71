from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR

from .models import AccessLog, log_access


class PersonalDataAdminMixin:
    """Django admin pages of personal files write the access log as the application's
    pages do (SECURITY.md: every read of a full file is accounted for):

    - the change page, the history page and a past version of the record (whenever one
      is shown: also a form sent back with an error): "Full file displayed", the record;
    - the list, when `list_shows_personal_data` (names, national IDs): "List of files
      displayed", with the search and filters typed and the number of rows shown — a
      search by national ID is a look-up of that identity; so is a search in the
      autocomplete boxes of other admins' forms (a project's beneficiary), logged alike.

    Put it first among the bases of a `HistoryAdmin` (reintegration/common/admin.py)."""

    list_shows_personal_data = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._log(request, response, (getattr(response, "context_data", None) or {}).get("original"), "admin")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.history_version_shown = version_id
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        # django-simple-history renders both its history pages here, without a
        # TemplateResponse: the record shown is read from their context.
        response = super().render_history_view(request, template, context, **kwargs)
        if "original" in context:
            version = getattr(request, "history_version_shown", "")
            self._log(request, response, context["original"], f"admin history, version {version}")
        else:
            self._log(request, response, context.get("object"), "admin history")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        change_list = (getattr(response, "context_data", None) or {}).get("cl")
        if self.list_shows_personal_data and response.status_code == 200 and change_list is not None:
            query = request.GET.copy()
            query.pop(PAGE_VAR, None)
            log_access(
                request, AccessLog.Action.LIST,
                detail=f"admin list {self.model._meta.label}, "
                       f"{len(change_list.result_list)} shown: {query.urlencode()}",
            )
        return response

    def get_search_results(self, request, queryset, search_term):
        results = super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if search_term and match is not None and match.url_name == "autocomplete":
            log_access(
                request, AccessLog.Action.LIST,
                detail=f"admin autocomplete {self.model._meta.label}: {search_term}",
            )
        return results

    def _log(self, request, response, obj, detail: str) -> None:
        if response.status_code == 200 and isinstance(obj, self.model):
            log_access(request, AccessLog.Action.VIEW, obj, detail=detail)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Readable and searchable by admins and auditors; never editable or deletable."""

    list_display = ["at", "user", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["user__username", "object_id", "detail", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
