"""What a reader sees on the Arabic pages (issue 20): in Chromium, the DOM Range API
(`getClientRects`) gives the position of each character as laid out, so a law number,
an amount, a date or a Latin name inside right-to-left text is checked in the order a
reader sees it, not in the order of the HTML. On the beneficiary's file, the project,
the ceremony and the dashboard of the demo world (the Témara ceremony)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from beneficiaries.models import Beneficiary
from ceremonies.models import Ceremony
from grants.models import Convention, Project
from reintegration.accounts.models import User
from reintegration.common.dates import format_date, format_datetime
from reintegration.common.money import format_amount
from reintegration.demo.management.commands.seed_demo import DEMO_PASSWORD

# The x of each character of the first visible occurrence of `needle` in one text node,
# with the top of its line: what a reader sees, left to right.
CHARACTER_BOXES = """([needle, within]) => {
    const root = document.querySelector(within);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let start = node.data.indexOf(needle);
        while (start >= 0) {
            const boxes = [];
            for (let i = start; i < start + needle.length; i++) {
                const range = document.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                const rect = range.getClientRects()[0];
                boxes.push(rect ? {char: node.data[i], left: rect.left, right: rect.right,
                                   top: Math.round(rect.top)} : null);
            }
            if (boxes.every(box => box && box.right > box.left - 1)) return boxes;
            start = node.data.indexOf(needle, start + 1);
        }
    }
    return null;
}"""


def boxes_of(page, text: str, within: str = "body") -> list[dict]:
    boxes = page.evaluate(CHARACTER_BOXES, [text, within])
    assert boxes, f"{text!r} is not shown on {page.url}"
    return boxes


def reads_left_to_right(page, text: str) -> None:
    """Each character of `text` (a number, a date, a Latin name) stands right of the one
    before it on its line: the order it is written in."""
    boxes = [box for box in boxes_of(page, text) if box["char"].strip()]
    for before, after in zip(boxes, boxes[1:], strict=False):
        if before["top"] == after["top"]:
            assert after["left"] >= before["left"] - 0.5, (
                f"{text!r} on {page.url}: {after['char']!r} is drawn left of {before['char']!r}"
            )


def reads_right_to_left(page, text: str) -> None:
    """Arabic text holding a number ("دجنبر 2026"): its first word stands right of the
    number, which reads left to right."""
    boxes = boxes_of(page, text)
    first_word, number = boxes[0], [box for box in boxes if box["char"].isdigit()]
    assert first_word["left"] > number[-1]["left"], text
    assert [box["left"] for box in number] == sorted(box["left"] for box in number), text


@pytest.fixture
def demo_pages():
    call_command("seed_demo", stdout=io.StringIO())
    temara = "04.501"
    beneficiary = Beneficiary.objects.get(cin="AE100001")
    project = Project.objects.get(beneficiary=beneficiary, title="Boulangerie de quartier Al Wifaq")
    ceremony = Ceremony.objects.get(prefecture__code=temara)
    convention = Convention.objects.get(prefecture__code=temara)
    return {
        "beneficiary": beneficiary, "project": project, "ceremony": ceremony, "convention": convention,
    }


@pytest.fixture
def arabic_page(page, live_server, login):
    """`arabic_page(url)`: the page as the demo's staff member sees it in Arabic."""
    page.set_default_timeout(10_000)

    def open_page(url, user=None, password=DEMO_PASSWORD):
        if not page.context.cookies([live_server.url + "/"]) or user:
            login(page, user or User.objects.get(username="staff"), password=password, language="ar")
        response = page.goto(live_server.url + url)
        assert response.status == 200
        assert page.locator("html").get_attribute("dir") == "rtl"
        return page

    return open_page


