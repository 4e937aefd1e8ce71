"""The four roles of DESIGN.md, as Django groups, and the permissions each holds.

The groups themselves are created by a data migration; their permissions are
(re)applied after every migrate, so a model added later gets its permissions without
anyone editing a migration.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    ADMIN = "admin", _("Administrator")
    FOUNDATION_STAFF = "foundation_staff", _("Foundation staff")
    PREFECTURE_OFFICER = "prefecture_officer", _("Prefecture officer")
    AUDITOR = "auditor", _("Auditor")


NATIONAL_ROLES = {Role.ADMIN, Role.AUDITOR}

# app_label -> models each role may add/change/view ("*" is every model of the app).
# "view" is given on every model of the listed apps; "add"/"change" only where named
# ("model:add" for the one action: staff ask for amendments, officers decide them).
_STAFF_WRITES = {
    "beneficiaries": ["beneficiary", "beneficiarydocument", "penitentiaryestablishment"],
    "grants": ["project", "equipmentitem", "amendment:add"],
    "procurement": ["supplier", "purchaseorder", "quote", "disbursement", "supplierbankchange"],
    "ceremonies": ["*"],
    "followup": ["followupvisit", "alert:change"],
    "cases": ["*"],
}
_OFFICER_WRITES = {
    "grants": ["review", "amendment:change", "dasopinion", "committeesession", "committeedecision"],
}
_READ_APPS = [
    "territories", "beneficiaries", "grants", "procurement", "ceremonies", "followup", "cases",
]


def permissions_for(role: str, perms):
    """Return the subset of `perms` (Permission queryset) that `role` holds."""
    if role == Role.ADMIN:
        return list(perms)
    chosen = []
    for perm in perms:
        app = perm.content_type.app_label
        model = perm.content_type.model
        action = perm.codename.split("_", 1)[0]
        if action == "view" and app in _READ_APPS:
            chosen.append(perm)
            continue
        if role == Role.AUDITOR:
            if action == "view" and app == "audit":
                chosen.append(perm)
            continue
        writes = _STAFF_WRITES if role == Role.FOUNDATION_STAFF else _OFFICER_WRITES
        models = writes.get(app, [])
        if action in {"add", "change"} and (
            "*" in models or model in models or f"{model}:{action}" in models
        ):
            chosen.append(perm)
    return chosen


def sync_role_permissions(sender=None, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.using(using).select_related("content_type")
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        group.permissions.set(permissions_for(role, perms))
