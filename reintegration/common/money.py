"""The one money format of the application."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

NBSP = "\u00a0"  # keeps "18 500,00" in one piece, also inside right-to-left text


def format_amount(value, language: str | None = None) -> str:
    """`Decimal("500000")` -> "500 000,00" (fr, ar) or "500,000.00" (en)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    language = (language or get_language() or "fr")[:2]
    if language == "en":
        return f"{sign}{','.join(groups)}.{cents}"
    return f"{sign}{NBSP.join(groups)},{cents}"


def format_money(value, language: str | None = None) -> str:
    """`Decimal("500000")` -> "500 000,00 DH"; in Arabic "500 000,00 درهم"."""
    if value is None or value == "":
        return ""
    # Translators: the currency after an amount, e.g. "500 000,00 DH".
    currency = _("DH")
    return f"{format_amount(value, language)}{NBSP}{currency}"
