"""The form of a follow-up visit; the rules are `followup.services.record_visit`'s."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from procurement.forms import DateInput
from reintegration.common.uploads import validate_document

from .models import FollowUpVisit


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    activity_status = forms.ChoiceField(
        label=_("Activity status"), choices=FollowUpVisit.ActivityStatus.choices
    )
    monthly_revenue = forms.DecimalField(
        label=_("Monthly revenue (DH)"), max_digits=12, decimal_places=2,
        min_value=Decimal("0"), required=False,
    )
    jobs_created = forms.IntegerField(label=_("Jobs created"), min_value=0, max_value=999, initial=0)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_visit_on = forms.DateField(label=_("Next visit on"), widget=DateInput(), required=False)
    photo = forms.FileField(label=_("Photo"), required=False, help_text=_("JPEG or PNG, 10 MB at most."))
    equipment_missing = forms.BooleanField(label=_("Equipment sold or missing"), required=False)
    activity_closed = forms.BooleanField(label=_("Activity closed"), required=False)
    reincarcerated = forms.BooleanField(label=_("Beneficiary re-incarcerated"), required=False)
    beneficiary_unreachable = forms.BooleanField(label=_("Beneficiary unreachable"), required=False)

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        if photo:
            validate_document(photo, allowed=("image/jpeg", "image/png"))
        return photo


class RescheduleForm(forms.Form):
    due_on = forms.DateField(label=_("New date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), max_length=100,
        help_text=_("Why the visit moves (the beneficiary is away, a holiday…): kept in its history."),
    )


class AlertActionForm(forms.Form):
    action = forms.CharField(
        label=_("Follow-up action"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
        help_text=_("What was done: call, visit, referral, equipment recovered…"),
    )
    close = forms.BooleanField(label=_("Close the alert"), required=False)
