"""Two-factor login and the Content-Security-Policy, in a real browser."""

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_security import current_code


def csp_violations(page) -> list[str]:
    found = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def test_an_officer_sets_up_the_authenticator_at_first_login(page, live_server, officer, screenshot):
    violations = csp_violations(page)
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/account/two-factor/setup/**")
    assert page.locator("[data-testid=qr-code]").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "otp-setup-fr")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    page.fill("input[name=token]", current_code(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/recovery-codes/**")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.click("[data-testid=continue]")
    page.wait_for_url(f"{live_server.url}{reverse('home')}")
    assert violations == []


def test_admin_pages_and_ours_run_without_policy_violations(page, live_server, login, admin_user):
    violations = csp_violations(page)
    login(page, admin_user)
    page.wait_for_url(f"{live_server.url}{reverse('home')}")
    for url in (reverse("audit:list"), reverse("admin:index"),
                reverse("admin:accounts_user_change", args=[admin_user.pk])):
        page.goto(f"{live_server.url}{url}")
        assert page.locator("body").count() == 1
    page.goto(f"{live_server.url}{reverse('home')}")
    page.click("[data-bs-toggle=dropdown]")  # Bootstrap's script runs under the policy
    assert page.locator(".dropdown-menu.show").count() == 1
    assert violations == []
