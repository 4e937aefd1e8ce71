"""What must happen whoever makes the change (Django admin, a script, a service): a
deactivated account is logged out everywhere at once; a deleted file leaves nothing
that identifies the person in its history."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from beneficiaries.models import Beneficiary

from .anonymisation import scrub_deleted_beneficiary
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


@receiver(post_delete, sender=Beneficiary, dispatch_uid="security_scrub_deleted_beneficiary")
def scrub_deleted_file(sender, instance, **kwargs):
    """A deleted file's history keeps its versions (django-simple-history writes one
    more for the deletion, before this runs): what identified the person goes from
    them, whoever deletes it (Django admin, a script)."""
    scrub_deleted_beneficiary(instance)
