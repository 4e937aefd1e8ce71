from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reintegration.common.collation import LocalisedOrder


class BilingualNameMixin:
    """Shows the Arabic name when the page is in Arabic, the French one otherwise."""

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("ar") and self.name_ar:
            return self.name_ar
        return self.name_fr

    def __str__(self) -> str:
        return self.name


class Region(BilingualNameMixin, models.Model):
    code = models.CharField(_("HCP code"), max_length=2, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)

    class Meta:
        ordering = [LocalisedOrder("name_fr", "name_ar")]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Prefecture(BilingualNameMixin, models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        PROVINCE = "province", _("Province")

    code = models.CharField(_("HCP code"), max_length=6, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="prefectures", verbose_name=_("region")
    )

    class Meta:
        # French collation (Béni Mellal before Berkane), Arabic order in Arabic.
        ordering = [LocalisedOrder("name_fr", "name_ar")]
        verbose_name = _("prefecture or province")
        verbose_name_plural = _("prefectures and provinces")
