"""E-mails sent by a worker, retried with back-off while the mail server refuses them.

The messages are built where the change is made (in each recipient's language), then
handed over as plain fields: a worker needs neither the objects nor the request. Without
a broker (`make run`, the tests) they are sent at once, once; a failure is logged and the
change stays made, as before.
"""

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage, get_connection

logger = logging.getLogger(__name__)

# 30 s, 1 min, 2 min, 4 min, 8 min, then given up (and logged): an hour-long outage of the
# mail server loses nothing sent in its last quarter of an hour at least.
RETRIES = 5


def message_fields(message: EmailMessage) -> dict:
    return {"subject": message.subject, "body": message.body, "from_email": message.from_email,
            "to": list(message.to)}


@shared_task(
    name="reintegration.common.tasks.send_emails", bind=True,
    autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, retry_backoff_max=600,
    retry_jitter=False, max_retries=RETRIES,
)
def send_emails(self, messages: list[dict], about: str = "") -> int:
    """Send the messages over one connection. A retry sends them all again: the mail
    server refused the batch, so none of them is taken as delivered."""
    try:
        return get_connection().send_messages([EmailMessage(**fields) for fields in messages]) or 0
    except (smtplib.SMTPException, OSError):
        if self.app.conf.task_always_eager or self.request.retries >= RETRIES:
            # Inline, the request that made the change must not wait on retries.
            logger.exception("Could not send the e-mails about %s.", about)
            return 0
        raise
