"""The authentication backend: Django's, with the role and permissions of `access`."""

from django.contrib.auth.backends import ModelBackend

from .access import load_access


class AccessBackend(ModelBackend):
    """ModelBackend, filling its permission caches with `load_access`'s one query."""

    def _get_permissions(self, user_obj, obj, from_name):
        if (user_obj.is_active and not user_obj.is_anonymous and obj is None
                and not user_obj.is_superuser):
            load_access(user_obj)
        return super()._get_permissions(user_obj, obj, from_name)
