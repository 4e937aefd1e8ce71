"""Forms of suppliers, purchase orders, quotes, deliveries, and cash grants.

The forms check the shape of what is typed; the rules across rows live in
`procurement.services`, whose errors the views put back on the same fields.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from grants.models import Convention
from reintegration.common.money import format_money
from reintegration.common.uploads import validate_document
from reintegration.common.validators import normalise_phone, validate_ice, validate_rib

from .models import Disbursement, Quote, Supplier


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _digits(value: str) -> str:
    """Identifiers are often typed in groups ("001 561 191 000 066"): keep the digits."""
    return "".join((value or "").split()).replace("-", "")


# A supplier's fields that change only through a `SupplierBankChange`.
BANK_FIELDS = ("ice", "rib")


def widen_for_spaces(field) -> None:
    """Room for the spaces people type between groups of digits; the model's length
    applies after cleaning."""
    field.max_length = 40
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.widget.attrs["maxlength"] = "40"


def clean_rib_input(value: str) -> str:
    rib = _digits(value)
    validate_rib(rib)
    return rib


def clean_ice_input(value: str) -> str:
    ice = _digits(value)
    validate_ice(ice)
    return ice


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "ice", "rc", "tax_id", "phone", "email", "address", "rib"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "ice": _("15 digits (Identifiant commun de l'entreprise)."),
            "rib": _("24 digits, with its two-digit key at the end."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Set when the supplier is registered; changed afterwards only through a
            # request that an administrator approves (procurement.bank).
            for name in BANK_FIELDS:
                self.fields.pop(name, None)
        for name in BANK_FIELDS:
            if name in self.fields:
                widen_for_spaces(self.fields[name])

    def save(self, commit=True):
        if commit and self.instance.pk:
            # Only the fields of the form: a change of bank details approved meanwhile
            # is not written back over with the values read when the page opened.
            self.instance.save(update_fields=[name for name in self.fields if name not in BANK_FIELDS])
            return self.instance
        return super().save(commit)

    def clean_ice(self) -> str:
        ice = clean_ice_input(self.cleaned_data["ice"])
        if ice and Supplier.objects.filter(ice=ice).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A supplier with this ICE is already registered."), code="unique")
        return ice

    def clean_rib(self) -> str:
        return clean_rib_input(self.cleaned_data["rib"])

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])


class BankChangeRequestForm(forms.Form):
    new_rib = forms.CharField(
        label=_("New RIB"), max_length=40, required=False,
        help_text=_("24 digits, with its two-digit key at the end, as on the bank certificate."),
    )
    new_ice = forms.CharField(
        label=_("ICE"), max_length=40, required=False,
        help_text=_("15 digits; change it only to correct it."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the supplier changed banks; say who at the supplier asked, and how."),
    )
    document = forms.FileField(
        label=_("Bank certificate"),
        help_text=_("The supplier's attestation de RIB: PDF, JPEG or PNG, 10 MB at most."),
    )

    def clean_new_rib(self) -> str:
        return clean_rib_input(self.cleaned_data["new_rib"])

    def clean_new_ice(self) -> str:
        return clean_ice_input(self.cleaned_data["new_ice"])

    def clean_document(self):
        document = self.cleaned_data["document"]
        validate_document(document)
        return document


class BankChangeDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve the new details")), (REFUSE, _("Refuse the change"))],
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to refuse; e.g. what the call to the supplier's known number said."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the change is refused."))
        return cleaned


class ConventionChoiceForm(forms.Form):
    convention = forms.ModelChoiceField(
        label=_("Convention"), queryset=Convention.objects.none(), empty_label=None
    )

    def __init__(self, *args, conventions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convention"].queryset = conventions


class LineChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, line) -> str:
        return f"{line.project.reference} · {line.designation} × {line.quantity} · {format_money(line.total)}"


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier.objects.all())
    ordered_on = forms.DateField(label=_("Order date"), widget=DateInput())
    lines = LineChoiceField(
        label=_("Equipment lines"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("Lines of approved projects of this convention not yet ordered."),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].queryset = lines


class QuoteForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = ["supplier", "amount", "quoted_on", "document", "chosen", "justification"]
        widgets = {"quoted_on": DateInput(), "justification": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].required = True
        self.fields["amount"].min_value = Decimal("0")

    def clean_document(self):
        document = self.cleaned_data["document"]
        validate_document(document)
        return document


class DeliveryForm(forms.Form):
    """One quantity (and serial number) per line of the order, named after the line."""

    delivered_on = forms.DateField(label=_("Delivery date"), widget=DateInput())

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            # Shown in a table row per line: the column header is the label.
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=_("Quantity received"), min_value=0, initial=0, required=False,
                widget=forms.NumberInput(attrs={
                    "class": "form-control form-control-sm", "aria-label": _("Quantity received"),
                    "max": line.quantity_remaining,
                }),
            )
            self.fields[f"serial_{line.pk}"] = forms.CharField(
                label=_("Serial number"), max_length=100, required=False, initial=line.serial_number,
                widget=forms.TextInput(attrs={
                    "class": "form-control form-control-sm", "aria-label": _("Serial number"),
                }),
            )

    def rows(self):
        for line in self.lines:
            yield line, self[f"quantity_{line.pk}"], self[f"serial_{line.pk}"]

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"quantity_{line.pk}") or 0 for line in self.lines}

    def serial_numbers(self) -> dict[int, str]:
        return {
            line.pk: self.cleaned_data.get(f"serial_{line.pk}", "")
            for line in self.lines
            if self.cleaned_data.get(f"serial_{line.pk}", "") != line.serial_number
        }


class InvoiceForm(forms.Form):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=50)
    invoice_amount = forms.DecimalField(
        label=_("Invoice amount (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (DH)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=Disbursement.Method.choices)
    reference = forms.CharField(
        label=_("Reference"), max_length=50, required=False,
        help_text=_("Transfer reference or cheque number."),
    )
    rib = forms.CharField(
        label=_("Account credited (RIB)"), max_length=40, required=False,
        help_text=_("For a transfer: the beneficiary's 24-digit RIB, as on their bank certificate."),
    )

    def clean_rib(self) -> str:
        return clean_rib_input(self.cleaned_data["rib"])

    def clean(self):
        cleaned = super().clean()
        method, rib = cleaned.get("method"), cleaned.get("rib")
        if method == Disbursement.Method.TRANSFER and not rib and "rib" not in self.errors:
            self.add_error("rib", _("Enter the RIB of the account the transfer credits."))
        elif method == Disbursement.Method.CHEQUE and rib:
            self.add_error("rib", _("A cheque credits no account: leave the RIB empty."))
        return cleaned
