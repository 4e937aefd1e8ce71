"""Template filters of the lists."""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.core.cache import cache
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def as_cached_crispy_field(field):
    """`as_crispy_field`, kept in the cache for a select box of a list's filter form
    (`ListFilterSet`): with its label, wrapper and up to 300 options it took several
    milliseconds per request, and it depends only on the form's filter set, language and
    scope (the cache key's prefix), the field and the value it shows. The values are
    those of its options, so there are few keys. A field with errors, another widget,
    or a form of another kind is rendered as usual."""
    prefix = getattr(field.form, "field_cache_prefix", None)
    if prefix is None or not isinstance(field.field.widget, forms.Select) or field.errors:
        return as_crispy_field(field)
    shown = hashlib.sha256(repr((field.html_name, field.value())).encode()).hexdigest()
    key = f"{prefix}:field:{field.name}:{shown}"
    html = cache.get(key)
    if html is None:
        html = as_crispy_field(field)
        cache.set(key, html, field.form.field_cache_timeout)
    return mark_safe(html)
