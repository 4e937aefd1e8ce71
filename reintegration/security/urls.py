from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("account/two-factor/setup/", views.OTPSetupView.as_view(), name="otp_setup"),
    path("account/two-factor/", views.OTPVerifyView.as_view(), name="otp_verify"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path(
        "privacy/beneficiaries/<uuid:public_id>/export/",
        views.beneficiary_export,
        name="beneficiary_export",
    ),
]
