from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        # grants sits below: a project's launch schedules its visits, and a launch date
        # set or restored refreshes its outcome, through the hooks grants offers.
        from grants import services

        from .services import refresh_outcome, schedule_follow_up_visits

        if schedule_follow_up_visits not in services.launch_hooks:
            services.launch_hooks.append(schedule_follow_up_visits)
        if refresh_outcome not in services.launch_date_hooks:
            services.launch_date_hooks.append(refresh_outcome)
