"""A status as a coloured badge, for lists and page titles of every app.

    {% load badges %}{% status_badge beneficiary %}      {# its `status` #}
    {% status_badge order "payment_status" %}           {# another field with choices #}

writes `<span class="badge text-bg-info">Éligible</span>`. The colours come from the
model: `STATUS_BADGES` (for `status`; `<FIELD>_BADGES` for another field) maps each
value to Bootstrap classes, and a value it does not name is grey (`text-bg-secondary`).

One tag rather than an `{% include %}` per row: an include costs a template lookup, a
new context and a `get_…_display()` each time, about 0.1 ms, i.e. 3 ms for a list of 25
rows (bench/README.md).
"""

from functools import cache

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()

DEFAULT_CLASSES = "text-bg-secondary"


@register.simple_tag
def status_badge(obj, field_name: str = "status"):
    value = getattr(obj, field_name)
    model = type(obj)
    classes = getattr(model, f"{field_name.upper()}_BADGES", {}).get(value, DEFAULT_CLASSES)
    label = _labels(model, field_name, get_language()).get(value, value)
    return format_html('<span class="badge {}">{}</span>', classes, label)


@cache
def _labels(model, field_name: str, language: str | None) -> dict:
    # The field's choices translated into `language` (the active one), once per process:
    # `get_status_display()` rebuilds its mapping from the choices and translates the
    # label again on every call.
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}
