"""Every main page of the staff interface, in French and in Arabic, on the demo world:
a screenshot for a person to look at, axe-core's WCAG 2.1 AA check (issue 10), and in
Arabic the right-to-left layout and no French or English left (issue 9)."""

import io
import re
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary, BeneficiaryDocument, PenitentiaryEstablishment
from cases.models import FileTransfer, Grievance, Referral
from ceremonies.models import Ceremony, Guest, Handover, PressCoverage, PressRelease
from grants.models import (
    Convention,
    EquipmentItem,
    FrameworkAgreement,
    Partner,
    Project,
    ProjectEvent,
    Review,
)
from procurement.models import Disbursement, Supplier
from reintegration.accounts.models import User
from reintegration.demo.management.commands.seed_demo import DEMO_PASSWORD

from .tools import LATIN_WORD, axe_violations, latin_words


@dataclass
class Page:
    name: str
    user: str | None  # a demo user's name; None: the public, without login
    url: str


@pytest.fixture
def demo():
    """The demo world of `make run` (the Témara ceremony of 6 December 2024, projects
    at every step), and the pages to visit in it."""
    call_command("seed_demo", stdout=io.StringIO())
    temara = "04.501"
    beneficiary = Beneficiary.objects.filter(prefecture__code=temara, projects__isnull=False).order_by(
        "file_number").first()
    project = Project.objects.filter(prefecture__code=temara, status=Project.Status.EQUIPPED).order_by(
        "reference").first()
    submitted = Project.objects.filter(prefecture__code=temara, status=Project.Status.SUBMITTED).first()
    convention = Convention.objects.get(prefecture__code=temara)
    ceremony = Ceremony.objects.get(prefecture__code=temara)
    handover = Handover.objects.filter(ceremony=ceremony).order_by("certificate_number").first()
    return [
        Page("home", "staff", reverse("home")),
        Page("beneficiary-list", "staff", reverse("beneficiaries:list")),
        Page("beneficiary-form", "staff", reverse("beneficiaries:create")),
        Page("beneficiary-detail", "staff", beneficiary.get_absolute_url()),
        Page("project-list", "staff", reverse("grants:project_list")),
        Page("project-form", "staff", reverse("grants:project_create")),
        Page("project-detail", "staff", project.get_absolute_url()),
        Page("convention-detail", "staff", convention.get_absolute_url()),
        Page("ceremony-list", "staff", reverse("ceremonies:list")),
        Page("ceremony-form", "staff", reverse("ceremonies:create")),
        Page("ceremony-detail", "staff", ceremony.get_absolute_url()),
        Page("press-kit", "staff", reverse("ceremonies:press", args=[ceremony.pk])),
        Page("image-consent", "staff", reverse(
            "ceremonies:image_consent", args=[ceremony.pk, handover.project.beneficiary_id])),
        Page("attendance", "staff", reverse(
            "ceremonies:attendance_record", args=[ceremony.pk, handover.project_id])),
        Page("convention-list", "staff", reverse("grants:convention_list")),
        Page("visit-list", "staff", reverse("grants:visit_list")),
        Page("dashboard", "staff", reverse("dashboard")),
        Page("review-queue", "officer", reverse("grants:review_queue")),
        Page("review", "officer", reverse("grants:project_review", args=[submitted.public_id])),
        Page("verification", None, reverse("verify", args=[handover.verification_token])),
    ]


def data_words() -> set[str]:
    """Latin words typed into the data (names, titles, free text): they stay as typed in
    Arabic. Reference data that has an Arabic name (prefectures, sectors) is not here."""
    texts = []
    for model, fields in [
        (Beneficiary, ["first_name", "last_name", "address", "skills", "prison_training"]),
        (Beneficiary.history.model, ["history_change_reason"]),
        (BeneficiaryDocument, ["original_name"]),
        (PenitentiaryEstablishment, ["name"]),
        (Project, ["title", "description", "previous_funding_justification"]),
        (Disbursement, ["reference"]),
        (EquipmentItem, ["designation", "serial_number"]),
        (Convention, ["title", "reference"]),
        (FrameworkAgreement, ["title", "reference"]),
        (Partner, ["name"]),
        (Supplier, ["name"]),
        (Ceremony, ["title", "place", "presided_by", "presided_by_title", "notes"]),
        (Guest, ["name", "title"]),
        (PressRelease, ["text_fr"]),
        (PressCoverage, ["outlet"]),
        (Review, ["reason"]),
        (ProjectEvent, ["reason"]),
        (Grievance, ["description", "resolution"]),
        (Referral, ["partner_name", "reason", "outcome_notes"]),
        (FileTransfer, ["reason", "answer"]),
        (User, ["first_name", "last_name"]),
    ]:
        for row in model.objects.values_list(*fields):
            texts.extend(str(value) for value in row if value)
    return set(LATIN_WORD.findall(" ".join(texts)))


