"""Reads that more than one page needs: who may see what, and possible duplicates."""

from django.db.models import QuerySet

from reintegration.accounts.roles import Role

from .models import Beneficiary

# Roles whose work needs the full national ID, the date of birth, the detention record
# and the documents; the auditor checks figures and procedures with the masked number.
PERSONAL_DATA_ROLES = (Role.ADMIN, Role.FOUNDATION_STAFF, Role.PREFECTURE_OFFICER)


def may_see_personal_data(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(*PERSONAL_DATA_ROLES)))


def beneficiary_with_same_cin(cin: str, *, exclude: Beneficiary | None = None) -> Beneficiary | None:
    """The file already holding this national ID number, whoever may see it."""
    if not cin:
        return None
    found = Beneficiary.objects.filter(cin=cin).select_related("prefecture")
    if exclude is not None and exclude.pk:
        found = found.exclude(pk=exclude.pk)
    return found.first()


def beneficiaries_with_same_name_and_birth_date(
    *, first_name: str, last_name: str, birth_date, exclude: Beneficiary | None = None
) -> QuerySet:
    found = Beneficiary.objects.filter(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        birth_date=birth_date,
    ).select_related("prefecture")
    if exclude is not None and exclude.pk:
        found = found.exclude(pk=exclude.pk)
    return found
