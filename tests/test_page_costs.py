"""What every page pays for, made cheaper without changing what it shows or checks: the
role and permissions in one query read again on each request, the status badge as a
tag, the menu's and the rows' links reversed once, the unfiltered list's form from the
cache (bench/README.md)."""

import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from beneficiaries.models import Beneficiary
from reintegration.accounts.models import User
from reintegration.accounts.roles import Role
from reintegration.common.links import uuid_url

from .factories import BeneficiaryFactory, EstablishmentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("beneficiaries:list")


def fresh(user) -> User:
    """The user as a new request loads it: nothing read yet."""
    return User.objects.get(pk=user.pk)


# --- role and permissions, one query, every request -----------------------------------------

def test_the_role_and_the_permissions_are_read_in_one_query(staff):
    user = fresh(staff)
    with CaptureQueriesContext(connection) as queries:
        assert user.role == Role.FOUNDATION_STAFF
        assert user.has_perm("beneficiaries.add_beneficiary")
        assert not user.has_perm("grants.add_review")
        assert user.has_perms(["beneficiaries.view_beneficiary", "grants.view_project"])
    assert len(queries) == 1


def test_the_permissions_first_then_the_role_is_still_one_query(officer):
    user = fresh(officer)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("grants.add_review")
        assert user.role == Role.PREFECTURE_OFFICER
    assert len(queries) == 1


def test_a_permission_given_to_the_user_alone_counts(auditor):
    auditor.user_permissions.add(Permission.objects.get(codename="add_beneficiary"))
    user = fresh(auditor)
    assert user.has_perm("beneficiaries.add_beneficiary")
    assert user.get_user_permissions() == {"beneficiaries.add_beneficiary"}
    assert "beneficiaries.add_beneficiary" not in user.get_group_permissions()
    assert user.role == Role.AUDITOR


def test_a_group_without_any_permission_still_gives_its_role(staff):
    Group.objects.get(name=Role.FOUNDATION_STAFF).permissions.clear()
    user = fresh(staff)
    assert user.role == Role.FOUNDATION_STAFF
    assert not user.has_perm("beneficiaries.view_beneficiary")


def test_a_superuser_holds_every_permission_and_an_inactive_user_none(admin_user, staff):
    assert fresh(admin_user).has_perm("grants.add_review")
    assert fresh(admin_user).role == Role.ADMIN
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert fresh(staff).get_all_permissions() == set()
    assert not fresh(staff).has_perm("beneficiaries.view_beneficiary")


def test_removing_someone_from_their_group_takes_effect_on_their_next_page(client_for, staff):
    client = client_for(staff)
    assert client.get(LIST).status_code == 200
    staff.groups.clear()
    assert client.get(LIST).status_code == 403
    assert reverse("beneficiaries:list") not in client.get(reverse("home")).content.decode()


def test_a_permission_taken_from_the_group_takes_effect_on_the_next_page(client_for, staff):
    client = client_for(staff)
    assert 'href="/beneficiaries/new/"' in client.get(LIST).content.decode()
    Group.objects.get(name=Role.FOUNDATION_STAFF).permissions.remove(
        Permission.objects.get(codename="add_beneficiary")
    )
    assert 'href="/beneficiaries/new/"' not in client.get(LIST).content.decode()
    assert client.get(reverse("beneficiaries:create")).status_code == 403


def test_a_new_role_changes_the_scope_on_the_next_page(client_for, staff, rabat):
    BeneficiaryFactory(prefecture=rabat, last_name="Rbati")
    client = client_for(staff)
    assert "Rbati" not in client.get(LIST).content.decode()
    staff.groups.set([Group.objects.get(name=Role.AUDITOR)])
    assert "Rbati" in client.get(LIST).content.decode()


# --- the menu --------------------------------------------------------------------------------

def test_the_menu_links_what_the_role_may_open_and_marks_the_current_section(client_for, staff):
    html = client_for(staff).get(LIST).content.decode()
    assert f'<a class="nav-link active" href="{LIST}" aria-current="page">' in html
    assert f'href="{reverse("grants:project_list")}"' in html
    assert f'href="{reverse("grants:review_queue")}"' not in html
    assert f'href="{reverse("audit:list")}"' not in html


