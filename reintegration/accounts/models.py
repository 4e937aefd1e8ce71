from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reintegration.territories.models import Prefecture

from .access import load_access
from .roles import Role


class User(AbstractUser):
    prefectures = models.ManyToManyField(
        Prefecture,
        blank=True,
        related_name="users",
        verbose_name=_("prefectures"),
        help_text=_("The territorial scope of foundation staff and prefecture officers."),
    )
    language = models.CharField(
        _("preferred language"), max_length=5, blank=True,
        help_text=_("Used for the e-mails the application sends to this user."),
    )

    # Who changed a user's roles, scope or activity, and when (never the password hash).
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=[prefectures])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def role(self) -> Role | None:
        """The user's role: the first of their groups that is a role (a user has one)."""
        if self.is_superuser:
            return Role.ADMIN
        if "groups" in getattr(self, "_prefetched_objects_cache", {}):
            names = {group.name for group in self.groups.all()}
        else:
            names = load_access(self)  # with the permissions, in one query
        for role in Role:
            if role.value in names:
                return role
        return None

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else str(_("No role"))

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles
