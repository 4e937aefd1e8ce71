from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_safe
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token

from beneficiaries.models import Beneficiary
from reintegration.accounts.roles import Role
from reintegration.audit.models import AccessLog, log_access

from . import privacy
from .forms import TokenForm
from .two_factor import (
    confirm_authenticator,
    group_secret,
    has_authenticator,
    note_code_entered,
    pending_authenticator,
    remaining_recovery_codes,
)

RECOVERY_CODES_SESSION_KEY = "security_new_recovery_codes"


def safe_next(request) -> str:
    """The page to go back to: a path of this site, else the home page. (A bare word such
    as `?next=0` is no path: `redirect` would take it for a view's name and fail.)"""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


class OTPSetupView(View):
    """First login of an admin or officer: pair an authenticator app, then confirm it
    with a first code. A user who already has one is sent to the code page, so that a
    password alone can never replace someone's authenticator."""

    template_name = "security/otp_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if has_authenticator(request.user):
            return redirect(_with_next("security:otp_verify", request))
        self.device = pending_authenticator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            if self.device.verify_token(form.cleaned_data["token"]):
                codes = confirm_authenticator(device=self.device)
                verified(request, self.device)
                request.session[RECOVERY_CODES_SESSION_KEY] = codes
                return redirect(_with_next("security:recovery_codes", request))
            form.reject()
        return self.render(form)

    def render(self, form):
        form.fields["token"].help_text = _("The 6 digits your authenticator app shows now.")
        secret = b32encode(self.device.bin_key).decode()
        qr = segno.make(self.device.config_url, error="m")
        return render(self.request, self.template_name, {
            "form": form,
            "qr_code": qr.svg_data_uri(scale=5, border=2),
            "secret": group_secret(secret),
            "next": safe_next(self.request),
        })


class OTPVerifyView(View):
    """Every later login: the current code of the authenticator, or a recovery code."""

    template_name = "security/otp_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if not has_authenticator(request.user):
            return redirect(_with_next("security:otp_setup", request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            device = self.match(request.user, form.cleaned_data["token"])
            if device is not None:
                verified(request, device)
                if device.persistent_id.startswith("otp_static."):
                    messages.warning(request, _(
                        "You used a recovery code; %(count)s left. Each code works only once."
                    ) % {"count": remaining_recovery_codes(request.user)})
                return HttpResponseRedirect(safe_next(request))
            form.reject()
        return self.render(form)

    @staticmethod
    def match(user, token):
        # Each device is checked on its own so that django-otp's throttling (growing
        # delays after wrong codes) applies per device.
        for device in devices_for_user(user):
            verified = otp_verify_token(user, device.persistent_id, token)
            if verified is not None:
                return verified
        return None

    def render(self, form):
        return render(self.request, self.template_name, {
            "form": form, "next": safe_next(self.request),
        })


@require_safe
def recovery_codes(request):
    """Shows the recovery codes just issued, once: the page cannot be opened again."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(safe_next(request))
    return render(request, "security/recovery_codes.html", {
        "codes": codes, "next": safe_next(request),
    })


@require_safe
def beneficiary_export(request, public_id):
    """Right of access (law 09-08, art. 7): everything held on one person, as a ZIP."""
    beneficiary = get_object_or_404(Beneficiary.objects.visible_to(request.user), public_id=public_id)
    if not request.user.has_role(Role.ADMIN):
        raise PermissionDenied
    export = privacy.export_beneficiary(beneficiary)
    log_access(request, AccessLog.Action.EXPORT, beneficiary, detail="privacy export (right of access)")
    return privacy.zip_response(export, f"{beneficiary.file_number}-data.zip")


def verified(request, device) -> None:
    """Mark the session as past the code step, under a new session key (its rights grew)."""
    request.session.cycle_key()
    otp_login(request, device)
    note_code_entered(request.session)


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': safe_next(request)})}"
