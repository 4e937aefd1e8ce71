"""The client's address behind the reverse proxy.

Behind nginx every request comes from 127.0.0.1, so the login throttle (django-axes,
per username and address) and the access log (`AccessLog.ip_address`) would see one
address for the whole country. nginx puts the client's address in X-Forwarded-For;
this middleware believes that header only when the request comes from a trusted proxy
(DJANGO_TRUSTED_PROXIES), and takes the right-most address that is not one of them,
the last one a trusted machine vouches for.
"""

from django.conf import settings


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))

    def __call__(self, request):
        if request.META.get("REMOTE_ADDR") in self.trusted:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            for address in reversed([part.strip() for part in forwarded.split(",")]):
                if address and address not in self.trusted:
                    request.META["REMOTE_ADDR"] = address
                    break
        return self.get_response(request)
