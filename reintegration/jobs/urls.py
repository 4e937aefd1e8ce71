from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("<uuid:public_id>/", views.job_detail, name="detail"),
    path("<uuid:public_id>/status/", views.job_status, name="status"),
    path("<uuid:public_id>/result/", views.job_result, name="result"),
    path("<uuid:public_id>/retry/", views.job_retry, name="retry"),
]
