"""No hostile query string or path value ever makes a server error, walked over the URL
resolver (as tests/test_security_urls.py does) so that a list or page added later is
covered on its own:

- every list: each of its filters alone (an invalid filter empties the list, which would
  hide what the others do), `page`, `ordering` and `export`, with years out of range,
  24-digit numbers, NUL, dates that do not exist, overlong and right-to-left text;
- every other page without arguments: the same values in the parameters lists and pages
  commonly read;
- every URL with arguments: each argument replaced by values its converter lets through
  (huge numbers, zero, the nil UUID, NUL, unicode, 5,000 characters), the others naming
  real objects of the test world, by GET and POST.

A refused value is a 4xx or the page with a form error; never a 5xx. The eight causes of
500 found by the probe of issue 18 have a test each at the end.
"""

import datetime
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from ceremonies.models import Ceremony

from . import test_security_urls as resolver_walk
from .factories import BeneficiaryFactory, CeremonyFactory
from .test_security_urls import ROUTES, Route, nonexistent, walk

# The test world of the resolver's walk (Témara's objects, the cast of users, and the
# files put back after each test), built once for this module too.
world = resolver_walk.world
world_files = resolver_walk.world_files

pytestmark = pytest.mark.django_db

# Values that reached a query unchecked in the past, or could.
HOSTILE_VALUES = [
    "0", "-1", "9" * 24, "1e400", "NaN", "1.5",
    "\x00", "2024-02-30", "0000-00-00",
    "é" * 300, "\u202eabc", "' OR 1=1 --", "[]",
]
# Query parameters that pages without a filter set commonly read.
COMMON_PARAMETERS = [
    "page", "ordering", "sort", "o", "q", "year", "since", "until", "status", "prefecture",
    "convention", "beneficiary", "state", "next", "refresh",
]
# Parameters that switch a list to another response: each is sent alone.
SWITCHES = ["export", "format", "page"]
# Pages that only change something or end the session on GET.
NOT_READ = {"logout", "set_language"}

PATH_VALUES = {
    "int": ["0", "0001", "2147483648", "9223372036854775808", "9" * 24],
    "uuid": ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"],
    "str": ["\x00", "-1", "9" * 24, "é" * 200, "\U0001F600", "A" * 5000, "..", "%", " "],
}


def filters_of(route: Route) -> list[str]:
    view_class = getattr(route.callback, "view_class", None)
    filterset = getattr(view_class, "filterset_class", None)
    return list(filterset.base_filters) if filterset is not None else []


LIST_ROUTES = [route for route in ROUTES if not route.params and filters_of(route)]
PAGE_ROUTES = [route for route in ROUTES
               if not route.params and not filters_of(route) and route.name not in NOT_READ]
PUBLIC_ROUTES = [
    route for route in walk(get_resolver().url_patterns)
    if route.is_public and not route.route.startswith(("admin/", "static/"))
]


def assert_no_server_error(client, url, data=None, method="get"):
    response = getattr(client, method)(url, data or {})
    assert response.status_code < 500, (method.upper(), url, data, response.status_code)
    return response


def test_the_walk_finds_every_list():
    names = {route.name for route in LIST_ROUTES}
    assert {"beneficiaries:list", "grants:project_list", "ceremonies:list", "audit:list"} <= names
    assert {"verify", "login"} <= {route.name for route in PUBLIC_ROUTES}


@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
def test_no_filter_value_of_any_list_makes_a_server_error(route, world):
    client = world.clients["admin"]
    url = route.url({})
    for name in [*filters_of(route), *SWITCHES]:
        for value in HOSTILE_VALUES:
            response = assert_no_server_error(client, url, {name: value})
            filterset = (response.context or {}).get("filter") if response.status_code == 200 else None
            if filterset is not None and filterset.errors:
                # Refused by the filter form: said on the page, next to the field.
                assert "invalid-feedback" in response.content.decode(), (name, value)
    # The export reads the same filters as the list.
    for name in filters_of(route):
        for value in HOSTILE_VALUES:
            assert_no_server_error(client, url, {name: value, "export": "csv"})


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=str)
def test_no_query_string_makes_a_server_error_on_other_pages(route, world):
    client = world.clients["admin"]
    url = route.url({})
    for value in HOSTILE_VALUES:
        assert_no_server_error(client, url, dict.fromkeys(COMMON_PARAMETERS, value))
        for name in SWITCHES:
            assert_no_server_error(client, url, {name: value})


