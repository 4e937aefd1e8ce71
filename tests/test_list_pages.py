"""The lists stay fast at 100,000 files and show the same thing: select boxes written
inline, filter forms and their options from the cache, estimated or capped counts,
deep pages read by id (bench/README.md)."""

import datetime
import re
from decimal import Decimal

import pytest
from django import forms
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from beneficiaries.models import Beneficiary
from grants.models import Project
from reintegration.common import pagination
from reintegration.common.pagination import ListPaginator, estimated_row_count
from reintegration.common.widgets import InlineSelect

from .factories import (
    RABAT,
    BeneficiaryFactory,
    ConventionFactory,
    EstablishmentFactory,
    FollowUpVisitFactory,
    ProjectFactory,
    SectorFactory,
    prefecture,
)

pytestmark = pytest.mark.django_db

LIST = reverse("beneficiaries:list")


def filter_form(response) -> str:
    html = response.content.decode()
    return html[html.index('<form method="get"'):html.index("</form>", html.index('<form method="get"'))]


def options(response, name: str) -> list[str]:
    form = filter_form(response)
    select = form[form.index(f'<select name="{name}"'):]
    select = select[:select.index("</select>")]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


# --- the select box ---------------------------------------------------------------------

CHOICES = [
    ("", "---------"),
    ("a<b", 'Rabat & "Salé"'),
    (3, 2.5),
    ("Région", [("x", "Témara"), ("y", "Skhirate <b>")]),
    (True, "oui"),
]


@pytest.mark.parametrize("value", ["", "a<b", "x", 3, "3", None, ["x", "a<b"]])
@pytest.mark.parametrize("attrs", [None, {"class": "form-select", "id": "id_p", "required": True,
                                          "disabled": False, "data-x": '"q"'}])
def test_the_inline_select_writes_exactly_what_djangos_select_writes(value, attrs):
    django_html = forms.Select(choices=CHOICES, attrs=attrs).render("pre<fecture>", value)
    inline_html = InlineSelect(choices=CHOICES, attrs=attrs).render("pre<fecture>", value)
    assert inline_html == django_html


