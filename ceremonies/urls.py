from django.urls import path

from . import views

app_name = "ceremonies"

# The public verification page (/verify/<token>/) is in the root URLconf: it has no prefix.
urlpatterns = [
    path("", views.CeremonyListView.as_view(), name="list"),
    path("new/", views.CeremonyCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CeremonyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CeremonyUpdateView.as_view(), name="update"),
    path("<int:pk>/projects/", views.AddProjectsView.as_view(), name="add_projects"),
    path("<int:pk>/projects/<int:project_pk>/remove/", views.RemoveProjectView.as_view(),
         name="remove_project"),
    path("<int:pk>/projects/<int:project_pk>/attendance/", views.AttendanceView.as_view(),
         name="attendance_record"),
    path("attendances/<int:pk>/power-of-attorney/", views.PowerOfAttorneyView.as_view(),
         name="power_of_attorney"),
    path("<int:pk>/beneficiaries/<int:beneficiary_pk>/image-consent/", views.ImageConsentView.as_view(),
         name="image_consent"),
    path("image-consents/<int:pk>/form/", views.ImageConsentFormView.as_view(), name="image_consent_form"),
    path("<int:pk>/press/", views.PressKitView.as_view(), name="press"),
    path("<int:pk>/press/coverage/", views.PressCoverageView.as_view(), name="press_coverage"),
    path("<int:pk>/press/release.pdf", views.PressReleaseDownloadView.as_view(kind="pdf"),
         name="press_release_pdf"),
    path("<int:pk>/press/release.docx", views.PressReleaseDownloadView.as_view(kind="docx"),
         name="press_release_docx"),
    path("<int:pk>/hold/", views.HoldView.as_view(), name="hold"),
    path("<int:pk>/bundle.pdf", views.BundlePdfView.as_view(), name="bundle"),
    path("<int:pk>/attendance.pdf", views.AttendancePdfView.as_view(), name="attendance"),
    path("<int:pk>/photos/new/", views.PhotoUploadView.as_view(), name="photo_upload"),
    path("<int:pk>/photos/<int:photo_pk>/", views.PhotoView.as_view(), name="photo"),
    path("certificates/<int:pk>.pdf", views.CertificatePdfView.as_view(), name="certificate"),
    path("certificates/<int:pk>/signed-copy/", views.SignedCopyUploadView.as_view(),
         name="signed_copy_upload"),
    path("certificates/<int:pk>/signed-copy/download/", views.SignedCopyDownloadView.as_view(),
         name="signed_copy"),
    path("certificates/<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
]
