from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autofocus": True,
        }),
        help_text=_("The 6 digits shown by your authenticator app, or one of your recovery codes."),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()

    def reject(self) -> None:
        self.add_error("token", _("This code is wrong or has expired. Try the current code."))
