from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """Who read, downloaded, exported or printed which personal file, and from where.

    Written by `log_access`; never changed or deleted through the application.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Full file displayed")
        DOWNLOAD = "download", _("Document downloaded")
        EXPORT = "export", _("Export")
        PDF = "pdf", _("PDF generated")
        IMPORT = "import", _("Import")
        LOOKUP = "lookup", _("Duplicate check found a file")
        LIST = "list", _("List of files displayed")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
        related_name="access_logs", verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True, db_index=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type} {self.object_id}"


def _entry(request, action: str, obj, detail: str) -> AccessLog:
    object_type = obj._meta.label if obj is not None else ""
    object_id = ""
    if obj is not None:
        object_id = str(getattr(obj, "public_id", None) or obj.pk)
    return AccessLog(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:255],
        ip_address=request.META.get("REMOTE_ADDR") or None,
        path=request.get_full_path()[:500],
    )


def log_access(request, action: str, obj=None, detail: str = "") -> AccessLog:
    """Record that `request.user` did `action` on `obj` (or on a list, for exports)."""
    entry = _entry(request, action, obj, detail)
    entry.save()
    return entry


def log_accesses(request, action: str, entries) -> list[AccessLog]:
    """`log_access` for many objects at once: `entries` are (object, detail) pairs."""
    return AccessLog.objects.bulk_create(
        [_entry(request, action, obj, detail) for obj, detail in entries]
    )