def test_a_select_with_templates_of_its_own_renders_through_them():
    class Mine(InlineSelect):
        option_template_name = "django/forms/widgets/input_option.html"

    class Reference(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    html = Mine(choices=CHOICES).render("x", "a<b")
    assert html == Reference(choices=CHOICES).render("x", "a<b")
    assert "<option" not in html


# --- the filter form, cached --------------------------------------------------------------

def test_the_filter_form_is_the_same_from_the_cache(client_for, auditor):
    EstablishmentFactory(name="Prison locale Tiflet 2")
    BeneficiaryFactory()
    client = client_for(auditor)
    first = filter_form(client.get(LIST))
    with CaptureQueriesContext(connection) as queries:
        again = filter_form(client.get(LIST))
    assert again == first
    assert "Prison locale Tiflet 2" in first
    assert not [q for q in queries if 'FROM "beneficiaries_penitentiaryestablishment"' in q["sql"]]


def test_the_cached_form_shows_the_values_of_each_request(client_for, auditor):
    tiflet = EstablishmentFactory(name="Prison locale Tiflet 2")
    BeneficiaryFactory(establishment=tiflet, status=Beneficiary.Status.ELIGIBLE)
    client = client_for(auditor)
    client.get(LIST)
    form = filter_form(client.get(LIST, {"status": "eligible", "establishment": tiflet.pk}))
    assert '<option value="eligible" selected>' in form
    assert f'<option value="{tiflet.pk}" selected>Prison locale Tiflet 2</option>' in form
    plain = filter_form(client.get(LIST, {"q": "x"}))
    assert "selected>" not in plain.replace('<option value="" selected>', "")
    assert 'value="x"' in plain


def test_a_field_with_errors_is_never_cached(client_for, auditor):
    client = client_for(auditor)
    wrong = client.get(LIST, {"ordering": "cin"})
    assert wrong.context["filter"].errors
    assert "invalid-feedback" in filter_form(wrong)
    wrong_again = client.get(LIST, {"ordering": "cin"})
    assert "invalid-feedback" in filter_form(wrong_again)
    assert "invalid-feedback" not in filter_form(client.get(LIST, {"ordering": "name"}))


def test_the_cached_options_follow_the_language(client_for, auditor, temara):
    BeneficiaryFactory(prefecture=temara)
    client = client_for(auditor)
    french = options(client.get(LIST), "prefecture")
    arabic = options(client.get(LIST, HTTP_ACCEPT_LANGUAGE="ar"), "prefecture")
    assert temara.name_fr in french
    assert temara.name_ar in arabic
    assert temara.name_fr not in arabic


def test_the_cached_options_follow_the_users_scope(client_for, auditor, staff, temara, rabat):
    BeneficiaryFactory(prefecture=temara)
    BeneficiaryFactory(prefecture=rabat)
    assert set(options(client_for(auditor).get(LIST), "prefecture")) >= {temara.name_fr, rabat.name_fr}
    # The same page for a member of staff of Skhirate-Témara, right after: their own scope.
    assert options(client_for(staff).get(LIST), "prefecture") == ["---------", temara.name_fr]


def test_a_choice_out_of_the_users_scope_is_refused_even_if_it_was_cached(client_for, staff, rabat):
    BeneficiaryFactory(prefecture=rabat, last_name="Rbati")
    response = client_for(staff).get(LIST, {"prefecture": rabat.pk})
    assert response.context["filter"].errors
    assert "Rbati" not in response.content.decode()


def test_the_projects_list_filters_by_convention_and_sector_from_cached_options(client_for, auditor):
    convention = ConventionFactory(reference="CONV-TEM-2024")
    sewing = SectorFactory(name_fr="Couture", name_ar="خياطة", name_en="Sewing")
    ProjectFactory(title="Atelier de couture", sector=sewing, convention=convention)
    ProjectFactory(title="Boulangerie")
    client = client_for(auditor)
    client.get(reverse("grants:project_list"))
    by_sector = client.get(reverse("grants:project_list"), {"sector": sewing.pk})
    assert [p.title for p in by_sector.context["object_list"]] == ["Atelier de couture"]
    assert f'<option value="{sewing.pk}" selected>Couture</option>' in filter_form(by_sector)
    by_convention = client.get(reverse("grants:project_list"), {"convention": convention.pk})
    assert [p.title for p in by_convention.context["object_list"]] == ["Atelier de couture"]
    assert f'<option value="{convention.pk}" selected>' in filter_form(by_convention)


# --- counts -------------------------------------------------------------------------------

def test_a_filtered_or_scoped_list_is_never_estimated():
    assert estimated_row_count(Beneficiary.objects.filter(status="eligible")) is None
    assert estimated_row_count(Beneficiary.objects.all()[:10]) is None
    assert estimated_row_count(Beneficiary.objects.values("status").distinct()) is None


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the estimate is PostgreSQL's")
def test_sqlite_counts_exactly(client_for, auditor):
    BeneficiaryFactory.create_batch(3)
    assert estimated_row_count(Beneficiary.objects.all()) is None
    response = client_for(auditor).get(LIST)
    assert "3 dossiers" in response.content.decode()
    assert "≈" not in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class is PostgreSQL's")
def test_postgresql_estimates_a_whole_table_once_analysed():
    BeneficiaryFactory.create_batch(3)
    estimate = estimated_row_count(Beneficiary.objects.all())
    assert estimate is None or estimate >= 0


@pytest.fixture
def national_estimate(monkeypatch):
    """The planner's estimate of a national table of 100,000 files, whatever the test
    database holds (the estimate itself is PostgreSQL's, tested above)."""
    monkeypatch.setattr(pagination, "estimated_row_count",
                        lambda queryset: 100_000 if not queryset.query.where else None)


def test_the_unfiltered_national_list_shows_an_estimated_count(client_for, auditor, national_estimate):
    BeneficiaryFactory.create_batch(30)
    response = client_for(auditor).get(LIST)
    html = response.content.decode()
    assert escape("≈ 100000 dossiers") in html
    assert escape("Page 1 sur ≈ 4000") in html
    assert 'rel="next"' in html
    last = client_for(auditor).get(LIST, {"page": 2})
    assert len(last.context["object_list"]) == 5
    assert 'rel="next"' not in last.content.decode()
    assert client_for(auditor).get(LIST, {"page": 3}).status_code == 404


def test_a_filtered_list_counts_exactly_even_when_the_table_is_large(client_for, auditor, national_estimate):
    BeneficiaryFactory.create_batch(3, status=Beneficiary.Status.ELIGIBLE)
    BeneficiaryFactory(status=Beneficiary.Status.CLOSED)
    html = client_for(auditor).get(LIST, {"status": "eligible"}).content.decode()
    assert "3 dossiers" in html
    assert "≈" not in html


def test_a_capped_count_stops_counting_but_pages_to_the_end():
    BeneficiaryFactory.create_batch(7)
    queryset = Beneficiary.objects.order_by("last_name")
    paginator = ListPaginator(queryset, 2, count_limit=3)
    assert paginator.count == 3
    assert not paginator.count_is_exact
    first = paginator.page(1)
    assert first.total_label == "2+"
    assert first.has_next()
    fourth = paginator.page(4)
    assert [b.pk for b in fourth] == [queryset[6].pk]
    assert not fourth.has_next()
    assert fourth.total_label == "4+"
    with pytest.raises(EmptyPage):
        paginator.page(5)
    assert ListPaginator(queryset, 2, count_limit=10).page(4).total_label == "4"


def test_the_visit_list_counts_its_visits_up_to_twenty_pages(client_for, staff):
    today = timezone.localdate()
    project = ProjectFactory(status=Project.Status.ACTIVE, convention=ConventionFactory(),
                             approved_amount=Decimal("40000.00"), launched_on=today)
    for days in range(3):
        FollowUpVisitFactory(project=project, due_on=today - datetime.timedelta(days=days))
    response = client_for(staff).get(reverse("grants:visit_list"))
    assert len(response.context["object_list"]) == 3
    assert response.context["paginator"].count_limit == 20 * 25
    assert response.context["paginator"].count_is_exact


# --- deep pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("ordering", [("last_name",), ("-release_date", "last_name"), ("status",)])
def test_a_deep_page_holds_the_same_rows_in_the_same_order(ordering):
    BeneficiaryFactory.create_batch(
        9, prefecture=prefecture(RABAT), establishment=EstablishmentFactory(),
        release_date=datetime.date(2024, 1, 1),
    )
    queryset = Beneficiary.objects.select_related("prefecture", "establishment").order_by(*ordering, "pk")
    plain = ListPaginator(queryset, 4)
    deep = ListPaginator(queryset, 4)
    deep.late_lookup_from = 0
    for number in (1, 2, 3):
        assert [b.pk for b in deep.page(number)] == [b.pk for b in plain.page(number)]
    with CaptureQueriesContext(connection) as queries:
        rows = list(deep.page(2))
        assert [row.prefecture.code for row in rows] == [RABAT] * 4
    assert len(queries) == 2


def test_a_search_keeps_the_files_in_name_order(client_for, auditor):
    for last, first in [("Zeroual", "Amine"), ("Alaoui", "Sara"), ("Alaoui", "Ali"), ("Bennani", "Aya")]:
        BeneficiaryFactory(last_name=last, first_name=first)
    response = client_for(auditor).get(LIST, {"q": "a"})
    assert [(b.last_name, b.first_name) for b in response.context["object_list"]] == [
        ("Alaoui", "Ali"), ("Alaoui", "Sara"), ("Bennani", "Aya"), ("Zeroual", "Amine"),
    ]
    by_file = client_for(auditor).get(LIST, {"q": "a", "ordering": "-name"})
    assert by_file.context["object_list"][0].last_name == "Zeroual"
