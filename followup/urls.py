"""Follow-up's pages, mounted under /grants/ in the "grants" namespace beside grants' and
procurement's (reintegration/urls.py composes them), so their addresses and names are
unchanged."""
from django.urls import path

from . import views

urlpatterns = [
    path("visits/", views.VisitListView.as_view(), name="visit_list"),
    path("visits/<int:pk>/", views.VisitUpdateView.as_view(), name="visit_update"),
    path("visits/<int:pk>/reschedule/", views.VisitRescheduleView.as_view(), name="visit_reschedule"),
    path("visits/<int:pk>/photo/", views.VisitPhotoView.as_view(), name="visit_photo"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
]
