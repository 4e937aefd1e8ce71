from django import template

from reintegration.common.money import format_amount, format_money

register = template.Library()


@register.filter
def money(value):
    """{{ project.approved_amount|money }} -> "500 000,00 DH"."""
    return format_money(value)


@register.filter
def amount(value):
    """The figure without the currency, for table cells under a "DH" header."""
    return format_amount(value)


@register.filter
def percent_of(part, whole):
    """Share of `whole` that `part` is, 0-100, for progress bars."""
    try:
        return max(0, min(100, round(float(part) * 100 / float(whole))))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0
