from django import forms
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grants.models import Convention
from reintegration.accounts.scope import is_national
from reintegration.common.widgets import InlineSelect
from reintegration.territories.models import Prefecture

from .figures import Filters

# Options of the select boxes kept in the (per-process) cache this long, as the lists do
# (reintegration/common/filters.py): a new convention appears in the menu that much later;
# a choice submitted is still checked against the database.
OPTIONS_SECONDS = 60


class DashboardFilterForm(forms.Form):
    """Prefecture (within the user's scope), convention (visible to the user), period.

    The options of the two select boxes, and the boxes as rendered
    (`as_cached_crispy_field`), come from the cache, per language and user scope: read
    and rendered on every request they were a tenth of the national page's time."""

    # InlineSelect writes its options itself: nationally 75 prefectures and 300
    # conventions, which Django's Select renders through one template include each.
    prefecture = forms.ModelChoiceField(
        queryset=Prefecture.objects.none(), required=False, label=_("Prefecture or province"),
        empty_label=_("All my prefectures"), widget=InlineSelect,
    )
    convention = forms.ModelChoiceField(
        queryset=Convention.objects.none(), required=False, label=_("Convention"),
        empty_label=_("All conventions"), widget=InlineSelect,
    )
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].queryset = (
            Prefecture.objects.all() if is_national(user) else user.prefectures.all()
        )
        self.fields["convention"].queryset = Convention.objects.visible_to(user).only(
            "reference", "title"
        )
        scope = "national" if is_national(user) else f"user-{user.pk}"
        self.field_cache_prefix = f"dashboard-filters:{get_language()}:{scope}"
        self.field_cache_timeout = OPTIONS_SECONDS
        for name in ("prefecture", "convention"):
            field = self.fields[name]
            field.widget.choices = cache.get_or_set(
                f"{self.field_cache_prefix}:options:{name}",
                # Strings only: a lazy label would be read again in another language.
                lambda field=field: [(str(value), str(label)) for value, label in field.choices],
                OPTIONS_SECONDS,
            )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period comes before its start."))
        return cleaned

    def filters(self) -> Filters:
        """The valid choices; a wrong one (out of scope, bad date) is ignored."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters(
            prefecture=data.get("prefecture") if "prefecture" not in self.errors else None,
            convention=data.get("convention") if "convention" not in self.errors else None,
            since=data.get("since") if "since" not in self.errors else None,
            until=data.get("until") if "until" not in self.errors else None,
        )
