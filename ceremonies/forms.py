"""Forms of ceremonies, their guests, projects, photos and certificates.

The forms check the shape of what is typed; the rules live in `ceremonies.services`,
whose errors the views put back on the same fields.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from grants.models import Convention, Project
from reintegration.accounts.scope import is_national
from reintegration.common.money import format_money
from reintegration.territories.models import Prefecture

from .models import Ceremony, Guest
from .services import ready_projects

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
        fields = ["name", "title", "kind"]
        widgets = {
            # Shown in a table row per guest: the column header is the label.
            "name": forms.TextInput(attrs={"class": "form-control form-control-sm", "aria-label": _("Name")}),
            "title": forms.TextInput(
                attrs={"class": "form-control form-control-sm", "aria-label": _("Title or office")}
            ),
            "kind": forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": _("Kind")}),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Add the photo")))
