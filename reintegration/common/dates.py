"""The one date format of each language, for pages, PDFs, e-mails and messages.

- Short: day/month/year with two digits ("06/12/2024") in French, Arabic and English, so
  that a date reads the same way on every page (Django's Arabic short format put
  right-to-left marks between the parts, which turned it into "2024/12/06" beside dates
  written without them; Django's English one is American, month first).
- Long, for documents: "6 décembre 2024", "6 دجنبر 2024", "6 December 2024".

Arabic month names: those of Morocco's administration (يناير، فبراير، مارس، أبريل، ماي،
يونيو، يوليوز، غشت، شتنبر، أكتوبر، نونبر، دجنبر), as the Bulletin officiel and the
ministries date their texts, and as CLDR records them for Arabic in Morocco (`ar_MA`):
the certificates are Moroccan documents. Django's `ar` locale has the Egyptian ones
(مايو، يوليو، أغسطس، سبتمبر، نوفمبر، ديسمبر), which a Moroccan reader does not use.
The names come from CLDR through Babel (a well-kept library that carries the data of
every locale, so nothing is typed by hand here); digits stay Western Arabic ("6", not
"٦"), as `ar_MA` has them and as Moroccan documents print them.
"""

import datetime
from functools import cache

from babel.dates import get_month_names
from django.utils import timezone
from django.utils.translation import get_language

# The CLDR locale of each language of the application.
LOCALES = {"fr": "fr_FR", "ar": "ar_MA", "en": "en_GB"}


def _language(language: str | None) -> str:
    code = (language or get_language() or "fr")[:2]
    return code if code in LOCALES else "fr"


@cache
def month_names(language: str) -> dict[int, str]:
    """{1: "janvier", …} ({1: "يناير", …} in Arabic) in the form used after a day."""
    return dict(get_month_names("wide", context="format", locale=LOCALES[language]))


@cache
def standalone_month_names(language: str) -> dict[int, str]:
    """The month alone or before a year ("décembre 2024", "دجنبر 2024")."""
    return dict(get_month_names("wide", context="stand-alone", locale=LOCALES[language]))


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def format_date(value, style: str = "short", language: str | None = None) -> str:
    """`date(2024, 12, 6)` -> "06/12/2024" (short) or "6 décembre 2024" (long, in
    `language`, the active one by default). "" for None."""
    if value in (None, ""):
        return ""
    value = _as_date(value)
    if style == "short":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if style == "long":
        return f"{value.day} {month_names(_language(language))[value.month]} {value.year}"
    if style == "month":
        return f"{standalone_month_names(_language(language))[value.month]} {value.year}"
    raise ValueError(f"Unknown date style {style!r}")


def format_datetime(value) -> str:
    """A moment in local time: "06/12/2024 14:05" (24 hours, every language)."""
    if value in (None, ""):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_date(value.date())} {value.hour:02d}:{value.minute:02d}"
