from django.conf import settings

from .roles import Role


def role(request):
    user = getattr(request, "user", None)
    return {
        "user_role": user.role if user is not None and user.is_authenticated else None,
        "Role": Role,
        "CNDP_AUTHORISATION": settings.CNDP_AUTHORISATION,
        "DATA_PROTECTION_LAW": settings.DATA_PROTECTION_LAW,
        "FOUNDATION_NAME": settings.FOUNDATION_NAME,
    }
