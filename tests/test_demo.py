"""The whole demo seed, as `make run` runs it: quiet, in English, the demo users last."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from reintegration.demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db


def test_the_demo_seed_mails_nobody_and_ends_its_english_summary_with_the_demo_users(
    mailoutbox, django_capture_on_commit_callbacks,
):
    output = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=output)

    assert mailoutbox == []
    lines = output.getvalue().splitlines()
    assert lines[-7] == f"Demo users (password for all: {DEMO_PASSWORD}):"
    assert [line.split()[0] for line in lines[-6:]] == [user[0] for user in DEMO_USERS]
    assert "Foundation staff" in lines[-5] and "national" in lines[-1]
    text = "\n".join(lines)
    # The plural where there is one, and the ceremony's status in the summary's language.
    assert "1 project launched," in text and "7 certificates (7 issued now)" in text
    assert "(Held)" in text and "Tenue" not in text
    # Still the application's language for what the seed stores and for the next request.
    assert translation.get_language() == "fr"
