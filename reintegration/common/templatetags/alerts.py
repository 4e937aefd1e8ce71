"""Errors in sight: what a refused form says, summed up at the top of the page.

A form that comes back with errors keeps what was typed and shows each error by its
field, which may be far below the fold; the base template also lists them in the block
of messages at the top, which takes the focus when the page loads (static/js/app.js), so
a screen reader announces it and nobody scrolls to find out why nothing happened.
"""

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


def _form_errors(form: forms.BaseForm) -> list[str]:
    errors = []
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        for message in messages:
            if field is not None and field.label:
                errors.append(_("%(field)s: %(error)s") % {"field": capfirst(field.label), "error": message})
            else:
                errors.append(str(message))
    return errors


@register.simple_tag(takes_context=True)
def form_error_summary(context) -> list[str]:
    """Every error of every bound form or formset of the page, labelled by its field."""
    errors: list[str] = []
    seen: set[int] = set()
    for value in context.flatten().values():
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, forms.BaseForm) and value.is_bound:
            errors += _form_errors(value)
        elif isinstance(value, BaseFormSet) and value.is_bound:
            errors += [str(message) for message in value.non_form_errors()]
            for form in value.forms:
                errors += _form_errors(form)
    return list(dict.fromkeys(errors))