def test_the_cached_menu_is_each_roles_own(client_for, staff, auditor):
    review, audit = reverse("grants:review_queue"), reverse("audit:list")
    staff_page = client_for(staff).get(LIST).content.decode()
    auditor_page = client_for(auditor).get(LIST).content.decode()
    assert f'href="{audit}"' in auditor_page
    assert f'href="{audit}"' not in staff_page
    assert f'href="{review}"' not in auditor_page
    again = client_for(staff).get(reverse("home")).content.decode()
    assert f'href="{audit}"' not in again
    assert '<a class="nav-link active" href="/" aria-current="page">' in again


def test_the_menu_follows_the_language(client_for, staff):
    client = client_for(staff)
    assert ">Bénéficiaires</a>" in client.get(LIST).content.decode()
    assert ">Beneficiaries</a>" in client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()


# --- the status badge ------------------------------------------------------------------------

def render(text: str, **context) -> str:
    return Template("{% load badges %}" + text).render(Context(context))


def test_the_badge_shows_the_translated_label_in_the_colour_of_the_status():
    file = Beneficiary(status=Beneficiary.Status.ELIGIBLE)
    with translation.override("fr"):
        french = str(Beneficiary.Status.ELIGIBLE.label)
        assert render("{% status_badge file %}", file=file) == (
            f'<span class="badge text-bg-info">{french}</span>'
        )
    with translation.override("en"):
        assert render("{% status_badge file %}", file=file) == (
            '<span class="badge text-bg-info">Eligible</span>'
        )


def test_a_status_without_a_colour_is_grey_and_another_field_may_be_shown():
    file = Beneficiary(status=Beneficiary.Status.CLOSED, sex=Beneficiary.Sex.FEMALE)
    with translation.override("en"):
        assert render("{% status_badge file %}", file=file) == (
            '<span class="badge text-bg-secondary">Closed</span>'
        )
        assert render('{% status_badge file "sex" %}', file=file) == (
            '<span class="badge text-bg-secondary">Female</span>'
        )


def test_an_unknown_value_is_shown_escaped():
    file = Beneficiary(status="<b>odd</b>")
    assert render("{% status_badge file %}", file=file) == (
        '<span class="badge text-bg-secondary">&lt;b&gt;odd&lt;/b&gt;</span>'
    )


def test_the_list_and_the_file_show_the_status_badge(client_for, staff, temara):
    file = BeneficiaryFactory(prefecture=temara, status=Beneficiary.Status.REGISTERED)
    client = client_for(staff)
    badge = f'<span class="badge text-bg-light border">{file.get_status_display()}</span>'
    assert badge in client.get(LIST).content.decode()
    assert badge in client.get(file.get_absolute_url()).content.decode()


# --- the rows of the list --------------------------------------------------------------------

def row_of(response, file) -> str:
    html = response.content.decode()
    start = html.rindex("<tr>", 0, html.index(file.file_number))
    return html[start:html.index("</tr>", start)]


def test_a_row_names_the_person_in_latin_first_then_in_arabic(client_for, staff, temara):
    file = BeneficiaryFactory(prefecture=temara, first_name="Youssef", last_name="Alaoui",
                              first_name_ar="يوسف", last_name_ar="العلوي", cin="AB123456",
                              establishment=EstablishmentFactory(name="Prison locale Tiflet 2"),
                              status=Beneficiary.Status.ELIGIBLE)
    row = row_of(client_for(staff).get(LIST), file)
    url = file.get_absolute_url()
    # Each name isolated in its own direction (reintegration/common/bidi.py).
    assert (f'<a href="{url}"><bdi dir="ltr">Alaoui Youssef</bdi></a><br>'
            '<span lang="ar" dir="rtl" class="small text-muted">يوسف العلوي</span>') in row
    assert '<td class="font-monospace" dir="ltr">AB****56</td>' in row
    assert f"<td>{temara.name_fr}</td>" in row
    assert '<td><bdi dir="ltr">Prison locale Tiflet 2</bdi></td>' in row
    assert "text-bg-info" in row


def test_an_arabic_page_names_the_person_in_arabic_first(client_for, staff, temara):
    file = BeneficiaryFactory(prefecture=temara, first_name="Youssef", last_name="Alaoui",
                              first_name_ar="يوسف", last_name_ar="العلوي")
    row = row_of(client_for(staff).get(LIST, HTTP_ACCEPT_LANGUAGE="ar"), file)
    assert (f'<a href="{file.get_absolute_url()}"><bdi dir="rtl">يوسف العلوي</bdi></a><br>'
            '<span dir="ltr" class="small text-muted">Alaoui Youssef</span>') in row
    assert f"<td>{temara.name_ar}</td>" in row


