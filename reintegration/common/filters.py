"""django-filter's sorting, with its choices translated when a page is shown."""

import django_filters
from django.forms.utils import pretty_name
from django.utils.functional import lazy


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
