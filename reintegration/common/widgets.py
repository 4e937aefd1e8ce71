"""Form widgets shared by the lists' filter forms."""

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

_DJANGO_SELECT = "django/forms/widgets/select.html"
_DJANGO_OPTION = "django/forms/widgets/select_option.html"


def _attributes(attrs: dict) -> str:
    """Django's `attrs.html`: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}" if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _text(value) -> str:
    # What `{{ label }}` prints: numbers and dates localised, then escaped.
    return conditional_escape(value if isinstance(value, str) else localize(value))


class InlineSelect(forms.Select):
    """Django's `Select`, byte for byte, with its options written here rather than through
    one template `{% include %}` each: a list's filter form has up to 400 options (75
    prefectures, 91 establishments, 300 conventions), and their includes were half of the
    beneficiaries list's rendering time (bench/README.md). A subclass or instance with
    its own templates renders them as usual."""

    def _render(self, template_name, context, renderer=None):
        if template_name != _DJANGO_SELECT or self.option_template_name != _DJANGO_OPTION:
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        html = [format_html('<select name="{}"', widget["name"]), _attributes(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in options:
                html.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f'{_attributes(option["attrs"])}>{_text(option["label"])}</option>\n'
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        # The template renderer strips what it renders.
        return mark_safe("".join(html).strip())
