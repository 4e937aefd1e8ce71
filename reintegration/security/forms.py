from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form, with its user name's length checked.

    Django sets the field's `max_length` after building it, so no validator enforced it:
    any length went on to `authenticate`, and django-axes then failed (a 500) to record a
    user name longer than its 255-character column. A name longer than any account's is
    now an error on the field, and never reaches the password check or the throttle.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


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
