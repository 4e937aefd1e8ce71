from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "reintegration.security"
    label = "security"
    verbose_name = _("Security and privacy")

    def ready(self):
        from . import signals  # noqa: F401
