from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("grievances/", views.GrievanceListView.as_view(), name="grievance_list"),
    path("grievances/<uuid:public_id>/", views.GrievanceDetailView.as_view(), name="grievance_detail"),
    path("grievances/<uuid:public_id>/assign/", views.GrievanceAssignView.as_view(),
         name="grievance_assign"),
    path("grievances/<uuid:public_id>/resolve/", views.GrievanceResolveView.as_view(),
         name="grievance_resolve"),
    path("beneficiaries/<uuid:public_id>/grievances/new/", views.GrievanceCreateView.as_view(),
         name="grievance_create"),
    path("referrals/", views.ReferralListView.as_view(), name="referral_list"),
    path("referrals/<uuid:public_id>/", views.ReferralDetailView.as_view(), name="referral_detail"),
    path("referrals/<uuid:public_id>/outcome/", views.ReferralOutcomeView.as_view(),
         name="referral_outcome"),
    path("beneficiaries/<uuid:public_id>/referrals/new/", views.ReferralCreateView.as_view(),
         name="referral_create"),
    path("transfers/", views.TransferListView.as_view(), name="transfer_list"),
    path("transfers/new/", views.TransferRequestView.as_view(), name="transfer_request"),
    path("transfers/<uuid:public_id>/", views.TransferDetailView.as_view(), name="transfer_detail"),
    path("transfers/<uuid:public_id>/answer/", views.TransferAnswerView.as_view(),
         name="transfer_answer"),
    path("sms/", views.SmsListView.as_view(), name="sms_list"),
    path("beneficiaries/<uuid:public_id>/sms/new/", views.SmsSendView.as_view(), name="sms_send"),
    path("beneficiaries/<uuid:public_id>/contact/", views.ContactPreferenceView.as_view(),
         name="contact_preference"),
]
