from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

from reintegration.common.pagination import ListPaginator

from .filters import AccessLogFilter
from .models import AccessLog


class AccessLogListView(PermissionRequiredMixin, FilterView):
    """Search the access log (admins and auditors). Read only: the application has no
    view that changes or deletes an entry."""

    permission_required = "audit.view_accesslog"
    raise_exception = True
    filterset_class = AccessLogFilter
    queryset = AccessLog.objects.select_related("user")
    template_name = "audit/accesslog_list.html"
    paginate_by = 50
    # Tens of millions of rows over the years: counted up to 20 pages ("20+"), never
    # the whole log (reintegration/audit/partitions.py).
    paginator_class = ListPaginator
    http_method_names = ["get", "head", "options"]

    def get_paginator(self, *args, **kwargs):
        return super().get_paginator(*args, count_limit=20 * self.paginate_by, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, crumbs=[(_("Access log"), None)])
