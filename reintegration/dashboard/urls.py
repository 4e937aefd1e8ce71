from django.urls import path

from . import views

app_name = "dashboard"

# The dashboard itself is the root URL name "dashboard" (reintegration/urls.py), which
# the navigation looks for; the pages below it live in this namespace.
urlpatterns = [
    path("conventions/<int:pk>/report/", views.ConventionReportView.as_view(),
         name="convention_report"),
    path("conventions/<int:pk>/ledger/", views.ConventionLedgerView.as_view(), name="convention_ledger"),
]
