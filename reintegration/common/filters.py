"""The lists' filter sets: fast select boxes with cached options, sorting translated when a page is shown."""

import django_filters
from django import forms
from django.core.cache import cache
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import get_language

from reintegration.accounts.scope import is_national

from .widgets import InlineSelect

# The years a date filter accepts: a year outside them is a form error on the field, not a
# query (the database's year bounds stop at 1 and 9999, a 24-digit number overflows).
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _descending(template, label) -> str:
    return template % label


descending_label = lazy(_descending, str)


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter formats its "(descending)" labels when the module is imported, in the
    default language, so an Arabic page showed "Nom (décroissant)"; these labels are
    formatted when the page is shown, in the reader's language."""

    def build_choices(self, fields, labels):
        ascending = [(param, labels.get(field, pretty_name(param))) for field, param in fields.items()]
        descending = [
            (f"-{param}", labels.get(f"-{param}", descending_label(self.descending_fmt, label)))
            for param, label in ascending
        ]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]


class YearFilter(django_filters.NumberFilter):
    """The year of a date field (`field_name`), a whole number from FIRST_YEAR to LAST_YEAR."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "year")
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": FIRST_YEAR, "max": LAST_YEAR}))
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # max_value is the field's own


class ListFilterSet(django_filters.FilterSet):
    """Base of the lists' filter sets. Rendering the filter form was half of a list's
    time (bench/README.md), so:

    - each single-choice filter without a widget of its own renders as `InlineSelect`
      (the same HTML as Django's select, several times faster);
    - the options of the filters named in `cached_options` (prefectures, establishments,
      conventions: up to 300 rows read and turned into models on every page, 10–50 ms)
      are kept in the cache for `cache_timeout` seconds, per language and user scope;
    - a template may take each select box as rendered from the cache too
      (`{{ field|as_cached_crispy_field }}`, reintegration/common/templatetags/lists.py):
      the form carries the cache's prefix (`field_cache_prefix`) for it;
    - a list opened without filters may take its whole form from the cache
      (`{% cached_filter_form filter %}`, same module): the form is not even built.

    An option added meanwhile appears that much later; the choice a user submits is
    still checked against the database, and a field with errors is never cached."""

    cached_options: tuple[str, ...] = ()
    cache_timeout = 60

    def get_form_class(self):
        for filter_ in self.filters.values():
            if getattr(filter_.field_class, "widget", None) is forms.Select:
                filter_.extra.setdefault("widget", InlineSelect)
        return super().get_form_class()

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name in self.cached_options:
                field = form.fields[name]
                field.widget.choices = cache.get_or_set(
                    f"{self.cache_prefix()}:options:{name}",
                    lambda field=field: _plain_choices(field),
                    self.cache_timeout,
                )
            form.field_cache_prefix = self.cache_prefix()
            form.field_cache_timeout = self.cache_timeout
        return self._form

    def cache_prefix(self) -> str:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            scope = "anonymous"
        else:
            scope = "national" if is_national(user) else f"user-{user.pk}"
        kind = type(self)
        return f"list-filters:{kind.__module__}.{kind.__qualname__}:{get_language()}:{scope}"


def _plain_choices(field) -> list[tuple[str, str]]:
    # Strings only: a cached queryset or lazy label would be read again in another language.
    return [(str(value), str(label)) for value, label in field.choices]
