from urllib.parse import urlencode

from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect
from django.urls import reverse

from .two_factor import has_authenticator, requires_two_factor

# Pages an administrator or officer may open before entering their code: the way out
# and the way in. Public pages (login, certificate verification, ...) are exempt by
# their @login_not_required mark, like for LoginRequiredMiddleware.
EXEMPT_VIEWS = {
    "logout",
    "set_language",
    "security:otp_setup",
    "security:otp_verify",
    "security:recovery_codes",
}


class OTPRequiredMiddleware:
    """Send administrators and prefecture officers who have not entered a one-time code
    in this session to the code page (or, without an authenticator yet, to its set-up).

    Comes after django_otp's OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        user = request.user
        if not requires_two_factor(user) or user.is_verified():
            return None
        target = "security:otp_verify" if has_authenticator(user) else "security:otp_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class MalformedQuery(SuspiciousOperation):
    """A query string no page of the application sends (answered 400, logged by
    django.security)."""


# The Django admin's date drill-down (`?<field>__year=2024&<field>__month=12`): the values
# its own links send. Django turns them into dates catching ValueError only, so a 24-digit
# year (OverflowError) or the year 9999 (whose next year does not exist) was a 500 on every
# admin list with a `date_hierarchy`, ours and the libraries' (axes).
DRILL_DOWN = {"__year": (1, 9998), "__month": (1, 12), "__day": (1, 31)}


class MalformedRequestMiddleware:
    """Answer 400 to a request that no page of the application makes:

    - a path or query string holding a NUL character (`%00`): PostgreSQL refuses it in
      any text it is sent, so a view or admin list that looks the value up (a
      certificate's token, an admin filter) failed with a 500. Posted forms are left to
      their fields, which refuse NUL with a translated error (Django's
      ProhibitNullCharactersValidator);
    - a date drill-down of an admin list (see DRILL_DOWN) that is not a date's part.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            raise MalformedQuery("NUL character in the URL")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace != "admin" or not (match.url_name or "").endswith("_changelist"):
            return None
        for name, values in request.GET.lists():
            for suffix, (low, high) in DRILL_DOWN.items():
                if name.endswith(suffix) and not all(_number_within(v, low, high) for v in values):
                    raise MalformedQuery(f"admin date drill-down {name}")
        return None


def _number_within(value: str, low: int, high: int) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 4 and low <= int(value) <= high
