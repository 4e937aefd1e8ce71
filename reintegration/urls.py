from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from reintegration import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url="/password/change/done/"),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", views.login_not_required(set_language), name="set_language"),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("grants/", include("grants.urls")),
    path("ceremonies/", include("ceremonies.urls")),
    path("admin/", admin.site.urls),
]
