"""Who must log in with a one-time code, and the devices that produce those codes.

Administrators and prefecture officers approve money (and admins can do anything), so
a stolen password alone must not be enough for them: they add a time-based code from
an authenticator app (TOTP), or one of their single-use recovery codes.
"""

import time

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration.accounts.roles import Role

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"

# When the session last passed the code page, for the decisions that want a code typed
# just before them (a supplier's new bank account): the login's code may be hours old.
VERIFIED_AT_SESSION_KEY = "security_otp_verified_at"
DEFAULT_FRESH_CODE_SECONDS = 5 * 60


def requires_two_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    return bool(
        user.is_superuser
        or user.is_staff
        or user.has_role(Role.ADMIN, Role.PREFECTURE_OFFICER)
    )


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user) -> TOTPDevice:
    """The unconfirmed device shown on the set-up page, made once and reused until the
    user confirms it with a first code (so reloading the page keeps the same QR)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_authenticator(*, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator and issue fresh recovery codes, returned once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def group_secret(secret: str) -> str:
    """`JBSWY3DPEHPK3PXP` -> `JBSW Y3DP EHPK 3PXP`, easier to type by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def fresh_code_seconds() -> int:
    """How long a code entered on the code page counts as fresh (setting
    FRESH_CODE_SECONDS): five minutes, time to read a request and decide, too short
    for a session left open on an unattended desk."""
    return int(getattr(settings, "FRESH_CODE_SECONDS", DEFAULT_FRESH_CODE_SECONDS))


def note_code_entered(session) -> None:
    session[VERIFIED_AT_SESSION_KEY] = time.time()


def code_entered_at(session) -> float | None:
    """When this session last passed the code page (a Unix time), or None."""
    value = session.get(VERIFIED_AT_SESSION_KEY)
    return float(value) if isinstance(value, int | float) else None


def has_fresh_code(request) -> bool:
    """The user passed the code page in this session within `fresh_code_seconds()`."""
    entered = code_entered_at(request.session)
    return (
        request.user.is_authenticated
        and getattr(request.user, "is_verified", lambda: False)()
        and entered is not None
        and 0 <= time.time() - entered <= fresh_code_seconds()
    )
