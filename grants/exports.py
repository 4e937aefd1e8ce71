"""Columns of the grants' lists when exported (reintegration.common.exports)."""

from django.utils.translation import gettext_lazy as _

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