@pytest.fixture
def visit(new_context, live_server, login):
    """`visit(pages, language)`: each page as its user sees it, one browser per user."""

    def tour(pages, language):
        pages_by_user = {}
        for page in pages:
            pages_by_user.setdefault(page.user, []).append(page)
        for username, user_pages in pages_by_user.items():
            context = new_context(
                base_url=live_server.url, locale="ar-MA" if language == "ar" else "fr-MA"
            )
            browser_page = context.new_page()
            browser_page.set_default_timeout(10_000)
            if username is None:
                context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            else:
                login(browser_page, User.objects.get(username=username), password=DEMO_PASSWORD,
                      language=language)
                expect(browser_page.locator("[data-testid=role]")).to_be_visible()
            for page in user_pages:
                response = browser_page.goto(page.url)
                assert response.status == 200, f"{page.name}: {response.status}"
                yield page, browser_page
            context.close()

    return tour


def test_main_pages_in_french_pass_axe(demo, visit, live_server, screenshot):
    violations = {}
    for page, browser_page in visit(demo, "fr"):
        assert browser_page.locator("html").get_attribute("lang") == "fr"
        if page.name.endswith(("-detail", "-form", "review", "-list")):
            crumbs = browser_page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("listitem")
            expect(crumbs.first).to_have_text("Accueil")
            expect(crumbs.last).to_have_attribute("aria-current", "page")
        screenshot(browser_page, f"page-{page.name}-fr")
        violations[page.name] = axe_violations(browser_page, live_server.url)
    assert {name: found for name, found in violations.items() if found} == {}


def test_main_pages_in_arabic_are_translated_right_to_left_and_pass_axe(
    demo, visit, live_server, screenshot
):
    allowed = data_words()
    violations, untranslated = {}, {}
    for page, browser_page in visit(demo, "ar"):
        assert browser_page.locator("html").get_attribute("dir") == "rtl", page.name
        screenshot(browser_page, f"page-{page.name}-ar")
        violations[page.name] = axe_violations(browser_page, live_server.url)
        untranslated[page.name] = latin_words(browser_page, allowed)
    assert {name: words for name, words in untranslated.items() if words} == {}
    assert {name: found for name, found in violations.items() if found} == {}


def heading_text_box(page) -> dict:
    """Where the main heading's text sits across the page's content box."""
    return page.evaluate("""() => {
        const main = document.querySelector('main'), style = getComputedStyle(main);
        const range = document.createRange();
        range.selectNodeContents(document.querySelector('main h1'));
        const text = range.getBoundingClientRect(), box = main.getBoundingClientRect();
        return {textLeft: text.left, textRight: text.right,
                boxLeft: box.left + parseFloat(style.paddingLeft),
                boxRight: box.right - parseFloat(style.paddingRight)};
    }""")


def test_login_list_and_form_in_arabic_are_mirrored(page, live_server, login, staff, screenshot):
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert latin_words(page) == []
    assert axe_violations(page, live_server.url) == []
    login(page, staff, language="ar")
    expect(page.locator("[data-testid=role]")).to_be_visible()
    width = page.viewport_size["width"]

    for url in (reverse("beneficiaries:list"), reverse("beneficiaries:create")):
        page.goto(live_server.url + url)
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        brand = page.locator(".navbar-brand").bounding_box()
        assert brand["x"] > width / 2, "the brand and the menu start on the right"
        heading = heading_text_box(page)
        assert abs(heading["textRight"] - heading["boxRight"]) < 2, "headings are aligned right"
        assert heading["textLeft"] - heading["boxLeft"] > 100
        assert latin_words(page, set(LATIN_WORD.findall(staff.get_full_name()))) == []  # their name

    # The form's columns are mirrored: the first field of a row is on the right.
    last_name = page.locator("#id_last_name").bounding_box()
    first_name = page.locator("#id_first_name").bounding_box()
    assert last_name["x"] > first_name["x"]
    label = page.locator("label[for=id_last_name]").bounding_box()
    assert abs((label["x"] + label["width"]) - (last_name["x"] + last_name["width"])) < 20
    screenshot(page, "arabic-beneficiary-form")

    page.goto(live_server.url + reverse("beneficiaries:list"))
    header = page.locator("main th").first
    assert header.evaluate("th => getComputedStyle(th).textAlign") in ("right", "start")
    cells = page.locator("main thead th").all()
    # The table's first column is on the right.
    assert cells[0].bounding_box()["x"] > cells[-1].bounding_box()["x"]
    assert re.search(r"[\u0600-\u06ff]", page.locator("main h1").inner_text())
