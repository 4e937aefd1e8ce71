"""The report of one convention for the INDH (PDF and XLSX).

What the convention funds (its projects from approval on), the amounts committed and
disbursed and who paid them (each partner's share, the beneficiaries' own
contributions), the equipment handed over, the beneficiaries by sex and the jobs created.
The caller fetches the convention through `Convention.objects.visible_to(user)`.
"""

import tempfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from reintegration.common.bidi import isolate
from reintegration.common.exports import write_xlsx
from reintegration.common.pdf import PdfDocument, render_pdf

from .funding import Funding, funding
from .models import (
    ZERO,
    Amendment,
    Convention,
    EquipmentItem,
    Project,
    _sum_subquery,
    line_cost,
    payments,
    visits,
)


@dataclass
class ConventionReport:
    convention: Convention  # annotated with committed, disbursed and remaining
    projects: list[Project]  # annotated with cash_paid, invoiced, handed_over, jobs, amended
    by_sex: list[tuple[str, int]]
    equipment_handed_over: Decimal
    jobs_created: int
    printed_on: object
    funding: Funding

    @property
    def beneficiaries(self) -> int:
        return sum(count for _label, count in self.by_sex)


def funded_projects(convention: Convention):
    latest_visit = visits().objects.filter(
        project=OuterRef("pk"), visited_on__isnull=False
    ).order_by("-visited_on", "-pk")
    # The amount first approved is the one the earliest approved amendment started from.
    first_amendment = Amendment.objects.filter(
        project=OuterRef("pk"), status=Amendment.Status.APPROVED
    ).order_by("decided_at", "pk")
    return (
        Project.objects.filter(convention=convention, status__in=Project.COMMITTED_STATUSES)
        .select_related("beneficiary", "sector")
        .annotate(
            cash_paid=_sum_subquery(payments().objects.filter(project=OuterRef("pk")), "amount"),
            invoiced=_sum_subquery(
                EquipmentItem.objects.filter(project=OuterRef("pk")).invoiced(), "invoiced_amount"
            ),
            handed_over=_sum_subquery(
                EquipmentItem.objects.filter(
                    project=OuterRef("pk"), status=EquipmentItem.Status.HANDED_OVER
                ),
                line_cost(),
            ),
            jobs=Subquery(latest_visit.values("jobs_created")[:1]),
            # By how much amendments moved the approved amount (the report's figures are
            # the final ones; this says they were amended).
            amended=F("approved_amount") - Coalesce(
                Subquery(first_amendment.values("previous_amount")[:1]), F("approved_amount")
            ),
        )
        .order_by("reference")
    )


def convention_report(convention: Convention) -> ConventionReport:
    convention = (
        Convention.objects.with_budget_figures()
        .select_related("partner", "prefecture", "framework_agreement")
        .get(pk=convention.pk)
    )
    projects = list(funded_projects(convention))
    funded = Project.objects.filter(convention=convention, status__in=Project.COMMITTED_STATUSES)
    # Holders and co-beneficiaries of the funded projects, each person once.
    sexes = dict(
        Beneficiary.objects.filter(
            Q(pk__in=funded.values("beneficiary")) | Q(pk__in=funded.values("co_beneficiaries"))
        )
        .order_by()
        .values("sex")
        .annotate(n=Count("pk"))
        .values_list("sex", "n")
    )
    return ConventionReport(
        convention=convention,
        projects=projects,
        by_sex=[(sex.label, sexes.get(sex.value, 0)) for sex in Beneficiary.Sex],
        equipment_handed_over=sum((p.handed_over for p in projects), ZERO),
        jobs_created=sum(p.jobs or 0 for p in projects),
        printed_on=timezone.localdate(),
        funding=funding(convention),
    )


def _filename(report: ConventionReport, extension: str) -> str:
    reference = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.convention.reference)
    return f"rapport-{reference}.{extension}"


def render_report_pdf(report: ConventionReport, language: str | None = None) -> PdfDocument:
    return render_pdf(
        "grants/reports/convention_report.html",
        {
            "report": report,
            "convention": report.convention,
            "foundation_name": settings.FOUNDATION_NAME,
            "cndp_authorisation": settings.CNDP_AUTHORISATION,
            "data_protection_law": settings.DATA_PROTECTION_LAW,
        },
        filename=_filename(report, "pdf"),
        language=language,
    )


def render_report_xlsx(report: ConventionReport):
    """The report as a workbook in an anonymous temporary file, rewound; returns
    `(file, filename)`. Two parts on one sheet: the summary, then one row per project."""
    convention = report.convention
    summary = [
        (_("Convention"), convention.reference),
        (_("Title"), convention.title),
        (_("Title (Arabic)"), convention.title_ar),
        (_("Partner"), str(convention.partner)),
        (_("Prefecture or province"), str(convention.prefecture)),
        (_("Envelope (DH)"), convention.envelope),
        (_("Committed (DH)"), convention.committed),
        (_("Disbursed (DH)"), convention.disbursed),
        (_("Remaining (DH)"), convention.remaining),
        (_("Framework agreement"), convention.framework_agreement.reference
         if convention.framework_agreement else ""),
        *(
            (_("%(partner)s (%(share)s %%): committed, disbursed (DH)") % {
                "partner": part.partner.name, "share": part.share}, part.committed, part.disbursed)
            for part in report.funding.parts
        ),
        (_("Beneficiaries' own contributions (DH)"), report.funding.own_contributions),
        (_("Cost of the projects funded (DH)"), report.funding.total_cost),
        (_("Projects funded"), len(report.projects)),
        (_("Equipment handed over (DH)"), report.equipment_handed_over),
        *((_("Beneficiaries: %(sex)s") % {"sex": label}, count) for label, count in report.by_sex),
        (_("Jobs created"), report.jobs_created),
        (_("Printed on"), report.printed_on),
    ]
    headers = [
        _("Project"), _("Title"), _("Title (Arabic)"), _("Sector"), _("File number"), _("Beneficiary"),
        _("Sex"), _("Status"), _("Approved amount (DH)"), _("Of which amendments (DH)"),
        _("Cash grant paid (DH)"),
        _("Equipment invoiced (DH)"), _("Equipment handed over (DH)"), _("Jobs created"),
    ]
    rows = [
        [
            project.reference, project.title, project.title_ar, str(project.sector),
            project.beneficiary.file_number, project.beneficiary.full_name,
            project.beneficiary.get_sex_display(), project.get_status_display(),
            project.approved_amount, project.amended, project.cash_paid, project.invoiced,
            project.handed_over, project.jobs or 0,
        ]
        for project in report.projects
    ]
    # The summary comes first, then an empty row, then the project table with its headers.
    lines = [[str(label), *values] for label, *values in summary] + [[]] + [
        [str(header) for header in headers]
    ] + rows
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    write_xlsx(lines, [_("Report of convention %(reference)s") % {
        "reference": isolate(convention.reference)
    }], title=convention.reference, target=target)
    target.seek(0)
    return target, _filename(report, "xlsx")
