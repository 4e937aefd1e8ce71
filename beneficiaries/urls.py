from django.urls import path

from . import import_views, views

app_name = "beneficiaries"

urlpatterns = [
    path("", views.BeneficiaryListView.as_view(), name="list"),
    path("new/", views.BeneficiaryCreateView.as_view(), name="create"),
    path("<uuid:public_id>/", views.BeneficiaryDetailView.as_view(), name="detail"),
    path("<uuid:public_id>/edit/", views.BeneficiaryUpdateView.as_view(), name="update"),
    path("<uuid:public_id>/status/", views.StatusChangeView.as_view(), name="status"),
    path(
        "<uuid:public_id>/documents/new/", views.DocumentUploadView.as_view(),
        name="document_upload",
    ),
    path(
        "documents/<uuid:public_id>/", views.DocumentDownloadView.as_view(),
        name="document_download",
    ),
]

# Spreadsheet import (beneficiaries/import_views.py).
urlpatterns += [
    path("import/", import_views.ImportUploadView.as_view(), name="import"),
    path("import/check/", import_views.ImportPreviewView.as_view(), name="import_preview"),
    path("import/confirm/", import_views.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/template.xlsx", import_views.ImportTemplateView.as_view(), name="import_template"),
]
