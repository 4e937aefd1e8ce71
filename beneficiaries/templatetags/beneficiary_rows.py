"""The rows of the beneficiaries' list, written in Python.

Through the template engine a row read some fifteen values, each lookup a few
microseconds: 3 ms of a 12 ms page of 25 files, the largest part left once the rest was
made cheaper (bench/README.md). Written here, with what does not change from one row to
the next (the language, the link's pattern) worked out once, the rows cost a third of
that. The list's template keeps the table, its header and the empty case.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_bidi

from reintegration.common.templatetags.badges import status_badge
from reintegration.common.templatetags.formatting import bdi

register = template.Library()

ROW = (
    '<tr><td class="font-monospace"><a href="{url}"><bdi dir="ltr">{number}</bdi></a></td>'
    '<td><a href="{url}">{name}</a>{other_name}</td>'
    '<td class="font-monospace" dir="ltr">{cin}</td><td>{prefecture}</td><td>{establishment}</td>'
    "<td>{status}</td></tr>\n"
)
ARABIC_UNDER = '<br><span lang="ar" dir="rtl" class="small text-muted">{}</span>'
LATIN_UNDER = '<br><span dir="ltr" class="small text-muted">{}</span>'


@register.simple_tag
def beneficiary_rows(beneficiaries):
    """`{% beneficiary_rows object_list %}`: a `<tr>` for each file."""
    # The name in Latin script, and in Arabic under it when the file has it; an Arabic
    # page names people in Arabic first.
    arabic_first = get_language_bidi()
    rows = []
    for beneficiary in beneficiaries:
        latin = f"{beneficiary.last_name} {beneficiary.first_name}"
        arabic = beneficiary.full_name_ar
        if not arabic:
            name, other_name = latin, ""
        elif arabic_first:
            name, other_name = arabic, format_html(LATIN_UNDER, latin)
        else:
            name, other_name = latin, format_html(ARABIC_UNDER, arabic)
        rows.append(format_html(
            ROW,
            url=beneficiary.get_absolute_url(),
            number=beneficiary.file_number,
            # Isolated: a name or an establishment in Latin letters inside an Arabic page.
            name=bdi(name),
            other_name=other_name,
            cin=beneficiary.masked_cin or "—",
            prefecture=beneficiary.prefecture,
            establishment=bdi(beneficiary.establishment) if beneficiary.establishment else "—",
            status=status_badge(beneficiary),
        ))
    return mark_safe("".join(rows))
