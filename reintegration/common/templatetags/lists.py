"""Template filters and tags of the lists."""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def as_cached_crispy_field(field):
    """`as_crispy_field`, kept in the cache for a select box of a list's filter form
    (`ListFilterSet`): with its label, wrapper and up to 300 options it took several
    milliseconds per request, and it depends only on the form's filter set, language and
    scope (the cache key's prefix), the field and the value it shows. The values are
    those of its options, so there are few keys. An empty text or number box is kept
    too (about 1 ms each through crispy's templates); once a user has typed in it, it
    is rendered as usual, as is a field with errors, another widget, or a form of
    another kind."""
    prefix = getattr(field.form, "field_cache_prefix", None)
    if prefix is None or field.errors or not _same_for_many(field):
        return as_crispy_field(field)
    shown = hashlib.sha256(repr((field.html_name, field.value())).encode()).hexdigest()
    key = f"{prefix}:field:{field.name}:{shown}"
    html = cache.get(key)
    if html is None:
        html = as_crispy_field(field)
        cache.set(key, html, field.form.field_cache_timeout)
    return mark_safe(html)


def _same_for_many(field) -> bool:
    widget = field.field.widget
    if isinstance(widget, forms.Select):
        return True
    # Free text would give a key per search (and keep searched names in the cache).
    return isinstance(widget, (forms.TextInput, forms.NumberInput)) and field.value() in (None, "")


@register.tag
def cached_filter_form(parser, token):
    """`{% cached_filter_form filter %}<form method="get">…</form>{% endcached_filter_form %}`

    A list opened without filters (the filter set unbound) shows the same form to every
    user of a scope in a language: building it (a field per filter, copied for each
    form, 2 to 3 ms) and rendering it cost as much as the list's rows. The block is
    then kept in the cache under the filter set's prefix (`ListFilterSet.cache_prefix`:
    class, language and scope), for the filter set's `cache_timeout`, and the form is
    not built at all. Once filtered, the block is rendered as usual (its select boxes
    may still come from `as_cached_crispy_field`). Put nothing personal in the block:
    the filter form only, sent by GET."""
    try:
        _tag, filterset = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% cached_filter_form filter %} takes the filter set.") from None
    nodelist = parser.parse(("endcached_filter_form",))
    parser.delete_first_token()
    return CachedFilterFormNode(nodelist, parser.compile_filter(filterset))


class CachedFilterFormNode(template.Node):
    def __init__(self, nodelist, filterset):
        self.nodelist = nodelist
        self.filterset = filterset

    def render(self, context):
        filterset = self.filterset.resolve(context)
        if filterset.is_bound or not hasattr(filterset, "cache_prefix"):
            return self.nodelist.render(context)
        key = f"{filterset.cache_prefix()}:form:{self.origin.template_name}:{self.token.lineno}"
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if "csrfmiddlewaretoken" in html:
                raise ImproperlyConfigured("A cached filter form must not carry a CSRF token.")
            cache.set(key, html, filterset.cache_timeout)
        return mark_safe(html)
