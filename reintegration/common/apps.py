from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "reintegration.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self):
        from .storage import connect_file_cleanup

        connect_file_cleanup()
