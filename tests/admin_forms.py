"""Django admin forms as a browser posts them back, for tests that change one field."""

from django import forms
from django.urls import reverse


def posted_back(form) -> dict:
    """What the browser posts back for an unchanged form (with its prefix)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        key = form.add_prefix(name)
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):  # a date and a time: one input each
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for suffix, part_widget, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                data[key + suffix] = part_widget.format_value(part) or ""
        elif value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(field.prepare_value(value))
    return data


def admin_form(client, url) -> dict:
    """The admin page's form and its inline forms, as posted back unchanged."""
    context = client.get(url).context
    data = posted_back(context["adminform"].form)
    for inline in context.get("inline_admin_formsets", []):
        data.update(posted_back(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(posted_back(form))
    return data


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
