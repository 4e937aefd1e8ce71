"""Who must log in with a one-time code, and the devices that produce those codes.

Administrators and prefecture officers approve money (and admins can do anything), so
a stolen password alone must not be enough for them: they add a time-based code from
an authenticator app (TOTP), or one of their single-use recovery codes.
"""

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration.accounts.roles import Role

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


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
