from html import escape as escape_html

from django import template
from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeData, SafeString

from reintegration.common.bidi import direction
from reintegration.common.bidi import isolate as isolate_text
from reintegration.common.dates import format_date, format_datetime
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


@register.filter
def bdi(value, dir=None):  # noqa: A002 - the HTML attribute's name
    """{{ project.reference|bdi }} -> <bdi dir="ltr">PRJ-2026-00004</bdi>: the value laid
    out on its own, in its own direction, whatever the text around it
    (reintegration/common/bidi.py). `|bdi:"ltr"` forces the direction. Escapes the value
    unless it is already safe HTML (then the direction is read from its text)."""
    if value is None or value == "":
        return ""
    if isinstance(value, SafeData) or hasattr(value, "__html__"):
        html = conditional_escape(value)
        text = strip_tags(html)
    else:
        # Escaped here without Django's lazy wrappers: a list page isolates a hundred values.
        text = str(value)
        html = escape_html(text)
    if dir not in ("ltr", "rtl"):
        dir = direction(text)  # noqa: A001
    return SafeString(f'<bdi dir="{dir}">{html}</bdi>')


@register.filter
def isolate(value, dir=None):  # noqa: A002 - as the bdi filter names it
    """{{ reference|isolate }}: the value between LRI or RLI and PDI characters, for plain
    text (e-mails) and for text that CSS copies out of its element (a PDF's running
    footer, `string-set`), where a `<bdi>` element would be lost. Escaped as usual."""
    return isolate_text(value, dir if dir in ("ltr", "rtl") else None)


@register.filter
def short_date(value):
    """{{ ceremony.held_on|short_date }} -> "06/12/2024" in every language."""
    return format_date(value, "short")


@register.filter
def long_date(value):
    """{{ ceremony.held_on|long_date }} -> "6 décembre 2024", "6 دجنبر 2024"."""
    return format_date(value, "long")


@register.filter
def month_year(value):
    """{{ month|month_year }} -> "décembre 2024", "دجنبر 2024"."""
    return format_date(value, "month")


@register.filter
def short_datetime(value):
    """{{ event.at|short_datetime }} -> "06/12/2024 14:05" (local time)."""
    return format_datetime(value)
