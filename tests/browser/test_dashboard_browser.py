"""The dashboard's charts are drawn by the vendored Chart.js, without a script error."""

from tests.test_dashboard import world  # noqa: F401 - the hand-counted fixture


def test_dashboard_draws_every_chart_in_french_and_arabic(
    page, live_server, login, staff, world, screenshot  # noqa: F811
):
    errors, missing = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: response.status == 404 and missing.append(response.url))
    login(page, staff)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')].map(c => Chart.getChart(c) !== undefined)"
    )
    assert len(drawn) == 7 and all(drawn)
    assert errors == []
    assert [url for url in missing if "favicon" not in url] == []
    screenshot(page, "dashboard-fr")

    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "لوحة القيادة"
    screenshot(page, "dashboard-ar")
