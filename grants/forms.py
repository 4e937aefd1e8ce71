"""Forms of conventions, projects with their equipment lines, and the officers' review.

The forms check the shape of what is typed; the workflow's rules live in
`grants.services`, whose errors the views put back on the same fields.
"""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from reintegration.common.uploads import validate_document
from reintegration.territories.models import Prefecture

from .funding import shares_problem
from .models import (
    CommitteeDecision,
    Convention,
    ConventionPartner,
    DasOpinion,
    EquipmentItem,
    Partner,
    Project,
    Sector,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ATTRS = {"min": "0", "step": "0.01", "inputmode": "decimal"}
REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


def row(*names, width="col-md-6"):
    return Row(*(Column(name, css_class=width) for name in names))


class ConventionForm(forms.ModelForm):
    class Meta:
        model = Convention
        fields = [
            "reference", "title", "title_ar", "partner", "prefecture", "framework_agreement",
            "indh_phase", "indh_programme",
            "signed_on", "starts_on", "ends_on", "envelope", "max_per_project", "max_share",
            "quote_threshold", "status", "document",
        ]
        widgets = {
            "signed_on": DATE_WIDGET, "starts_on": DATE_WIDGET, "ends_on": DATE_WIDGET,
            "title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "envelope": forms.NumberInput(attrs=MONEY_ATTRS),
            "max_per_project": forms.NumberInput(attrs=MONEY_ATTRS),
            "quote_threshold": forms.NumberInput(attrs=MONEY_ATTRS),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.select_related("prefecture")
        self.fields["partner"].help_text = _(
            "The partner that signs the convention; the partners that fund it and their "
            "shares are set on the convention's page."
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Convention"), row("reference", "status"), "title", "title_ar",
                     row("partner", "prefecture"), "framework_agreement",
                     row("indh_phase", "indh_programme")),
            Fieldset(_("Dates"), row("signed_on", "starts_on", "ends_on", width="col-md-4")),
            Fieldset(_("Budget and funding rules"),
                     row("envelope", "max_per_project", width="col-md-6"),
                     row("max_share", "quote_threshold", width="col-md-6")),
            "document",
            Submit("save", _("Save")),
        )

    def clean_envelope(self):
        envelope = self.cleaned_data["envelope"]
        if envelope is not None and envelope < 0:
            raise ValidationError(_("The envelope cannot be negative."), code="negative")
        if self.instance.pk and envelope is not None:
            figures = Convention.objects.with_budget_figures().get(pk=self.instance.pk)
            if envelope < figures.committed:
                from reintegration.common.money import format_money

                raise ValidationError(
                    _("%(committed)s is already committed: the envelope cannot be smaller.")
                    % {"committed": format_money(figures.committed)},
                    code="below_committed",
                )
        return envelope

    def clean_max_per_project(self):
        value = self.cleaned_data["max_per_project"]
        if value is not None and value < 0:
            raise ValidationError(_("The maximum per project cannot be negative."), code="negative")
        return value

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):
            validate_document(document, allowed=("application/pdf",))
        return document

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date must be after the start date."))
        return cleaned


class ConventionPartnerForm(forms.ModelForm):
    class Meta:
        model = ConventionPartner
        fields = ["partner", "share"]
        widgets = {"share": forms.NumberInput(attrs={"min": "0.01", "max": "100", "step": "0.01"})}


