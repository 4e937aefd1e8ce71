from django.urls import path

from . import views

app_name = "grants"

# Conventions, projects and their review (grants/views.py).
urlpatterns = [
    path("conventions/", views.ConventionListView.as_view(), name="convention_list"),
    path("conventions/new/", views.ConventionCreateView.as_view(), name="convention_create"),
    path("conventions/<int:pk>/", views.ConventionDetailView.as_view(), name="convention_detail"),
    path("conventions/<int:pk>/edit/", views.ConventionUpdateView.as_view(), name="convention_update"),
    path(
        "conventions/<int:pk>/partners/", views.ConventionPartnersView.as_view(), name="convention_partners"
    ),
    path("agreements/", views.FrameworkAgreementListView.as_view(), name="framework_agreement_list"),
    path(
        "agreements/<int:pk>/",
        views.FrameworkAgreementDetailView.as_view(),
        name="framework_agreement_detail",
    ),
    path(
        "agreements/<int:pk>/document/",
        views.FrameworkAgreementDocumentView.as_view(),
        name="framework_agreement_document",
    ),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/<uuid:public_id>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<uuid:public_id>/edit/", views.ProjectUpdateView.as_view(), name="project_update"),
    path("projects/<uuid:public_id>/study/", views.ProjectStudyView.as_view(), name="project_study"),
    path("projects/<uuid:public_id>/submit/", views.ProjectSubmitView.as_view(), name="project_submit"),
    path("projects/<uuid:public_id>/launch/", views.ProjectLaunchView.as_view(), name="project_launch"),
    path("projects/<uuid:public_id>/close/", views.ProjectCloseView.as_view(), name="project_close"),
    path("projects/<uuid:public_id>/abandon/", views.ProjectAbandonView.as_view(), name="project_abandon"),
    path(
        "projects/<uuid:public_id>/equipment/", views.ProjectEquipmentView.as_view(),
        name="project_equipment",
    ),
    path(
        "projects/<uuid:public_id>/amendments/new/", views.AmendmentRequestView.as_view(),
        name="amendment_create",
    ),
    path("amendments/", views.AmendmentListView.as_view(), name="amendment_list"),
    path("amendments/<int:pk>/", views.AmendmentDetailView.as_view(), name="amendment_decide"),
    path("amendments/<int:pk>/withdraw/", views.AmendmentWithdrawView.as_view(), name="amendment_withdraw"),
    path("review/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("review/<uuid:public_id>/", views.ProjectReviewView.as_view(), name="project_review"),
    path("review/<uuid:public_id>/opinion/", views.DasOpinionView.as_view(), name="review_das_opinion"),
    path("committee/", views.CommitteeSessionListView.as_view(), name="committee_session_list"),
    path("committee/new/", views.CommitteeSessionCreateView.as_view(), name="review_committee_session"),
    path("committee/<int:pk>/", views.CommitteeSessionDetailView.as_view(), name="committee_session_detail"),
    path("committee/<int:pk>/minutes.pdf", views.CommitteeMinutesPdfView.as_view(),
         name="committee_session_minutes"),
]
