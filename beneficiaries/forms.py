"""Forms of the beneficiary's file, grouped in the sections a social worker recognises."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row, Submit
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reintegration.accounts.scope import is_national
from reintegration.common.uploads import validate_document
from reintegration.common.validators import normalise_cin, normalise_phone, validate_cin
from reintegration.territories.models import Prefecture

from .models import Beneficiary, BeneficiaryDocument, PenitentiaryEstablishment
from .selectors import (
    BY_CIN,
    BY_NAME_AND_BIRTH_DATE,
    beneficiaries_with_same_name_and_birth_date,
    beneficiary_with_same_cin,
    log_lookups,
    lookups_for,
)
from .services import MOVES, already_funded, mark_eligible, possible_moves

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The documents the intake form accepts with the file (field name = document kind).
INTAKE_DOCUMENTS = [
    BeneficiaryDocument.Kind.ID_COPY,
    BeneficiaryDocument.Kind.RELEASE_CERTIFICATE,
    BeneficiaryDocument.Kind.CONSENT_FORM,
    BeneficiaryDocument.Kind.PHOTO,
]
IDENTITY_FIELDS = ("first_name", "last_name", "birth_date")
# What a user is told to do about a file found outside their prefectures: its owner and
# place stay hidden from them; an administrator sees every prefecture.
ASK_AN_ADMINISTRATOR = _("Ask an administrator, who sees every prefecture, whether it is the same person.")


def two_columns(*names):
    return Row(*(Column(name, css_class="col-md-6") for name in names))


class BeneficiaryForm(forms.ModelForm):
    """Create and edit a file. The view passes the `request`: its user decides the
    prefectures offered and whether a duplicate's link may be shown, and the duplicate
    checks that find a file are written to the access log in its name."""

    # Wider than the stored value: typed with spaces or dashes, normalised in clean_*.
    cin = forms.CharField(
        label=capfirst(_("national ID number (CIN)")), max_length=20, required=False,
        help_text=_("One or two letters followed by digits, e.g. AB123456."),
    )
    phone = forms.CharField(
        label=capfirst(_("phone")), max_length=25, required=False,
        help_text=_("e.g. 0612345678 or +212612345678"),
    )
    confirm_different_person = forms.BooleanField(
        label=_("I have checked: this is a different person with the same name and date of birth"),
        required=False,
    )

    class Meta:
        model = Beneficiary
        fields = [
            "last_name", "first_name", "last_name_ar", "first_name_ar", "cin", "birth_date", "sex",
            "phone", "address", "prefecture",
            "establishment", "release_date", "detention_months",
            "education_level", "prison_training", "skills",
            "family_status", "dependents", "guardian_name", "guardian_consent_signed_on",
            "consent_signed_on",
        ]
        widgets = {
            "birth_date": DATE_WIDGET,
            "release_date": DATE_WIDGET,
            "consent_signed_on": DATE_WIDGET,
            "guardian_consent_signed_on": DATE_WIDGET,
            "address": forms.Textarea(attrs={"rows": 2}),
            "prison_training": forms.Textarea(attrs={"rows": 2}),
            "skills": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user = request.user
        self.lookups = []
        self.possible_duplicates = []
        self.hidden_duplicates = 0
        prefectures = Prefecture.objects.all()
        if not is_national(user):
            prefectures = prefectures.filter(pk__in=user.prefectures.values("pk"))
        self.fields["prefecture"].queryset = prefectures
        self.fields["establishment"].queryset = PenitentiaryEstablishment.objects.select_related(
            "prefecture"
        )

    # --- sections -------------------------------------------------------------------

    @property
    def helper(self) -> FormHelper:
        # Built on each render: the duplicate confirmation appears only once a match is found.
        helper = FormHelper(self)
        helper.form_tag = True
        helper.attrs = {"novalidate": ""}
        helper.layout = Layout(
            *self.duplicate_section(),
            Fieldset(
                _("Identity"),
                two_columns("last_name", "first_name"),
                two_columns("last_name_ar", "first_name_ar"),
                Row(Column("cin", css_class="col-md-4"), Column("birth_date", css_class="col-md-4"),
                    Column("sex", css_class="col-md-4")),
            ),
            Fieldset(_("Contact"), two_columns("phone", "prefecture"), "address"),
            Fieldset(
                _("Detention"),
                Row(Column("establishment", css_class="col-md-6"),
                    Column("release_date", css_class="col-md-3"),
                    Column("detention_months", css_class="col-md-3")),
            ),
            Fieldset(_("Training and skills"), "education_level", "prison_training", "skills"),
            Fieldset(
                _("Family"),
                two_columns("family_status", "dependents"),
                two_columns("guardian_name", "guardian_consent_signed_on"),
            ),
            Fieldset(
                _("Consent"),
                HTML('{% include "beneficiaries/_consent_notice.html" %}'),
                "consent_signed_on",
            ),
            *self.document_section(),
            Div(Submit("save", _("Save")), css_class="mt-3"),
        )
        return helper

    def duplicate_section(self) -> list:
        if not (self.possible_duplicates or self.hidden_duplicates):
            return []
        return [Div(
            HTML('{% include "beneficiaries/_duplicate_warning.html" %}'),
            "confirm_different_person",
            css_class="alert alert-warning",
        )]

    def document_section(self) -> list:
        return []

    # --- rules ----------------------------------------------------------------------

    def full_clean(self):
        self.lookups = []
        super().full_clean()
        log_lookups(self.request, self.lookups)

    def clean_cin(self):
        cin = normalise_cin(self.cleaned_data.get("cin", ""))
        validate_cin(cin)
        existing = beneficiary_with_same_cin(cin, exclude=self.instance)
        if existing is None:
            return cin
        [lookup] = lookups_for(self.user, [existing], BY_CIN)
        self.lookups.append(lookup)
        if lookup.in_scope:
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("This national ID number is already registered:"),
                    reverse("beneficiaries:detail", args=[existing.public_id]),
                    _("open the existing file"),
                ),
                code="duplicate_cin",
            )
        # Two messages joined, not an f-string: makemessages does not read inside f-strings.
        refusal = _("This national ID number is already registered in another prefecture.")
        raise forms.ValidationError(f"{refusal} {ASK_AN_ADMINISTRATOR}", code="duplicate_cin")

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) for name in IDENTITY_FIELDS) and (
            self.instance.pk is None or any(name in self.changed_data for name in IDENTITY_FIELDS)
        ):
            self.check_possible_duplicates(cleaned)
        return cleaned

    def check_possible_duplicates(self, cleaned) -> None:
        same = list(beneficiaries_with_same_name_and_birth_date(
            first_name=cleaned["first_name"], last_name=cleaned["last_name"],
            birth_date=cleaned["birth_date"], exclude=self.instance,
        ))
        if not same:
            return
        lookups = lookups_for(self.user, same, BY_NAME_AND_BIRTH_DATE)
        self.lookups.extend(lookups)
        self.possible_duplicates = [lookup.found for lookup in lookups if lookup.in_scope]
        self.hidden_duplicates = len(same) - len(self.possible_duplicates)
        if not cleaned.get("confirm_different_person"):
            self.add_error(
                "confirm_different_person",
                _("A file with the same name and date of birth already exists: tick this box "
                  "to confirm that this is a different person."),
            )

    def service_fields(self) -> dict:
        """The model fields, as the services take them."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class BeneficiaryCreateForm(BeneficiaryForm):
    """The intake form: the file and its first documents, saved together or not at all."""

    id_copy = forms.FileField(label=_("Copy of the national ID"), required=False)
    release_certificate = forms.FileField(label=_("Release certificate"), required=False)
    consent_form = forms.FileField(label=_("Signed consent form"), required=False)
    photo = forms.FileField(label=_("Photo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in INTAKE_DOCUMENTS:
            self.fields[kind].help_text = _("PDF, JPEG or PNG, 10 MB at most.")
            self.fields[kind].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"

    def document_section(self) -> list:
        return [Fieldset(_("Documents"), *(two_columns(*INTAKE_DOCUMENTS[i:i + 2]) for i in (0, 2)))]

    def _clean_document(self, kind):
        uploaded = self.cleaned_data.get(kind)
        if uploaded:
            validate_document(uploaded)
        return uploaded

    def clean_id_copy(self):
        return self._clean_document("id_copy")

    def clean_release_certificate(self):
        return self._clean_document("release_certificate")

    def clean_consent_form(self):
        return self._clean_document("consent_form")

    def clean_photo(self):
        return self._clean_document("photo")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent_form") and not cleaned.get("consent_signed_on") \
                and "consent_signed_on" not in self.errors:
            self.add_error(
                "consent_signed_on", _("Enter the date on which the consent form was signed.")
            )
        return cleaned

    @property
    def documents(self) -> list[tuple[str, object]]:
        return [(kind, self.cleaned_data[kind]) for kind in INTAKE_DOCUMENTS if self.cleaned_data.get(kind)]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=BeneficiaryDocument.Kind.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG, 10 MB at most."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
        self.helper = FormHelper(self)
        self.helper.layout = Layout("kind", "file", Submit("upload", _("Upload")))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_document(uploaded)
        return uploaded


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the file's history."),
        error_messages={"required": _("Give the reason for this change.")},
    )
    justification = forms.CharField(
        label=_("Justification of a new funding"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to find eligible a person who already had a project funded."),
    )

    def __init__(self, *args, beneficiary: Beneficiary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in possible_moves(beneficiary)]
        fields = ["status", "reason"]
        if already_funded(beneficiary):
            fields.append("justification")
        else:
            del self.fields["justification"]
        self.helper = FormHelper(self)
        self.helper.layout = Layout(*fields, Submit("change", _("Change the status")))

    def move(self, *, beneficiary: Beneficiary, user, reason: str) -> Beneficiary:
        target = Beneficiary.Status(self.cleaned_data["status"])
        if target == Beneficiary.Status.ELIGIBLE:
            return mark_eligible(beneficiary=beneficiary, user=user, reason=reason,
                                 justification=self.cleaned_data.get("justification", ""))
        return MOVES[target](beneficiary=beneficiary, user=user, reason=reason)
