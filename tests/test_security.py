"""Logins, two-factor codes, sessions, passwords and the headers of every page."""

import datetime
import os
import re
import secrets
import subprocess
import sys
from base64 import b32encode
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import authenticator_for, otp_token, verify_session

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- login throttling (django-axes) ----------------------------------------------------


def test_five_wrong_passwords_lock_the_account_from_that_address(client, staff):
    for _attempt in range(5):
        log_in(client, "staff", "wrong-password")
    response = log_in(client, "staff")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Trop d’échecs de connexion" in content
    assert "bloquée pendant 15 minutes" in content
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock(client, staff):
    for _attempt in range(4):
        log_in(client, "staff", "wrong-password")
    assert log_in(client, "staff").status_code == 302


def test_the_lock_holds_for_that_username_and_address_only(client, staff, officer):
    for _attempt in range(5):
        log_in(client, "staff", "wrong-password")
    assert log_in(Client(), "staff", REMOTE_ADDR="10.1.2.3").status_code == 302
    assert log_in(Client(), "officer").status_code == 302
    assert log_in(Client(), "staff").status_code == 429


def test_the_lock_ends_after_fifteen_minutes(client, staff):
    for _attempt in range(5):
        log_in(client, "staff", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert log_in(client, "staff").status_code == 302


def test_a_successful_login_resets_the_count(client, staff):
    for _attempt in range(4):
        log_in(client, "staff", "wrong-password")
    assert log_in(client, "staff").status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(4):
        log_in(client, "staff", "wrong-password")
    assert log_in(client, "staff").status_code == 302


def fail_from_addresses(username, count, first=1, prefix="10.0.0."):
    """`count` wrong passwords for `username`, each from an address of its own."""
    for number in range(first, first + count):
        log_in(Client(), username, "wrong-password", REMOTE_ADDR=f"{prefix}{number}")


def test_ten_wrong_passwords_from_ten_addresses_lock_the_account_from_everywhere(staff, officer):
    fail_from_addresses("staff", 10)
    assert log_in(Client(), "staff", REMOTE_ADDR="10.0.1.99").status_code == 429
    # The account, not the addresses: others log in from them.
    assert log_in(Client(), "officer", REMOTE_ADDR="10.0.0.1").status_code == 302


def test_nine_wrong_passwords_from_many_addresses_do_not_lock_the_account(staff):
    fail_from_addresses("staff", 9)
    assert log_in(Client(), "staff", REMOTE_ADDR="10.0.1.99").status_code == 302


def test_guessing_from_elsewhere_never_shuts_the_owner_out_of_an_address_they_used(staff):
    office = Client()
    assert log_in(office, "staff", REMOTE_ADDR="192.168.1.10").status_code == 302
    office.post(reverse("logout"))
    fail_from_addresses("staff", 30)
    assert log_in(Client(), "staff", REMOTE_ADDR="10.0.1.99").status_code == 429
    assert log_in(Client(), "staff", REMOTE_ADDR="192.168.1.10").status_code == 302


def test_an_account_lock_ends_with_the_cool_off_however_long_the_guessing_goes_on(staff):
    fail_from_addresses("staff", 10)
    fail_from_addresses("staff", 40, first=11)  # while locked: refused and not counted
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 10
    assert log_in(Client(), "staff", REMOTE_ADDR="10.0.1.99").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert log_in(Client(), "staff", REMOTE_ADDR="10.0.1.99").status_code == 302


def test_password_spraying_from_one_address_is_stopped_after_twenty_accounts(staff):
    sprayer = Client()
    for number in range(20):
        log_in(sprayer, f"agent{number}", "Printemps2024!", REMOTE_ADDR="10.6.6.6")
    assert log_in(Client(), "staff", REMOTE_ADDR="10.6.6.6").status_code == 429
    # The address, not the account: its owner logs in from elsewhere.
    assert log_in(Client(), "staff", REMOTE_ADDR="10.0.1.99").status_code == 302


def test_an_office_address_stays_open_after_nineteen_mistyped_passwords(staff):
    for number in range(19):
        log_in(Client(), f"colleague{number}", "wrong-password", REMOTE_ADDR="10.6.6.6")
    assert log_in(Client(), "staff", REMOTE_ADDR="10.6.6.6").status_code == 302


def test_logging_in_to_ones_own_account_does_not_clear_an_addresses_failures_on_others(staff):
    for number in range(19):
        log_in(Client(), f"agent{number}", "wrong-password", REMOTE_ADDR="10.6.6.6")
    own = Client()
    assert log_in(own, "staff", REMOTE_ADDR="10.6.6.6").status_code == 302
    own.post(reverse("logout"))
    log_in(Client(), "agent19", "wrong-password", REMOTE_ADDR="10.6.6.6")
    assert log_in(Client(), "staff", REMOTE_ADDR="10.6.6.6").status_code == 429


def test_the_lockout_page_says_neither_which_count_nor_whether_the_account_exists(staff):
    fail_from_addresses("staff", 10)
    fail_from_addresses("nobody", 10, prefix="10.0.2.")
    alerts = []
    for username in ("staff", "nobody"):
        content = log_in(Client(), username, REMOTE_ADDR="10.0.3.1").content.decode()
        alerts.append(re.search(r'<div class="alert.*?</div>', content, re.DOTALL).group())
    assert "bloquée pendant 15 minutes" in alerts[0]
    assert alerts[0] == alerts[1]


def test_the_lockout_page_is_translated_into_arabic(client, staff):
    for _attempt in range(5):
        log_in(client, "staff", "wrong-password")
    response = log_in(client, "staff", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 429
    assert "محاولات فاشلة كثيرة" in response.content.decode()


def test_an_administrator_unlocks_an_account_in_the_admin(client, staff, admin_user):
    for _attempt in range(5):
        log_in(client, "staff", "wrong-password")
    attempt = AccessAttempt.objects.get(username="staff")
    admin = Client()
    admin.force_login(admin_user)
    verify_session(admin, admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin.get(changelist).status_code == 200
    response = admin.post(changelist, {
        "action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes",
    })
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "staff").status_code == 302


# --- two-factor login (django-otp) -------------------------------------------------------


def test_an_officer_without_authenticator_is_sent_to_set_one_up(client, officer):
    response = log_in(client, "officer")
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:otp_setup"))
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "Configurer votre application d’authentification" in content
    assert 'src="data:image/svg+xml' in content
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    secret = page.context["secret"]
    assert secret in content
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()


def test_setting_up_the_authenticator_shows_the_recovery_codes_once(client, officer):
    log_in(client, "officer")
    client.get(reverse("security:otp_setup"))
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post(reverse("security:otp_setup") + "?next=/", {"token": current_code(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = codes_page.context["codes"]
    assert len(codes) == 10
    assert all(code in codes_page.content.decode() for code in codes)
    assert StaticToken.objects.filter(device__user=officer).count() == 10
    device.refresh_from_db()
    assert device.confirmed
    # Shown once: a second visit shows none of them.
    again = client.get(reverse("security:recovery_codes"), follow=True)
    assert codes[0] not in again.content.decode()
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_at_set_up_is_refused_with_a_message(client, officer):
    log_in(client, "officer")
    client.get(reverse("security:otp_setup"))
    response = client.post(reverse("security:otp_setup"), {"token": "000000"})
    assert response.status_code == 200
    assert "Ce code est erroné ou a expiré" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert client.get(reverse("home")).status_code == 302


def test_later_logins_ask_for_the_code_and_accept_the_current_one(client, officer):
    device = authenticator_for(officer)
    log_in(client, "officer")
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("security:otp_verify"))
    assert "Saisissez votre code" in client.get(response["Location"]).content.decode()
    response = client.post(reverse("security:otp_verify") + "?next=/", {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_keeps_the_officer_out(client, officer):
    authenticator_for(officer)
    log_in(client, "officer")
    response = client.post(reverse("security:otp_verify"), {"token": "123456"})
    assert response.status_code == 200
    assert "Ce code est erroné" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_recovery_code_works_once(client, officer):
    code = otp_token(officer)
    log_in(client, "officer")
    response = client.post(reverse("security:otp_verify"), {"token": code}, follow=True)
    assert response.status_code == 200
    assert "code de secours" in response.content.decode()
    client.post(reverse("logout"))
    log_in(client, "officer")
    response = client.post(reverse("security:otp_verify"), {"token": code})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_the_set_up_page_cannot_replace_an_existing_authenticator(client, officer):
    device = authenticator_for(officer)
    log_in(client, "officer")
    response = client.get(reverse("security:otp_setup"))
    assert response["Location"].startswith(reverse("security:otp_verify"))
    assert list(TOTPDevice.objects.filter(user=officer)) == [device]


def test_the_code_page_never_redirects_to_another_site(client, officer):
    device = authenticator_for(officer)
    log_in(client, "officer")
    response = client.post(
        reverse("security:otp_verify") + "?next=https://evil.example/", {"token": current_code(device)}
    )
    assert response["Location"] == "/"


def test_staff_and_auditors_log_in_with_their_password_alone(client, staff, auditor):
    log_in(client, "staff")
    assert client.get(reverse("home")).status_code == 200
    other = Client()
    log_in(other, "auditor")
    assert other.get(reverse("home")).status_code == 200


def test_the_django_admin_also_needs_the_code(client, admin_user):
    authenticator_for(admin_user)
    log_in(client, "admin")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:otp_verify"))


def test_an_administrator_resets_a_lost_authenticator(client, client_for, officer, admin_user):
    lost = authenticator_for(officer)
    admin = client_for(admin_user)
    delete_url = reverse("admin:otp_totp_totpdevice_delete", args=[lost.pk])
    assert admin.post(delete_url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    officer_client = Client()
    log_in(officer_client, "officer")
    response = officer_client.get(reverse("home"))
    assert response["Location"].startswith(reverse("security:otp_setup"))


# --- sessions and passwords -------------------------------------------------------------


def test_the_session_key_changes_at_login(staff):
    client = Client()
    session = client.session
    session["visited"] = True
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    log_in(client, "staff")
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_sessions_end_after_thirty_minutes_idle_and_at_browser_close(client_for, staff):
    client = client_for(staff)
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert "reintegration.accounts.middleware.SessionIdleTimeoutMiddleware" in settings.MIDDLEWARE
    client.get(reverse("home"))
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_deactivating_a_user_ends_all_their_sessions(staff, officer):
    first, second = Client(), Client()
    first.force_login(staff)
    second.force_login(staff)
    other = Client()
    other.force_login(officer)
    staff.is_active = False
    staff.save()
    for client in (first, second):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert remaining == [str(officer.pk)]


def test_a_user_deactivated_by_a_bulk_update_is_refused_all_the_same(staff):
    # queryset.update() sends no signal, but Django refuses the session of an inactive
    # user on the next request anyway.
    client = Client()
    client.force_login(staff)
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    assert client.get(reverse("home")).status_code == 302


@override_settings(PASSWORD_HASHERS=[
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
])
def test_passwords_are_hashed_with_argon2():
    encoded = make_password("un mot de passe solide")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("un mot de passe solide", encoded)


def test_production_settings_put_argon2_first():
    import reintegration.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("password", ["court", "password123", "12345678901234"])
def test_weak_passwords_are_refused(client_for, staff, password):
    response = client_for(staff).post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": password, "new_password2": password,
    })
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


# --- headers of every page ---------------------------------------------------------------


def test_authenticated_responses_are_never_stored(client_for, staff, auditor):
    assert client_for(staff).get(reverse("home"))["Cache-Control"] == "no-store, private"
    assert "no-store" in client_for(auditor).get(reverse("audit:list"))["Cache-Control"]


def test_a_post_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "staff", "password": PASSWORD}).status_code == 403
    client.force_login(staff)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "x" * 20, "new_password2": "x" * 20,
    })
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "data:" in directives["img-src"]
    assert directives["frame-ancestors"] == "'none'"


def test_pages_forbid_framing_sniffing_and_leaking_the_referrer(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.I)


def test_no_template_of_ours_has_inline_scripts_handlers_or_styles():
    offenders = []
    base = Path(settings.BASE_DIR)
    for template in base.glob("**/templates/**/*.html"):
        if ".venv" in template.parts or "pdf" in template.name or "pdf" in template.parts:
            continue  # PDFs are rendered by WeasyPrint, never by a browser
        source = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE):
            if pattern.search(source):
                offenders.append(f"{template.relative_to(base)}: {pattern.pattern[:20]}")
    assert offenders == []


def test_the_django_admin_works_under_the_policy(client_for, admin_user, staff):
    admin = client_for(admin_user)
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_user_change", args=[staff.pk]),
        reverse("admin:accounts_user_add"),
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response
        assert not INLINE_SCRIPT.search(response.content.decode()), url


def test_production_settings_pass_the_deployment_check():
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env.update({
        "DJANGO_SETTINGS_MODULE": "reintegration.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "example.org",
    })
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_session_key_changes_again_after_the_code(client, officer):
    device = authenticator_for(officer)
    log_in(client, "officer")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("security:otp_verify"), {"token": current_code(device)})
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get(reverse("home")).status_code == 200
