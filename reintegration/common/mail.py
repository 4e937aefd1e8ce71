"""E-mails sent once a transaction commits, and a way to send none for a while.

A seed of demo data moves projects through the workflow, whose services tell officers
and staff by e-mail; the demo's people are made up, so nobody is to be told. Whether an
e-mail is muted is decided when the move is made (`send_on_commit`), not when its
transaction commits: a block of muted moves stays muted whichever transaction holds it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_muted = ContextVar("emails_muted", default=False)


@contextmanager
def muted_emails() -> Iterator[None]:
    """No e-mail is sent for what is done inside this block."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def send_on_commit(send: Callable[[], object]) -> None:
    """Call `send` once the current transaction commits (nobody is told about a change
    that was rolled back), unless e-mails are muted."""
    if not _muted.get():
        transaction.on_commit(send)
