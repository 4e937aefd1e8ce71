"""The forms of grievances, referrals and transfers: what is typed, checked by the
services (which put their errors back on the fields they name)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Project
from reintegration.accounts.scope import scope_filter
from reintegration.common.dates import format_date
from reintegration.territories.models import Prefecture

from .models import ContactPreference, Grievance, Referral, SmsMessage
from .services import possible_owners

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _helper(form, *fields, submit) -> FormHelper:
    helper = FormHelper(form)
    helper.layout = Layout(*fields, Submit("save", submit))
    return helper


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class GrievanceForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Grievance.Category.choices)
    project = forms.ModelChoiceField(
        label=_("Project concerned"), queryset=Project.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the grievance.")},
    )
    raised_on = forms.DateField(label=_("Raised on"), widget=DATE_WIDGET, initial=timezone.localdate)
    owner = OwnerChoiceField(label=_("Owner"), queryset=None, required=False)
    due_on = forms.DateField(
        label=_("Deadline"), widget=DATE_WIDGET, required=False,
        help_text=_("Left empty: 7 days for missing equipment or treatment by staff, 15 for "
                    "defective equipment or a supplier, 30 otherwise."),
    )

    def __init__(self, *args, beneficiary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = beneficiary.projects.order_by("-created_at")
        self.fields["owner"].queryset = possible_owners(beneficiary)
        self.helper = _helper(self, "category", "project", "description", "raised_on", "owner",
                              "due_on", submit=_("Record the grievance"))


class GrievanceAssignForm(forms.Form):
    owner = OwnerChoiceField(
        label=_("Owner"), queryset=None, error_messages={"required": _("Choose the owner.")}
    )
    due_on = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET, required=False)

    def __init__(self, *args, grievance: Grievance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners(grievance.beneficiary)
        self.helper = _helper(self, "owner", "due_on", submit=_("Assign"))


class GrievanceResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say how the grievance was resolved.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "resolution", submit=_("Mark as resolved"))


class ReferralForm(forms.Form):
    service = forms.ChoiceField(label=_("Partner service"), choices=Referral.Service.choices)
    partner_name = forms.CharField(
        label=_("Partner"), max_length=200, required=False,
        help_text=_("The agency or organisation, e.g. ANAPEC Témara."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the referral.")},
    )
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE_WIDGET, initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "service", "partner_name", "reason", "referred_on",
                              submit=_("Refer"))


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in Referral.Outcome.choices if c[0] != Referral.Outcome.PENDING],
    )
    outcome_on = forms.DateField(label=_("Outcome known on"), widget=DATE_WIDGET,
                                 initial=timezone.localdate)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "outcome", "outcome_on", "notes", submit=_("Record the outcome"))


class TransferRequestForm(forms.Form):
    cin = forms.CharField(
        label=_("National ID number (CIN)"), max_length=12,
        help_text=_("The file is looked up in every prefecture; the look-up is logged."),
    )
    to_prefecture = forms.ModelChoiceField(
        label=_("To prefecture or province"), queryset=Prefecture.objects.none(),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the person now lives in your prefecture."),
        error_messages={"required": _("Give the reason for the request.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        prefectures = scope_filter(Prefecture.objects.order_by("name_fr"), user, "pk")
        self.fields["to_prefecture"].queryset = prefectures
        if prefectures.count() == 1:
            self.fields["to_prefecture"].initial = prefectures.first()
        self.helper = _helper(self, "cin", "to_prefecture", "reason", submit=_("Request the file"))


class TransferAnswerForm(forms.Form):
    ACCEPT, REFUSE = "accept", "refuse"
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("Required for a refusal: the requesting prefecture reads it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        refuse = Submit(self.REFUSE, _("Refuse"))
        refuse.field_classes = "btn btn-outline-danger ms-2"  # not a primary button's blue
        self.helper.layout = Layout(
            "answer", Submit(self.ACCEPT, _("Accept the transfer")), refuse,
        )


class ContactPreferenceForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of messages"), choices=ContactPreference.Language.choices)
    sms_consent_on = forms.DateField(
        label=_("Agreed to SMS on"), widget=DATE_WIDGET, required=False,
        help_text=_("The day the person agreed to receive SMS; empty: no SMS is sent."),
    )
    opted_out = forms.BooleanField(label=_("Asked to receive no more SMS"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "language", "sms_consent_on", "opted_out", submit=_("Save"))


class SmsForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Message"),
        choices=[c for c in SmsMessage.Template.choices if c[0] != SmsMessage.Template.REPLY],
    )
    date = forms.DateField(
        label=_("Date"), widget=DATE_WIDGET, required=False,
        help_text=_("Of the ceremony or the visit."),
    )
    place = forms.CharField(label=_("Place of the ceremony"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "template", "date", "place", submit=_("Send"))

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        dated = (SmsMessage.Template.CONVOCATION, SmsMessage.Template.VISIT_REMINDER)
        if template in dated and not cleaned.get("date") and "date" not in self.errors:
            self.add_error("date", _("Give the date."))
        if template == SmsMessage.Template.CONVOCATION and not cleaned.get("place", "").strip():
            self.add_error("place", _("Give the place of the ceremony."))
        return cleaned

    def context(self) -> dict:
        """The message's placeholders; the date in the person's language at sending."""
        date = self.cleaned_data.get("date")
        return {"date": format_date(date) if date else "", "place": self.cleaned_data.get("place", "")}
