"""Validators that know Moroccan identifiers (sources: shared identifier_rules.json)."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ma import ice as stdnum_ice

CIN_RE = re.compile(r"^[A-Z]{1,2}[1-9][0-9]{0,6}$")
ARABIC_RE = re.compile(r"^[\u0600-\u06FF\u0750-\u077F\s'\-]+$")
LATIN_NAME_RE = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ\s'\-\.]+$")


def normalise_cin(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def validate_cin(value: str) -> None:
    if value and not CIN_RE.match(value):
        raise ValidationError(
            _("A national ID number is one or two letters followed by up to seven digits, "
              "the first not 0 (e.g. AB123456)."),
            code="invalid_cin",
        )


def normalise_phone(value: str) -> str:
    """Return the number in E.164 (+2126XXXXXXXX); raise ValidationError if it is not
    a Moroccan fixed or mobile number."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "MA")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 212
        or not phonenumbers.is_valid_number(number)
        or str(number.national_number)[0] not in "567"
    ):
        raise ValidationError(
            _("Enter a Moroccan phone number: 0 or +212, then 5, 6 or 7 and eight digits."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """A Moroccan phone number (the stored E.164 form passes)."""
    normalise_phone(value)


def validate_arabic_name(value: str) -> None:
    if value and not ARABIC_RE.match(value):
        raise ValidationError(_("Write this name in Arabic script."), code="not_arabic")


def validate_arabic_text(value: str) -> None:
    """A title or designation printed in the Arabic half of the documents: it starts with
    an Arabic word (Latin names and numbers may follow)."""
    from .bidi import RTL, direction

    if value and direction(value) != RTL:
        raise ValidationError(_("Start this text with an Arabic word: it is printed in the "
                                "Arabic half of the documents."), code="not_arabic")


def validate_latin_name(value: str) -> None:
    if value and not LATIN_NAME_RE.match(value):
        raise ValidationError(_("Write this name in Latin letters."), code="not_latin")


def validate_ice(value: str) -> None:
    """15 digits whose whole number is divisible by 97; placeholder runs refused."""
    if not value:
        return
    if not value.isdigit() or len(value) != 15 or len(set(value)) == 1:
        raise ValidationError(_("An ICE is 15 digits."), code="invalid_ice")
    try:
        stdnum_ice.validate(value)
    except StdnumError:
        raise ValidationError(
            _("This ICE's control digits are wrong: check the number."), code="invalid_ice"
        ) from None


def rib_key(first22: str) -> str:
    """The two-digit key of a RIB whose first 22 digits (bank, town, account) are `first22`:
    97 - ((those 22 digits × 100) mod 97), so that the whole 24-digit number is divisible
    by 97 (sources: shared identifier_rules.json)."""
    return f"{97 - (int(first22) * 100) % 97:02d}"


def validate_rib(value: str) -> None:
    """24 digits ending with their key (`rib_key`). python-stdnum 2.2 knows no Moroccan
    RIB (only the ICE), hence this check."""
    if not value:
        return
    if not value.isdigit() or len(value) != 24:
        raise ValidationError(_("A RIB is 24 digits."), code="invalid_rib")
    if rib_key(value[:22]) != value[22:]:
        raise ValidationError(
            _("This RIB's key is wrong: check the number."), code="invalid_rib"
        )