class BaseConventionPartnerFormSet(forms.BaseInlineFormSet):
    """The partners of a convention, whose shares add up to 100 % (staff page and admin)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        problem = shares_problem(self.shares())
        if problem:
            raise ValidationError(problem, code="shares")

    def shares(self) -> list[tuple[Partner, Decimal]]:
        return [
            (form.cleaned_data["partner"], form.cleaned_data["share"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


ConventionPartnerFormSet = forms.inlineformset_factory(
    Convention, ConventionPartner, form=ConventionPartnerForm, formset=BaseConventionPartnerFormSet,
    extra=2, can_delete=True,
)


class ProjectForm(forms.ModelForm):
    """The project's file, edited by staff. The view passes `user`: it decides the
    beneficiaries offered; the project's prefecture is the beneficiary's."""

    class Meta:
        model = Project
        fields = [
            "beneficiary", "title", "title_ar", "sector", "description",
            "cash_grant_amount", "own_contribution", "expected_monthly_revenue", "feasibility_study",
        ]
        widgets = {
            "title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "cash_grant_amount": forms.NumberInput(attrs={**MONEY_ATTRS, "data-cash-grant": ""}),
            "own_contribution": forms.NumberInput(attrs={**MONEY_ATTRS, "data-own-contribution": ""}),
            "expected_monthly_revenue": forms.NumberInput(attrs=MONEY_ATTRS),
        }
        help_texts = {
            "cash_grant_amount": _(
                "Paid in cash to launch the activity: part of what the convention is asked for."
            ),
            "own_contribution": _(
                "What the beneficiary brings beyond what the convention pays (premises, stock, "
                "savings): part of the project's total cost, not asked of the convention."
            ),
            "feasibility_study": _("PDF of the study; its summary figures are the fields above."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        beneficiaries = Beneficiary.objects.visible_to(user).exclude(
            status__in=[Beneficiary.Status.INELIGIBLE, Beneficiary.Status.CLOSED]
        )
        if self.instance.beneficiary_id:
            beneficiaries = beneficiaries | Beneficiary.objects.filter(pk=self.instance.beneficiary_id)
        self.fields["beneficiary"].queryset = beneficiaries.order_by("last_name", "first_name")
        self.fields["beneficiary"].label_from_instance = (
            lambda b: f"{b.last_name} {b.first_name} ({b.file_number})"
        )
        self.fields["sector"].queryset = Sector.objects.all()
        self.fields["expected_monthly_revenue"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Project"), row("beneficiary", "sector"), row("title", "title_ar"), "description"),
            Fieldset(_("Amounts"), row("cash_grant_amount", "own_contribution"),
                     row("expected_monthly_revenue")),
            Fieldset(_("Feasibility study"), "feasibility_study"),
        )

    def _not_negative(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise ValidationError(_("The amount cannot be negative."), code="negative")
        return value

    def clean_cash_grant_amount(self):
        return self._not_negative("cash_grant_amount")

    def clean_own_contribution(self):
        return self._not_negative("own_contribution")

    def clean_expected_monthly_revenue(self):
        return self._not_negative("expected_monthly_revenue")

    def clean_feasibility_study(self):
        study = self.cleaned_data.get("feasibility_study")
        if study and hasattr(study, "content_type"):
            validate_document(study, allowed=("application/pdf",))
        return study

    def clean(self):
        cleaned = super().clean()
        beneficiary, title = cleaned.get("beneficiary"), (cleaned.get("title") or "").strip()
        # Also what stops a creation form posted twice from making two projects.
        if beneficiary and title and (
            Project.objects.filter(beneficiary=beneficiary, title__iexact=title)
            .exclude(pk=self.instance.pk).exists()
        ):
            self.add_error("title", _("This beneficiary already has a project with this title."))
        return cleaned

    def save(self, commit=True):
        project = super().save(commit=False)
        project.prefecture = project.beneficiary.prefecture
        if commit:
            project.save()
            self.save_m2m()
        return project


class EquipmentItemForm(forms.ModelForm):
    class Meta:
        model = EquipmentItem
        fields = ["designation", "designation_ar", "quantity", "unit_price", "reference_price"]
        widgets = {
            # Shown in a table row per line: the column header is the label.
            "designation": forms.TextInput(
                attrs={"class": "form-control form-control-sm", "aria-label": _("Designation")}
            ),
            "designation_ar": forms.TextInput(attrs={
                "class": "form-control form-control-sm mt-1", "dir": "rtl", "lang": "ar",
                "aria-label": _("Designation in Arabic (optional)"),
                "placeholder": _("In Arabic (optional)"),
            }),
            "quantity": forms.NumberInput(attrs={
                "min": "1", "class": "form-control form-control-sm text-end", "data-quantity": "",
                "aria-label": _("Quantity"),
            }),
            "unit_price": forms.NumberInput(attrs={
                **MONEY_ATTRS, "class": "form-control form-control-sm text-end", "data-unit-price": "",
                "aria-label": _("Unit price (DH)"),
            }),
            "reference_price": forms.HiddenInput(),
        }

    def clean_quantity(self):
        quantity = self.cleaned_data.get("quantity")
        if quantity is not None and quantity < 1:
            raise ValidationError(_("The quantity must be at least 1."), code="min_value")
        return quantity

    def clean_unit_price(self):
        price = self.cleaned_data.get("unit_price")
        if price is not None and price < 0:
            raise ValidationError(_("The unit price cannot be negative."), code="negative")
        return price


class BaseEquipmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        lines = [
            form for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        # Lines already ordered from a supplier are no longer the file's to change.
        for form in self.forms:
            if form.instance.pk and form.instance.purchase_order_id and form.has_changed():
                raise ValidationError(
                    _("The line “%(line)s” is on a purchase order: it cannot be changed.")
                    % {"line": form.instance.designation}
                )
        self.line_count = len(lines)


EquipmentFormSet = forms.inlineformset_factory(
    Project, EquipmentItem, form=EquipmentItemForm, formset=BaseEquipmentFormSet,
    extra=1, can_delete=True, max_num=50, validate_max=True,
)


def kit_lines(sector: Sector) -> list[dict]:
    """The sector's trade kit as initial data of equipment lines, to be adjusted."""
    return [
        {"designation": item.designation, "quantity": item.quantity,
         "unit_price": item.reference_price, "reference_price": item.reference_price}
        for item in sector.kit_items.all()
    ]


