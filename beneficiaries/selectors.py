"""Reads that more than one page needs: who may see what, and possible duplicates."""

from dataclasses import dataclass

from django.db.models import QuerySet

from reintegration.accounts.roles import Role
from reintegration.audit.models import AccessLog, log_accesses

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


# --- duplicate checks across prefectures ----------------------------------------------
#
# To refuse a second file for the same person, a check reads the whole register, beyond
# the user's prefectures; what it finds outside them is told as "a file exists in another
# prefecture", never whose or where (the user may not open it). Even that much is
# personal data: every check that finds a file is written to the access log, with the
# file found, so that each file's log shows who learnt of it. A check that finds nothing
# tells nothing about anyone held and is not logged.

BY_CIN = "national ID number"
BY_NAME_AND_BIRTH_DATE = "name and date of birth"


@dataclass(frozen=True)
class Lookup:
    """A duplicate check that found `found`, looking it up by `by`."""

    found: Beneficiary
    by: str
    in_scope: bool

    @property
    def detail(self) -> str:
        where = "in the user's prefectures" if self.in_scope else "in another prefecture"
        return f"duplicate check by {self.by}: file found {where}"


def lookups_for(user, found: list[Beneficiary], by: str) -> list[Lookup]:
    visible = set(
        Beneficiary.objects.visible_to(user)
        .filter(pk__in=[beneficiary.pk for beneficiary in found]).values_list("pk", flat=True)
    ) if found else set()
    return [Lookup(found=beneficiary, by=by, in_scope=beneficiary.pk in visible) for beneficiary in found]


def log_lookups(request, lookups: list[Lookup]) -> None:
    if lookups:
        log_accesses(request, AccessLog.Action.LOOKUP, [(lookup.found, lookup.detail) for lookup in lookups])
