from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "reintegration.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_fresh
        from .roles import sync_role_permissions

        user_logged_in.connect(mark_session_fresh, dispatch_uid="mark_session_fresh")

        # Permissions of models added by later migrations exist only after
        # post_migrate, so the groups get theirs there, on every migrate.
        post_migrate.connect(sync_role_permissions, dispatch_uid="sync_role_permissions")
