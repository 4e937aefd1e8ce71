"""The language of what the demo seeds print: English, like Django's own commands around
them in `make run`, whatever the application's language. Only the printing switches;
the seeding itself runs in the application's language, as any request would."""

from django.utils import translation

CONSOLE_LANGUAGE = "en"


def console_language() -> translation.override:
    """`with console_language(): stdout.write(...)`"""
    return translation.override(CONSOLE_LANGUAGE)
