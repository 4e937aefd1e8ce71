"""Forms of ceremonies, their guests, projects, photos and certificates.

The forms check the shape of what is typed; the rules live in `ceremonies.services`,
whose errors the views put back on the same fields.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from grants.models import Convention, Project
from procurement.models import Disbursement
from reintegration.accounts.scope import is_national
from reintegration.common.money import format_money
from reintegration.territories.models import Prefecture

from .models import Attendance, Ceremony, Guest, PressCoverage
from .services import ceremony_beneficiaries, ready_projects

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def row(*names, width="col-md-6"):
    return Row(*(Column(name, css_class=width) for name in names))


class CeremonyForm(forms.ModelForm):
    class Meta:
        model = Ceremony
        fields = [
            "title", "title_ar", "held_on", "place", "place_ar", "prefecture", "presided_by",
            "presided_by_title", "presided_by_ar", "presided_by_title_ar", "convention", "notes",
        ]
        widgets = {
            "held_on": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 3}),
            "title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "place_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "presided_by_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "presided_by_title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
        }
        help_texts = {
            "presided_by": _("As it will be printed, e.g. “M. Mohamed Alaoui”."),
            "presided_by_title": _("e.g. “Governor of the prefecture of Skhirate-Témara”."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        prefectures = Prefecture.objects.all() if is_national(user) else user.prefectures.all()
        self.fields["prefecture"].queryset = prefectures
        self.fields["convention"].queryset = (
            Convention.objects.visible_to(user).select_related("prefecture").order_by("reference")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Ceremony"), row("title", "title_ar"),
                     row("held_on", "prefecture", "convention", width="col-md-4"),
                     row("place", "place_ar")),
            Fieldset(_("Presided by"), row("presided_by", "presided_by_title"),
                     row("presided_by_ar", "presided_by_title_ar")),
            "notes",
        )

    def clean(self):
        cleaned = super().clean()
        convention, prefecture = cleaned.get("convention"), cleaned.get("prefecture")
        if convention and prefecture and convention.prefecture_id != prefecture.pk:
            self.add_error(
                "convention", _("The convention must be one of the ceremony's prefecture.")
            )
        return cleaned


class GuestForm(forms.ModelForm):
    class Meta:
        model = Guest
        fields = ["category", "rank", "name", "title", "attendance"]
        widgets = {
            # Shown in a table row per guest: the column header is the label.
            "name": forms.TextInput(attrs={"class": "form-control form-control-sm", "aria-label": _("Name")}),
            "title": forms.TextInput(
                attrs={"class": "form-control form-control-sm", "aria-label": _("Title or office")}
            ),
            "category": forms.Select(
                attrs={"class": "form-select form-select-sm", "aria-label": _("Category")}
            ),
            "rank": forms.NumberInput(
                attrs={"class": "form-control form-control-sm", "aria-label": _("Rank"), "min": 0,
                       "style": "width: 5rem"}
            ),
            "attendance": forms.Select(
                attrs={"class": "form-select form-select-sm", "aria-label": _("Attendance")}
            ),
        }


GuestFormSet = forms.inlineformset_factory(
    Ceremony, Guest, form=GuestForm, extra=3, can_delete=True, max_num=50, validate_max=True,
)


class ProjectChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, project):
        return (
            f"{project.reference} — {project.beneficiary.full_name} — {project.title} "
            f"({format_money(project.equipment_total)})"
        )


class AddProjectsForm(forms.Form):
    projects = ProjectChoiceField(
        label=_("Projects whose equipment is delivered"),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one project.")},
    )

    def __init__(self, *args, ceremony, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = (
            ready_projects(ceremony).with_equipment_total()
            .select_related("beneficiary").order_by("reference")
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("add", _("Add to the ceremony")))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. a wrong item, or a beneficiary who never received the equipment."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"data-confirm": _("Revoke this certificate? This cannot be undone.")}
        self.helper.add_input(Submit("revoke", _("Revoke the certificate"), css_class="btn-danger"))


class SignedCopyForm(forms.Form):
    file = forms.FileField(
        label=_("Signed certificate (scan)"), help_text=_("PDF, JPEG or PNG, 10 MB at most.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Upload")))


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"), help_text=_("JPEG or PNG, 10 MB at most."))
    caption = forms.CharField(label=_("Caption"), max_length=255, required=False)
    people = forms.ModelMultipleChoiceField(
        label=_("Beneficiaries shown"), queryset=Beneficiary.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only those who gave their image-rights consent may appear on a photo kept."),
    )

    def __init__(self, *args, ceremony, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = ceremony_beneficiaries(ceremony).order_by("last_name", "first_name")
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Add the photo")))


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label=_("The beneficiary"), choices=Attendance.Status.choices, widget=forms.RadioSelect,
        initial=Attendance.Status.PRESENT,
    )
    proxy_name = forms.CharField(label=_("Proxy's full name"), max_length=200, required=False)
    proxy_cin = forms.CharField(
        label=_("Proxy's national ID number (CIN)"), max_length=12, required=False,
        help_text=_("e.g. AB123456"),
    )
    proxy_document = forms.FileField(
        label=_("Power of attorney (scan)"), required=False,
        help_text=_("PDF, JPEG or PNG, 10 MB at most. Required when a proxy receives."),
    )

    cash_method = forms.ChoiceField(
        label=_("Cash grant handed on the day"), required=False,
        choices=[("", _("No: paid another day, or no cash grant")), *Disbursement.Method.choices],
    )
    cash_reference = forms.CharField(
        label=_("Cheque number or transfer reference"), max_length=50, required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "status",
            Fieldset(_("When a proxy receives for the beneficiary"),
                     row("proxy_name", "proxy_cin"), "proxy_document"),
            Fieldset(_("Cash grant"), row("cash_method", "cash_reference")),
        )
        self.helper.add_input(Submit("save", _("Save the attendance")))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Attendance.Status.REPRESENTED:
            if not (cleaned.get("proxy_name") or "").strip():
                self.add_error(
                    "proxy_name", _("Enter the name of the person who receives for the beneficiary.")
                )
            if not (cleaned.get("proxy_cin") or "").strip():
                self.add_error("proxy_cin", _("Enter the proxy's national ID number."))
        return cleaned


class ImageConsentForm(forms.Form):
    granted = forms.TypedChoiceField(
        label=_("The beneficiary"), coerce=lambda value: value == "yes",
        choices=[("yes", _("agrees to be photographed and named in the press")),
                 ("no", _("does not agree (or withdraws their consent)"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the beneficiary's answer.")},
    )
    signed_on = forms.DateField(label=_("Date of signature"), widget=DATE_WIDGET)
    signed_form = forms.FileField(
        label=_("Signed form (scan)"), required=False,
        help_text=_("PDF, JPEG or PNG, 10 MB at most. Required when the consent is given."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save the consent")))


class PressReleaseForm(forms.Form):
    text_fr = forms.CharField(
        label=_("French text"), widget=forms.Textarea(attrs={"rows": 12, "lang": "fr"}),
        error_messages={"required": _("Write the French text of the press release.")},
    )
    text_ar = forms.CharField(
        label=_("Arabic text"), widget=forms.Textarea(attrs={"rows": 12, "lang": "ar", "dir": "rtl"}),
        error_messages={"required": _("Write the Arabic text of the press release.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", _("Save the press release")))


class PressCoverageForm(forms.ModelForm):
    url = forms.URLField(
        label=_("Link"), required=False, max_length=500, assume_scheme="https",
        error_messages={"invalid": _("Enter a full web address, e.g. https://www.map.ma/…")},
    )

    class Meta:
        model = PressCoverage
        fields = ["outlet", "published_on", "url"]
        widgets = {"published_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(row("outlet", "published_on", "url", width="col-md-4"))
        self.helper.add_input(Submit("add", _("Record the coverage")))
