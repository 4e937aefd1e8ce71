"""Columns of the ceremonies' list when exported (reintegration.common.exports)."""

from django.utils.translation import gettext_lazy as _

from reintegration.common.exports import Column

CEREMONY_COLUMNS = [
    Column(_("Date"), "held_on"),
    Column(_("Title"), "title"),
    Column(_("Title (Arabic)"), "title_ar"),
    Column(_("Place"), "place"),
    Column(_("Prefecture or province"), "prefecture.name"),
    Column(_("Presided by"), "presided_by"),
    Column(_("Title of the person presiding"), "presided_by_title"),
    Column(_("Convention"), "convention.reference"),
    Column(_("Status"), "get_status_display"),
    Column(_("Projects"), "project_count"),
    Column(_("Certificates"), "handover_count"),
    Column(_("Equipment value (DH)"), "equipment_value"),
]
