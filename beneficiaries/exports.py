"""Columns of the beneficiaries' list when exported (reintegration.common.exports).

Law 09-08: the national ID, the date of birth, contact details and the detention record
go only to the roles whose work needs them; the others get the masked national ID.
"""

from django.utils.translation import gettext_lazy as _

from reintegration.common.exports import Column

from .selectors import may_see_personal_data


def _without_personal_data(user) -> bool:
    return not may_see_personal_data(user)


BENEFICIARY_COLUMNS = [
    Column(_("File number"), "file_number"),
    Column(_("Last name"), "last_name"),
    Column(_("First name"), "first_name"),
    Column(_("Last name (Arabic)"), "last_name_ar"),
    Column(_("First name (Arabic)"), "first_name_ar"),
    Column(_("National ID number (CIN)"), "cin", only_for=may_see_personal_data),
    Column(_("National ID number (masked)"), "masked_cin", only_for=_without_personal_data),
    Column(_("Date of birth"), "birth_date", only_for=may_see_personal_data),
    Column(_("Sex"), "get_sex_display"),
    Column(_("Phone"), "phone", only_for=may_see_personal_data),
    Column(_("Address"), "address", only_for=may_see_personal_data),
    Column(_("Prefecture or province"), "prefecture.name"),
    Column(_("Establishment"), "establishment.name", only_for=may_see_personal_data),
    Column(_("Release date"), "release_date", only_for=may_see_personal_data),
    Column(_("Status"), "get_status_display"),
    Column(_("Consent signed on"), "consent_signed_on"),
    Column(_("Registered on"), "created_at"),
]
