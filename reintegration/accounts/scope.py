"""The one place that decides what a user may see.

Every model's `visible_to(user)` queryset method calls `scope_filter`; views, exports,
PDFs and searches go through those methods. Objects outside the scope are simply not
in the queryset, so `get_object_or_404` answers 404 and nothing leaks their existence.
"""

from django.db.models import QuerySet

from .roles import NATIONAL_ROLES


def is_national(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in NATIONAL_ROLES)
    )


def scope_filter(queryset: QuerySet, user, prefecture_path: str = "prefecture") -> QuerySet:
    """Restrict `queryset` to the rows whose prefecture (at `prefecture_path`) the user
    may see: everything for national roles, their prefectures for the others, nothing
    for anonymous or inactive users."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_national(user):
        return queryset
    if user.role is None:
        return queryset.none()
    return queryset.filter(**{f"{prefecture_path}__in": user.prefectures.values("pk")})
