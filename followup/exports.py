"""Columns of the visit list when exported (reintegration.common.exports)."""

from django.utils.translation import gettext_lazy as _

from beneficiaries.selectors import may_see_personal_data
from reintegration.common.exports import Column

# The notes and a re-incarceration belong to the person's record: roles that need it only.
VISIT_COLUMNS = [
    Column(_("Project"), "project.reference"),
    Column(_("Beneficiary"), "project.beneficiary.full_name"),
    Column(_("Prefecture or province"), "project.prefecture.name"),
    Column(_("Due on"), "due_on"),
    Column(_("Visited on"), "visited_on"),
    Column(_("Visitor"), lambda visit: visit.visitor.get_full_name() if visit.visitor else ""),
    Column(_("Activity status"), "get_activity_status_display"),
    Column(_("Monthly revenue (DH)"), "monthly_revenue"),
    Column(_("Jobs created"), "jobs_created"),
    Column(_("Next visit on"), "next_visit_on"),
    Column(_("Equipment sold or missing"), "equipment_missing"),
    Column(_("Activity closed"), "activity_closed"),
    Column(_("Beneficiary unreachable"), "beneficiary_unreachable"),
    Column(_("Re-incarcerated"), "reincarcerated", only_for=may_see_personal_data),
    Column(_("Notes"), "notes", only_for=may_see_personal_data),
]
