"""E-mails of the project workflow and of the suppliers' bank details, each in its
recipient's language.

Called by `grants/services.py` and `procurement/notifications.py` through `send_on_commit`
(reintegration/common/mail.py), so nobody is told about a move that was rolled back, nor
about the demo seed's moves. A message names the project by its reference and title (a
supplier by its name) and links to it; nothing else (no beneficiary, no amount, no
reviewer's reason, no account number): mailboxes are not covered by the application's scope
checks, the link is. Each recipient gets a message of their own, so no one sees the other
addresses.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from reintegration.accounts.models import User
from reintegration.accounts.roles import Role
from reintegration.common.bidi import isolate
from reintegration.common.tasks import message_fields, send_emails

from .models import Amendment, Project, Review

DEFAULT_LANGUAGE = "fr"
APP_TAG = "[Réinsertion]"


def notify_project_submitted(project: Project) -> int:
    """Tell the officers of the project's prefecture that a file awaits their review."""
    officers = _users_of_prefecture(project, Role.PREFECTURE_OFFICER)
    return _send(project, officers, "grants/email/project_submitted", {})


def notify_project_decided(project: Project, decision: str, reason: str = "") -> int:
    """Tell the project's creator and the staff of its prefecture that an officer
    approved, rejected or returned it. `reason` stays in the application (it may speak of
    the person): the message only says where to read it."""
    decision = Review.Decision(decision)
    recipients = _users_of_prefecture(project, Role.FOUNDATION_STAFF)
    if project.created_by_id:
        recipients.append(project.created_by)
    return _send(project, recipients, "grants/email/project_decided", {
        "approved": decision == Review.Decision.APPROVE,
        "rejected": decision == Review.Decision.REJECT,
        "returned": decision == Review.Decision.RETURN,
    })


def notify_amendment_requested(amendment: Amendment) -> int:
    """Tell the officers of the project's prefecture that an amendment awaits their decision."""
    project = amendment.project
    officers = _users_of_prefecture(project, Role.PREFECTURE_OFFICER)
    return _send(project, officers, "grants/email/amendment_requested", {
        "link": settings.PUBLIC_BASE_URL + amendment.get_absolute_url(),
    })


def notify_amendment_decided(amendment: Amendment) -> int:
    """Tell who asked for the amendment and the staff of the prefecture that it was decided."""
    project = amendment.project
    recipients = _users_of_prefecture(project, Role.FOUNDATION_STAFF)
    recipients.append(amendment.requested_by)
    return _send(project, recipients, "grants/email/amendment_decided", {
        "approved": amendment.status == Amendment.Status.APPROVED,
        "link": settings.PUBLIC_BASE_URL + amendment.get_absolute_url(),
    })


def _users_of_prefecture(project: Project, role: Role) -> list[User]:
    return list(
        User.objects.filter(
            groups__name=role, prefectures=project.prefecture_id, is_active=True
        ).exclude(email="")
    )


def _send(project: Project, users: list[User], template: str, context: dict) -> int:
    recipients = {}
    for user in users:
        # The scope gate again: no title reaches someone who could not open the file.
        if user.is_active and user.email and Project.objects.visible_to(user).filter(pk=project.pk).exists():
            recipients[user.pk] = user
    context = {
        "project": project,
        "link": settings.PUBLIC_BASE_URL + project.get_absolute_url(),
        **context,  # an amendment's messages link to it
    }
    return _deliver(list(recipients.values()), template, context, about=f"project {project.reference}")


def _deliver(users: list[User], template: str, context: dict, *, about: str) -> int:
    messages = [_message(user, template, context) for user in users]
    if not messages:
        return 0
    # By a worker, retried while the mail server refuses them (reintegration/common/tasks.py);
    # inline without one, a failure logged: the move is committed, never an error page.
    send_emails.delay([message_fields(message) for message in messages], about=about)
    return len(messages)


def _message(user: User, template: str, context: dict) -> EmailMessage:
    language = _language_of(user)
    # Plain text: the values are isolated with LRI/RLI…PDI (a reference or a French title
    # in an Arabic sentence would be reordered), the application's name too, so that an
    # Arabic subject starts, and reads, right to left.
    context = {**context, "app": isolate(APP_TAG)}
    project = context.get("project")
    if project is not None:
        title = project.title_ar if language == "ar" and project.title_ar else project.title
        context.update(reference=isolate(project.reference), title=isolate(title))
    for name in ("supplier", "requested_by"):  # a bank-details request's names
        if name in context:
            context[name] = isolate(context[name])
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),  # a header is one line
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def _language_of(user: User) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else DEFAULT_LANGUAGE
