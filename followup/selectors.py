"""Reads of this app that pages above it need: the open alerts the dashboard counts and
the inbox links to."""

from .models import Alert


def open_alerts(user, *, prefecture=None):
    """The open alerts `user` may see (of `prefecture` when given, which the caller has
    checked is in the user's scope)."""
    alerts = Alert.objects.visible_to(user).open()
    if prefecture is not None:
        alerts = alerts.filter(visit__project__prefecture=prefecture)
    return alerts