def odd_urls(route: Route, values: dict) -> list[str]:
    """The route's URL with each argument in turn replaced by odd values (percent-encoded,
    as a browser sends them), the others kept."""
    return [
        route.url({**values, name: quote(odd, safe="")})
        for name, converter in route.params
        for odd in PATH_VALUES.get(converter, PATH_VALUES["str"])
    ]


@pytest.mark.parametrize("route", [route for route in ROUTES if route.params], ids=str)
def test_no_odd_value_in_a_url_makes_a_server_error(route, world):
    client = world.clients["admin"]
    values, _objects = world.probe(route, "admin", "staff", "officer")
    if values is None:
        values = nonexistent(route)
    for url in odd_urls(route, values):
        assert_no_server_error(client, url)
        with transaction.atomic():
            assert_no_server_error(client, url, method="post")
            transaction.set_rollback(True)


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=str)
def test_no_odd_value_in_a_public_url_makes_a_server_error(route, world):
    anonymous = Client()
    values = nonexistent(route)
    urls = odd_urls(route, values) or [route.url(values)]
    for url in urls:
        assert_no_server_error(anonymous, url)
        for value in HOSTILE_VALUES:
            assert_no_server_error(anonymous, url, dict.fromkeys(COMMON_PARAMETERS, value))


# --- the eight causes of 500 of issue 18, each in the form the probe sent it -------------

def test_an_overlong_user_name_at_login_is_a_form_error(client):
    response = client.post("/login/", {"username": "x" * 300, "password": "whatever-it-is"})
    assert response.status_code == 200
    assert "au plus 150 caractères" in response.content.decode()


def test_a_nul_character_in_a_verification_address_is_a_bad_request(client):
    assert client.get("/verify/%00/").status_code == 400


@pytest.mark.parametrize("year", ["0", "-1", "9" * 24])
def test_a_release_year_out_of_range_is_shown_as_an_error_on_the_list(client_for, staff, year):
    BeneficiaryFactory(release_date=datetime.date(2023, 3, 1))
    response = client_for(staff).get("/beneficiaries/", {"release_year": year})
    assert response.status_code == 200
    assert response.context["filter"].errors["release_year"]
    assert "is-invalid" in response.content.decode()
    assert list(response.context["object_list"]) == []


def test_a_release_year_in_range_filters_the_list(client_for, staff):
    BeneficiaryFactory(release_date=datetime.date(2023, 3, 1), last_name="Sortie")
    BeneficiaryFactory(release_date=datetime.date(2021, 3, 1), last_name="Ancien")
    response = client_for(staff).get("/beneficiaries/", {"release_year": "2023"})
    names = {b.last_name for b in response.context["object_list"]}
    assert "Sortie" in names and "Ancien" not in names


@pytest.mark.parametrize("year", ["0", "-1", "9" * 24])
def test_a_ceremony_year_out_of_range_is_shown_as_an_error_on_the_list(client_for, staff, year):
    CeremonyFactory()
    response = client_for(staff).get("/ceremonies/", {"year": year})
    assert response.status_code == 200
    assert response.context["filter"].errors["year"]
    assert list(response.context["object_list"]) == []


def test_a_nul_character_in_an_admin_filter_is_a_bad_request(client_for, admin_user):
    response = client_for(admin_user).get("/admin/beneficiaries/beneficiary/?status__exact=%00")
    assert response.status_code == 400


def test_the_admin_add_ceremony_page_opens(client_for, admin_user):
    assert client_for(admin_user).get("/admin/ceremonies/ceremony/add/").status_code == 200
    assert str(Ceremony(title="Remise")) == "Remise"


def test_the_admin_add_beneficiary_page_shows_every_field_of_the_file(client_for, admin_user):
    form = client_for(admin_user).get("/admin/beneficiaries/beneficiary/add/").context["adminform"].form
    assert {"first_name", "last_name", "cin", "birth_date", "sex", "phone", "prefecture",
            "release_date", "consent_signed_on", "guardian_name"} <= set(form.fields)
