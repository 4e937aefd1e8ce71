from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement and cash grants")

    def ready(self):
        # grants sits below: a project's launch schedules its follow-up visits through
        # the hook grants offers, never by importing this app.
        from grants import services

        from .services import schedule_follow_up_visits

        if schedule_follow_up_visits not in services.launch_hooks:
            services.launch_hooks.append(schedule_follow_up_visits)
