from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Sequence(models.Model):
    """A named counter that only goes up: file, order and certificate numbers are
    taken from it, so a number is never given twice, even after a deletion."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    last_value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


def next_value(name: str) -> int:
    """Take the next value of the sequence `name`, safely under concurrency.

    The row lock is held until the caller's transaction ends, so two transactions
    asking for the same sequence are served one after the other.
    """
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        sequence = Sequence.objects.select_for_update().get(name=name)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
        return sequence.last_value


def next_number(prefix: str, year: int, width: int) -> str:
    """`next_number("BEN", 2024, 5)` -> "BEN-2024-00042", sequential per prefix and year."""
    value = next_value(f"{prefix}-{year}")
    return f"{prefix}-{year}-{value:0{width}d}"
