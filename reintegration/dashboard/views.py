"""The dashboard and the convention report: composition above every app; it writes only
its own snapshots of the figures (services.py)."""

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from cases.selectors import case_figures
from followup.selectors import open_alerts
from grants.models import Convention
from grants.reports import convention_report, render_report_pdf, render_report_xlsx
from reintegration.audit.models import AccessLog, log_access
from reintegration.common.bidi import isolate
from reintegration.common.dates import format_date
from reintegration.common.exports import XLSX_CONTENT_TYPE
from reintegration.common.pdf import pdf_response

from . import ledger
from .figures import MILESTONES, present
from .forms import DashboardFilterForm
from .inbox import inbox
from .services import page_figures


def _bar(labels, datasets, kind="bar", **options) -> dict:
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": str(label), "data": [float(value or 0) for value in values]}
            for label, values in datasets
        ],
        **options,
    }


def chart_data(figures: dict) -> dict:
    """What `static/js/dashboard.js` draws; the tables beside show the same numbers."""
    beneficiaries, projects = figures["beneficiaries"], figures["projects"]
    conventions, trend = figures["conventions"], figures["trend"]
    overall = figures["outcomes"]["overall"]
    count = gettext_lazy("Count")
    return {
        "beneficiaries_status": _bar(
            [label for label, _n in beneficiaries["by_status"]],
            [(count, [n for _label, n in beneficiaries["by_status"]])],
        ),
        "beneficiaries_sex": _bar(
            [label for label, _n in beneficiaries["by_sex"]],
            [(count, [n for _label, n in beneficiaries["by_sex"]])], kind="doughnut",
        ),
        "projects_status": _bar(
            [label for label, _n in projects["by_status"]],
            [(count, [n for _label, n in projects["by_status"]])],
        ),
        "projects_sector": _bar(
            [label for label, _n in projects["by_sector"]],
            [(count, [n for _label, n in projects["by_sector"]])], indexAxis="y",
        ),
        "conventions": _bar(
            # Isolated: a chart of an Arabic page lays its labels out right to left.
            [isolate(convention.reference) for convention in conventions],
            [
                (_("Committed (DH)"), [c.committed for c in conventions]),
                (_("Disbursed (DH)"), [c.disbursed for c in conventions]),
                (_("Remaining (DH)"), [c.remaining for c in conventions]),
            ],
        ),
        "trend": _bar(
            [format_date(month, "month") for month in trend["months"]],
            [(_("Submissions"), trend["submitted"]), (_("Approvals"), trend["approved"])],
            kind="line",
        ),
        "outcomes": _bar(
            [_("%(months)s months") % {"months": months} for months in MILESTONES],
            [(_("Still running (%)"), [m["share"] for m in overall.milestones])],
            max=100,
        ),
    }


class DashboardView(PermissionRequiredMixin, TemplateView):
    permission_required = "beneficiaries.view_beneficiary"
    raise_exception = True
    template_name = "dashboard/dashboard.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        user = self.request.user
        query = self.request.GET.copy()
        refresh = query.pop("refresh", None) is not None
        form = DashboardFilterForm(query or None, user=user)
        filters = form.filters()
        page = page_figures(user, filters, refresh=refresh)
        figures = present(page.figures, cut=page.national and not filters.convention)
        query["refresh"] = "1"
        return super().get_context_data(
            **kwargs,
            form=form,
            filters=filters,
            figures=figures,
            computed_at=page.computed_at,
            # The oldest figures a page may show (whole minutes, rounded up).
            max_age_minutes=-(-settings.DASHBOARD_CACHE_SECONDS // 60),
            refresh_query=query.urlencode(),
            charts=chart_data(figures),
            milestones=MILESTONES,
            overall_outcomes=[figures["outcomes"]["overall"]],
            trend_rows=list(zip(
                figures["trend"]["months"], figures["trend"]["submitted"],
                figures["trend"]["approved"], strict=True,
            )),
            cases=case_figures(user, prefecture=filters.prefecture),
            open_alerts=open_alerts(user, prefecture=filters.prefecture).count(),
            crumbs=[(_("Dashboard"), None)],
        )


class ConventionReportView(PermissionRequiredMixin, View):
    """`?format=pdf` (default) or `?format=xlsx`: the INDH report of one convention."""

    permission_required = "grants.view_convention"
    raise_exception = True
    http_method_names = ["get", "head", "options"]

    def get(self, request, pk):
        convention = get_object_or_404(Convention.objects.visible_to(request.user), pk=pk)
        report_format = request.GET.get("format", "pdf")
        if report_format not in ("pdf", "xlsx"):
            raise Http404
        report = convention_report(convention)
        if report_format == "pdf":
            log_access(request, AccessLog.Action.PDF, convention, detail="convention report")
            return pdf_response(render_report_pdf(report), inline=False)
        log_access(request, AccessLog.Action.EXPORT, convention, detail="convention report (xlsx)")
        target, filename = render_report_xlsx(report)
        return FileResponse(
            target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )


class ConventionLedgerView(PermissionRequiredMixin, TemplateView):
    """The ledger of one convention, recomputed from its rows: its figures beside those
    its pages show, each breach of the rules with its figures, and its projects' spending
    against their approved amounts (`manage.py check_ledger` for one convention). For the
    officers and staff of its prefecture, the auditors and the admins."""

    permission_required = "grants.view_convention"
    raise_exception = True
    template_name = "dashboard/convention_ledger.html"
    http_method_names = ["get", "head", "options"]
    projects_per_page = 50

    def get_context_data(self, **kwargs):
        convention = get_object_or_404(
            Convention.objects.visible_to(self.request.user).select_related("partner", "prefecture"),
            pk=self.kwargs["pk"],
        )
        report = ledger.check(conventions=[convention])
        figures = report.conventions[convention.pk]
        breaches = [b for b in report.breaches if b.convention_id in (None, convention.pk)]
        flagged = {breach.subject for breach in breaches}
        projects = sorted(
            (p for p in report.projects.values() if p.convention_id == convention.pk),
            key=lambda project: project.reference,
        )
        for project in projects:
            project.flagged = project.reference in flagged
        # The projects in breach first: they are what the page is read for.
        projects.sort(key=lambda project: not project.flagged)
        page = Paginator(projects, self.projects_per_page).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            **kwargs,
            convention=convention,
            figures=figures,
            breaches=breaches,
            notes=report.notes,
            projects=page.object_list,
            page_obj=page,
            checked_at=timezone.now(),
            crumbs=[(_("Conventions"), reverse("grants:convention_list")),
                    (convention.reference, convention.get_absolute_url()), (_("Ledger"), None)],
        )


def report_url(convention: Convention, report_format: str = "pdf") -> str:
    return f"{reverse('dashboard:convention_report', args=[convention.pk])}?format={report_format}"


@require_safe
def home(request):
    """The home page: who the user is, their work inbox and where to go."""
    user = request.user
    return render(request, "home.html", {
        "prefectures": user.prefectures.select_related("region"),
        "inbox": inbox(user),
    })
