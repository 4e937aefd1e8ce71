"""Columns of the grants' lists when exported (reintegration.common.exports)."""

from django.utils.translation import gettext_lazy as _

from beneficiaries.selectors import may_see_personal_data
from reintegration.common.exports import Column

PROJECT_COLUMNS = [
    Column(_("Reference"), "reference"),
    Column(_("Title"), "title"),
    Column(_("Title (Arabic)"), "title_ar"),
    Column(_("File number"), "beneficiary.file_number"),
    Column(_("Beneficiary"), "beneficiary.full_name"),
    Column(_("Sector"), lambda project: str(project.sector)),
    Column(_("Prefecture or province"), "prefecture.name"),
    Column(_("Convention"), "convention.reference"),
    Column(_("Status"), "get_status_display"),
    Column(_("Requested amount (DH)"), "requested_amount"),
    Column(_("Approved amount (DH)"), "approved_amount"),
    Column(_("Cash grant (DH)"), "cash_grant_amount"),
    Column(_("Equipment (DH)"), "equipment_value"),
    Column(_("Submitted at"), "submitted_at"),
    Column(_("Launched on"), "launched_on"),
]

CONVENTION_COLUMNS = [
    Column(_("Reference"), "reference"),
    Column(_("Title"), "title"),
    Column(_("Title (Arabic)"), "title_ar"),
    Column(_("Partner"), "partner.name"),
    Column(_("Prefecture or province"), "prefecture.name"),
    Column(_("INDH phase"), "indh_phase"),
    Column(_("INDH programme"), "get_indh_programme_display"),
    Column(_("Signed on"), "signed_on"),
    Column(_("Starts on"), "starts_on"),
    Column(_("Ends on"), "ends_on"),
    Column(_("Status"), "get_status_display"),
    Column(_("Envelope (DH)"), "envelope"),
    Column(_("Committed (DH)"), "committed"),
    Column(_("Disbursed (DH)"), "disbursed"),
    Column(_("Remaining (DH)"), "remaining"),
]

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
    Column(_("Re-incarcerated"), "reincarcerated", only_for=may_see_personal_data),
    Column(_("Notes"), "notes", only_for=may_see_personal_data),
]