class SubmitForm(forms.Form):
    justification = forms.CharField(
        label=_("Why fund this beneficiary again?"), required=False, widget=REASON_WIDGET,
        help_text=_("The beneficiary already had a project funded: the reviewer reads this."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=REASON_WIDGET)


class LaunchForm(forms.Form):
    launched_on = forms.DateField(label=_("Launched on"), widget=DATE_WIDGET)

    def clean_launched_on(self):
        launched_on = self.cleaned_data["launched_on"]
        if launched_on > timezone.localdate():
            raise ValidationError(_("The launch date cannot be in the future."), code="future")
        return launched_on


class ApproveForm(forms.Form):
    """The officer's approval: the amount, the convention of the project's prefecture
    it is committed against, and the CPDH committee's decision it rests on."""

    convention = forms.ModelChoiceField(label=_("Convention"), queryset=Convention.objects.none())
    amount = forms.DecimalField(
        label=_("Approved amount (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )
    committee_minutes_number = forms.CharField(label=_("CPDH committee minutes number"), max_length=50)
    committee_decision_on = forms.DateField(label=_("CPDH committee decision date"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), widget=REASON_WIDGET)

    def __init__(self, *args, project, officer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convention"].queryset = (
            Convention.objects.visible_to(officer)
            .filter(prefecture=project.prefecture_id, status=Convention.Status.ACTIVE)
        )
        self.fields["convention"].label_from_instance = lambda c: c.reference
        self.fields["amount"].help_text = _(
            "The ceiling of everything the project may spend from the convention: its equipment "
            "orders and its cash grant together. At most the amount requested."
        )
        requested = project.requested_amount
        if requested and not self.is_bound:
            self.initial.setdefault("amount", requested)

    def clean_committee_decision_on(self):
        decided_on = self.cleaned_data["committee_decision_on"]
        if decided_on > timezone.localdate():
            raise ValidationError(_("The committee's decision cannot be in the future."), code="future")
        return decided_on


class AmendmentRequestForm(forms.Form):
    """Staff's request: the new approved amount, a new cash grant if it changes, why."""

    amount = forms.DecimalField(
        label=_("New approved amount (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
        help_text=_("The whole amount the project should be approved for, not the difference."),
    )
    cash_grant = forms.DecimalField(
        label=_("New cash grant (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0"),
        required=False, widget=forms.NumberInput(attrs=MONEY_ATTRS),
        help_text=_("Leave empty if the cash grant does not change."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=REASON_WIDGET,
        help_text=_("What changed: a price, an extra machine, a quote, an invoice…"),
    )


class AmendmentApproveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Approved amount (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
        help_text=_("At most the amount asked; the project's new ceiling."),
    )
    reason = forms.CharField(label=_("Reason"), widget=REASON_WIDGET)


# --- the DAS opinion and the committee's session -----------------------------------------

class DasOpinionForm(forms.Form):
    opinion = forms.ChoiceField(
        label=_("DAS opinion"), choices=DasOpinion.Opinion.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the DAS opinion.")},
    )
    reason = forms.CharField(label=_("Reason"), widget=REASON_WIDGET)


class CommitteeSessionForm(forms.Form):
    """The session itself: its date, its minutes and who sat."""

    prefecture = forms.ModelChoiceField(label=_("Prefecture or province"), queryset=Prefecture.objects.none())
    held_on = forms.DateField(label=_("Date of the session"), widget=DATE_WIDGET)
    minutes_number = forms.CharField(label=_("Minutes number"), max_length=50)
    members = forms.CharField(
        label=_("Members present"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name and office (e.g. “Mr A. Alaoui, DAS chief”)."),
    )

    def __init__(self, *args, prefectures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].queryset = prefectures
        choices = list(prefectures[:2])
        if len(choices) == 1:
            self.initial.setdefault("prefecture", choices[0].pk)

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise ValidationError(_("The session's date cannot be in the future."), code="future")
        return held_on


class SessionDecisionForm(forms.Form):
    """One file waiting for the committee: left for a later session, approved (convention
    and amount) or refused, with the reason."""

    LATER = ""
    project = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), required=False,
        choices=[(LATER, _("Not decided in this session")), *CommitteeDecision.Decision.choices],
    )
    convention = forms.ModelChoiceField(
        label=_("Convention"), queryset=Convention.objects.none(), required=False
    )
    amount = forms.DecimalField(
        label=_("Approved amount (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        required=False, widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, projects: dict, conventions, **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = projects
        self.fields["convention"].queryset = conventions
        self.fields["convention"].label_from_instance = lambda c: c.reference

    @property
    def project_obj(self):
        key = self["project"].value()
        try:
            return self.projects.get(int(key))
        except (TypeError, ValueError):
            return None

    def clean_project(self):
        key = self.cleaned_data["project"]
        if key not in self.projects:
            raise ValidationError(_("This file is not waiting for a committee decision."), code="unknown")
        return self.projects[key]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Please write the reason."))
        if decision == CommitteeDecision.Decision.APPROVE:
            if cleaned.get("convention") is None:
                self.add_error("convention", _("Choose the convention that funds it."))
            if cleaned.get("amount") is None:
                self.add_error("amount", _("Enter the approved amount."))
            project = cleaned.get("project")
            convention = cleaned.get("convention")
            if project and convention and convention.prefecture_id != project.prefecture_id:
                self.add_error("convention", _("The convention must be one of the project's prefecture."))
        return cleaned


class BaseSessionDecisionFormSet(forms.BaseFormSet):
    def __init__(self, *args, projects: dict, conventions, **kwargs):
        self.projects, self.conventions = projects, conventions
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "projects": self.projects, "conventions": self.conventions}

    def clean(self):
        if any(self.errors):
            return
        chosen = [form.cleaned_data for form in self.forms if form.cleaned_data.get("decision")]
        if not chosen:
            raise ValidationError(_("Choose at least one file decided in this session."), code="no_file")
        keys = [data["project"].pk for data in chosen]
        if len(keys) != len(set(keys)):
            raise ValidationError(_("A file appears twice."), code="twice")

    def decisions(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("decision")]


SessionDecisionFormSet = forms.formset_factory(
    SessionDecisionForm, formset=BaseSessionDecisionFormSet, extra=0, max_num=200, validate_max=True,
)
