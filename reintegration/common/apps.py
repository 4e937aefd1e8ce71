from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "reintegration.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self):
        from .collation import register_sqlite_collations
        from .storage import connect_file_cleanup

        connect_file_cleanup()
        # Before any query: SQLite knows PostgreSQL's ICU collations by the same names.
        connection_created.connect(register_sqlite_collations, dispatch_uid="sqlite-icu-collations")