def test_the_beneficiary_file_in_arabic_reads_in_order(demo_pages, arabic_page, screenshot):
    beneficiary, project = demo_pages["beneficiary"], demo_pages["project"]
    page = arabic_page(beneficiary.get_absolute_url())
    screenshot(page, "reading-order-beneficiary-ar")

    reads_left_to_right(page, "09-08")  # the law 09-08 notice, in the Arabic footer
    reads_left_to_right(page, beneficiary.file_number)
    reads_left_to_right(page, format_date(beneficiary.birth_date))
    reads_left_to_right(page, format_amount(project.approved_amount))
    reads_left_to_right(page, beneficiary.full_name)  # the Latin name under the Arabic one
    reads_left_to_right(page, project.title)
    reads_left_to_right(page, "Enquête sociale favorable, dossier complet.")  # the full stop last
    # A line of the file's history: the moment, then who; read right to left, the moment
    # (itself left to right) comes first, at the right.
    event = beneficiary.history.order_by("history_date").first()
    moment = format_datetime(event.history_date)
    reads_left_to_right(page, moment)
    who = event.history_user.get_full_name()
    timeline = "[data-testid=timeline]"
    assert boxes_of(page, moment, timeline)[0]["left"] > boxes_of(page, who, timeline)[-1]["right"] - 0.5



def test_the_project_in_arabic_reads_in_order(demo_pages, arabic_page, screenshot):
    project = demo_pages["project"]
    page = arabic_page(project.get_absolute_url())
    screenshot(page, "reading-order-project-ar")

    reads_left_to_right(page, "09-08")
    reads_left_to_right(page, project.reference)
    reads_left_to_right(page, format_amount(project.approved_amount))
    reads_left_to_right(page, format_date(project.committee_decision_on))
    reads_left_to_right(page, project.title)
    reads_left_to_right(page, project.convention.reference)
    # The reviewer's reason, in French, ends with its full stop (not at the line's start).
    reads_left_to_right(page, "avis favorable du comité provincial.")


def test_the_ceremony_in_arabic_reads_in_order(demo_pages, arabic_page, screenshot):
    ceremony = demo_pages["ceremony"]
    page = arabic_page(ceremony.get_absolute_url())
    screenshot(page, "reading-order-ceremony-ar")

    handover = ceremony.handovers.order_by("certificate_number").first()
    reads_left_to_right(page, "09-08")
    reads_left_to_right(page, format_date(ceremony.held_on))
    reads_left_to_right(page, format_amount(handover.value))
    reads_left_to_right(page, handover.certificate_number)
    reads_left_to_right(page, ceremony.title)  # French, with its Arabic title under it
    reads_left_to_right(page, ceremony.presided_by)
    reads_left_to_right(page, ceremony.convention.reference)


def test_the_dashboard_in_arabic_reads_in_order(demo_pages, arabic_page, screenshot):
    convention = demo_pages["convention"]
    page = arabic_page(reverse("dashboard"))
    screenshot(page, "reading-order-dashboard-ar")

    reads_left_to_right(page, "09-08")
    reads_left_to_right(page, convention.reference)
    reads_left_to_right(page, format_amount(convention.envelope))
    # This month in Arabic (Morocco's name), read right to left: the month, then the year.
    with translation.override("ar"):
        month = format_date(timezone.localdate(), "month")
    reads_right_to_left(page, month)
    reads_left_to_right(page, convention.title)


def test_these_checks_see_text_left_to_the_bidirectional_algorithm(arabic_page, staff):
    """A paragraph without isolation, added to a page: Chromium draws the law number as
    08-09 and moves a French sentence's full stop to its start; the checks above see it."""
    page = arabic_page(reverse("home"), user=staff, password="correct-horse-battery")
    page.evaluate("""() => {
        const p = document.createElement('p');
        p.textContent = 'معطيات شخصية طبقاً للقانون 09-08، بموجب الإذن.';
        const q = document.createElement('p');
        q.textContent = 'Dossier complet.';
        document.querySelector('main').append(p, q);
    }""")
    with pytest.raises(AssertionError):
        reads_left_to_right(page, "09-08")
    with pytest.raises(AssertionError):
        reads_left_to_right(page, "Dossier complet.")
