from django.urls import reverse


def test_staff_logs_in_and_sees_role_and_scope(page, live_server, login, staff, screenshot):
    login(page, staff)
    page.wait_for_url(f"{live_server.url}{reverse('home')}")
    assert page.locator("[data-testid=role]").inner_text() == "Agent de la fondation"
    assert "Skhirate-Témara" in page.locator("[data-testid=scope]").inner_text()
    screenshot(page, "home-fr")


def test_login_page_in_arabic_is_right_to_left(page, live_server, screenshot):
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("h1").inner_text() == "تسجيل الدخول"
    screenshot(page, "login-ar")
