from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases: grievances, referrals, transfers")

    def ready(self):
        # The file's timeline (beneficiaries/timeline.py) reads this app's entries through
        # its registry: beneficiaries imports nothing from here.
        from beneficiaries.timeline import register_source

        from .timeline import case_entries

        register_source(case_entries)
