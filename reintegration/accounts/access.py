"""A user's role and permissions, read in one query.

Every page needs the user's role (the one-time-code check, the scope, the menu) and
their permissions (the view's own check, the menu): Django reads the groups, the user's
own permissions and their groups' permissions in three queries. `load_access` reads
the three at once, on the first need, and leaves them where `User.role` and
`ModelBackend` look for them: on this request's user object. Nothing is kept between
requests, so removing someone from a group takes effect on their next page, as before.
"""

from functools import cache

from django.contrib.auth.models import Group, Permission
from django.db import connections, router
from django.db.models import CharField, Value

# Stands for the user's id while the query is written once (see `_access_sql`).
_ANY_USER = 0


def load_access(user) -> frozenset[str]:
    """The names of `user`'s groups; their permissions and the user's own are kept in
    ModelBackend's caches on the way (not for superusers, who hold every permission
    and are left to ModelBackend)."""
    names = getattr(user, "_group_names", None)
    if names is not None:
        return names
    alias = router.db_for_read(Group)
    sql, user_params = _access_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user.pk] * user_params)
        rows = cursor.fetchall()
    group_names, group_perms, user_perms = set(), set(), set()
    for group, app_label, codename in rows:
        if group is None:
            user_perms.add(f"{app_label}.{codename}")
            continue
        group_names.add(group)
        if codename is not None:  # a group without any permission still names a role
            group_perms.add(f"{app_label}.{codename}")
    user._group_names = frozenset(group_names)
    if not user.is_superuser:
        user._user_perm_cache = user_perms
        user._group_perm_cache = group_perms
    return user._group_names


@cache
def _access_sql(alias: str) -> tuple[str, int]:
    """The SQL of the query, written by the ORM once per process (it took 1.4 ms on
    every page, longer than the database takes to answer), and how many of its
    parameters are the user's id: its only parameters."""
    of_groups = Group.objects.filter(user=_ANY_USER).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    ).order_by()
    own = Permission.objects.filter(user=_ANY_USER).values_list(
        Value(None, output_field=CharField()), "content_type__app_label", "codename"
    ).order_by()
    sql, params = of_groups.union(own, all=True).query.get_compiler(alias).as_sql()
    if any(param != _ANY_USER for param in params):
        raise AssertionError(f"Unexpected parameters in the access query: {params!r}")
    return sql, len(params)
