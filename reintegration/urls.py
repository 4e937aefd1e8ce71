from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from ceremonies import views as ceremonies_views
from followup import urls as followup_urls
from grants import urls as grants_urls
from procurement import urls as procurement_urls
from reintegration import health, views
from reintegration.dashboard.views import DashboardView, home

urlpatterns = [
    path("", home, name="home"),
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
    # Procurement's and follow-up's pages keep the addresses and names they had in grants.
    path("grants/", include((
        grants_urls.urlpatterns + procurement_urls.urlpatterns + followup_urls.urlpatterns,
        grants_urls.app_name,
    ))),
    path("ceremonies/", include("ceremonies.urls")),
    path("cases/", include("cases.urls")),
    # Public, no login: what a certificate's QR code opens.
    path("verify/<str:token>/", ceremonies_views.verify, name="verify"),
    path("audit/", include("reintegration.audit.urls")),
    path("jobs/", include("reintegration.jobs.urls")),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/", include("reintegration.dashboard.urls")),
    path("", include("reintegration.security.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
]
