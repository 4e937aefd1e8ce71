"""Login throttling: django-axes records the failures, this handler weighs three counts.

django-axes writes each failed login (user name, address, browser) and refuses logins
while the failures within the cool-off time (AXES_COOLOFF_TIME) reach the limit. It
compares every count with one limit, but a prefecture office behind one address and a
guesser behind a thousand need different ones; so three counts, each with its limit:

- this user name from this address: AXES_FAILURE_LIMIT, someone guessing from one place;
- this user name from any address: LOGIN_FAILURE_LIMIT_PER_ACCOUNT, one account guessed
  from many addresses. An address from which the account logged in successfully within
  LOGIN_KNOWN_ADDRESS_DAYS is spared this count, so someone guessing elsewhere cannot
  shut the owner out of their own office;
- this address for any user name: LOGIN_FAILURE_LIMIT_PER_ADDRESS, common passwords
  tried against many accounts (password spraying).

No lock is permanent: failures made while locked are not recorded
(AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off), so a lock ends at the latest one
cool-off time after the failure that set it. A successful login clears the failures of
its own user name from its own address only: logging in to one's own account does not
wipe an address's failures on the others.
"""

import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone


def known_address(username: str, address: str) -> bool:
    """Whether `username` logged in successfully from `address` lately."""
    since = timezone.now() - datetime.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    ).exists()


def scaled(failures: int, limit: int, base: int) -> int:
    """`failures` out of `limit`, told as a count out of `base`: reaches `base` exactly
    when `failures` reaches `limit` (axes compares every count with its one limit)."""
    return failures * base // limit


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        counts = AccessAttempt.objects.filter(
            Q(username=username) | Q(ip_address=address),
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(
            pair=Sum("failures_since_start", filter=Q(username=username, ip_address=address)),
            account=Sum("failures_since_start", filter=Q(username=username)),
            address=Sum("failures_since_start", filter=Q(ip_address=address)),
        )
        base = get_failure_limit(request, credentials)
        weighed = [counts["pair"] or 0]
        if address:
            weighed.append(scaled(counts["address"] or 0, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS, base))
        account = scaled(counts["account"] or 0, settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT, base)
        # The known-address look-up only when the account's count would lock it.
        if username and account >= base and not (address and known_address(username, address)):
            weighed.append(account)
        return max(weighed)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