def test_a_row_without_arabic_name_national_id_or_establishment(client_for, staff, temara):
    file = BeneficiaryFactory(prefecture=temara, first_name="Hamza", last_name="Bennani",
                              first_name_ar="", last_name_ar="", cin="", establishment=None)
    row = row_of(client_for(staff).get(LIST, HTTP_ACCEPT_LANGUAGE="ar"), file)
    assert f'<td><a href="{file.get_absolute_url()}"><bdi dir="ltr">Bennani Hamza</bdi></a></td>' in row
    assert row.count("<td>—</td>") == 1
    assert '<td class="font-monospace" dir="ltr">—</td>' in row


def test_names_are_escaped_in_the_rows(client_for, staff, temara):
    file = BeneficiaryFactory(prefecture=temara)
    Beneficiary.objects.filter(pk=file.pk).update(last_name="<script>x</script>")
    row = row_of(client_for(staff).get(LIST), file)
    assert "<script>" not in row
    assert "&lt;script&gt;x&lt;/script&gt;" in row


# --- links -----------------------------------------------------------------------------------

def test_a_link_by_uuid_is_the_one_reverse_writes():
    public_id = uuid.uuid4()
    assert uuid_url("beneficiaries:detail", public_id) == reverse(
        "beneficiaries:detail", args=[public_id]
    )
    assert uuid_url("grants:project_detail", public_id) == reverse(
        "grants:project_detail", args=[public_id]
    )


def test_a_link_by_something_else_than_a_uuid_goes_through_reverse():
    text = str(uuid.uuid4())
    assert uuid_url("beneficiaries:detail", text) == reverse("beneficiaries:detail", args=[text])


def test_the_list_links_each_row_to_its_file(client_for, staff, temara):
    file = BeneficiaryFactory(prefecture=temara)
    html = client_for(staff).get(LIST).content.decode()
    assert f'<a href="/beneficiaries/{file.public_id}/"><bdi dir="ltr">{file.file_number}</bdi></a>' in html


# --- the unfiltered list's form, from the cache --------------------------------------------

def filter_form(response) -> str:
    html = response.content.decode()
    start = html.index('<form method="get"')
    return html[start:html.index("</form>", start)]


def test_an_unfiltered_list_takes_its_form_from_the_cache_without_building_it(
    client_for, auditor
):
    EstablishmentFactory(name="Prison locale Tiflet 2")
    client = client_for(auditor)
    first = client.get(LIST)
    again = client.get(LIST)
    assert filter_form(again) == filter_form(first)
    assert "Prison locale Tiflet 2" in filter_form(again)
    assert not hasattr(again.context["filter"], "_form")


def test_a_filtered_list_builds_its_form_with_the_values_asked(client_for, auditor):
    client = client_for(auditor)
    client.get(LIST)
    filtered = client.get(LIST, {"q": "Alaoui", "status": "eligible"})
    html = filtered.content.decode()
    assert 'value="Alaoui"' in html
    assert '<option value="eligible" selected>' in html
    assert hasattr(filtered.context["filter"], "_form")
    assert 'value="Alaoui"' not in client.get(LIST).content.decode()


def test_each_scope_has_its_own_cached_form(client_for, auditor, staff, rabat):
    BeneficiaryFactory(prefecture=rabat)
    assert rabat.name_fr in client_for(auditor).get(LIST).content.decode()
    assert rabat.name_fr not in client_for(staff).get(LIST).content.decode()


def test_a_form_with_a_csrf_token_is_refused_by_the_cached_block(rf, staff):
    from beneficiaries.filters import BeneficiaryFilter

    request = rf.get(LIST)
    request.user = staff
    template = Template(
        '{% load lists %}{% cached_filter_form filter %}<form method="post">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="x"></form>{% endcached_filter_form %}'
    )
    with pytest.raises(ImproperlyConfigured):
        template.render(Context({"filter": BeneficiaryFilter(None, request=request)}))


def test_an_empty_search_box_comes_from_the_cache_and_a_typed_one_never(
    client_for, auditor, monkeypatch
):
    from reintegration.common.templatetags import lists

    rendered = []
    crispy = lists.as_crispy_field
    monkeypatch.setattr(lists, "as_crispy_field", lambda field: rendered.append(field.name) or crispy(field))
    client = client_for(auditor)
    for _ in range(2):
        client.get(LIST, {"status": "eligible"})
    assert rendered.count("q") == 1
    rendered.clear()
    for _ in range(2):
        client.get(LIST, {"status": "eligible", "q": "Haddad"})
    assert rendered.count("q") == 2
