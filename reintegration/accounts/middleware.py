import time


class NoStoreForAuthenticatedMiddleware:
    """Pages of personal files must never sit in a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


SESSION_REFRESHED_AT = "_refreshed_at"
SESSION_REFRESH_EVERY = 60  # seconds


class SessionIdleTimeoutMiddleware:
    """Slide the session's 30-minute expiry while the user is active.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every page
    (three queries each time); saving it at most once a minute keeps the idle timeout
    within a minute of exact at no cost to the pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        now = int(time.time())
        if now - session.get(SESSION_REFRESHED_AT, 0) >= SESSION_REFRESH_EVERY:
            session[SESSION_REFRESHED_AT] = now  # marks the session modified: saved
        return response


def mark_session_fresh(sender, request, user, **kwargs):
    """Connected to user_logged_in: a new session starts fresh, so the first pages
    after login do not write it again."""
    request.session[SESSION_REFRESHED_AT] = int(time.time())
