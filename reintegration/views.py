from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_safe

from reintegration.security.forms import LoginForm

__all__ = ["LoginView", "home", "login_not_required"]


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_safe
def home(request):
    user = request.user
    return render(request, "home.html", {
        "prefectures": user.prefectures.select_related("region"),
    })
