"""A deactivated account is logged out everywhere at once, whoever deactivates it
(Django admin, a script, a service)."""

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .sessions import end_sessions_of


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="security_note_deactivation")
def note_deactivation(sender, instance, **kwargs):
    instance._security_deactivated = False
    if instance.pk is None or instance.is_active:
        return
    was_active = sender.objects.filter(pk=instance.pk, is_active=True).exists()
    instance._security_deactivated = was_active


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="security_end_sessions")
def end_sessions_on_deactivation(sender, instance, created, **kwargs):
    if getattr(instance, "_security_deactivated", False):
        # Same transaction: if the deactivation is rolled back, the sessions stay.
        end_sessions_of(instance)
