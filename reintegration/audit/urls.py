from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.AccessLogListView.as_view(), name="list"),
]
