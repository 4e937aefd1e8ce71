"""The Django admin walked model by model, as an administrator past the one-time code.

No list of models is kept here: every `ModelAdmin` of `admin.site._registry` is a test
case, so a model registered later is walked on its own. Its example object comes from
its factory in tests/factories.py (the test names a model that has none). For each:

- the list opens, searches and sorts, each of its filters' choices opens, and hostile
  values in its filters, search, sort and date drill-down make no server error;
- the add page opens, and a valid object (the example's values, read back from its
  change page) is added by posting the add form: every required field is on it;
- the change page opens and saves unchanged; the history pages open; the delete page
  asks for confirmation; odd object ids in these URLs make no server error;
- an admin that may not add, change or delete answers 403 to those posts.
"""

import inspect

import factory
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from simple_history.admin import SimpleHistoryAdmin

from . import factories
from .admin_forms import admin_form, posted_back

pytestmark = pytest.mark.django_db

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ODD_IDS = ["0", "-1", "9" * 24, "abc", "é" * 50, "00000000-0000-0000-0000-000000000000"]
# Fewer than the lists' (tests/test_hostile_input.py): the admin has many more parameters.
ODD_VALUES = ["-1", "9" * 24, "abc", "2024-02-30", "é" * 300, "\x00"]
# A filter's choices are opened up to this many (the prefecture filter has 75).
CHOICES_PER_FILTER = 6
PDF = b"%PDF-1.4\n%admin walk\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
PASSWORD = "Un-mot-de-passe-solide-2024"


def walk_id(item) -> str:
    return item[0]._meta.label


def factory_for(model):
    for _name, candidate in inspect.getmembers(factories, inspect.isclass):
        if issubclass(candidate, factory.django.DjangoModelFactory) and candidate._meta.model is model:
            return candidate
    return None


def example(model):
    model_factory = factory_for(model)
    if model_factory is None:
        pytest.fail(f"{model._meta.label} is in the admin: add its factory to tests/factories.py")
    return model_factory()


def url(model, name: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def form_errors(response) -> str:
    context = response.context or {}
    errors = []
    if "adminform" in context:
        errors.append(context["adminform"].form.errors.as_text())
    for inline in context.get("inline_admin_formsets", []):
        errors.extend(str(e) for e in inline.formset.errors if e)
        errors.extend(str(e) for e in inline.formset.non_form_errors())
    return " | ".join(e for e in errors if e)


@pytest.fixture
def client(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def request_of(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


def test_every_model_in_the_admin_has_a_factory():
    missing = [model._meta.label for model, _admin in REGISTRY if factory_for(model) is None]
    assert missing == []


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_the_list_opens_searches_and_sorts(registered, client):
    model, model_admin = registered
    example(model)
    changelist = url(model, "changelist")
    assert client.get(changelist).status_code == 200
    if model_admin.search_fields:
        for value in ODD_VALUES:
            assert client.get(changelist, {"q": value}).status_code in {200, 400}, value
    for order in [*map(str, range(len(model_admin.list_display) + 1)), "-1", "1.-2", "abc", "9" * 24]:
        assert client.get(changelist, {"o": order}).status_code in {200, 302}, order
    for name in ("p", "all", "_to_field", "_popup", "e"):
        for value in ODD_VALUES[:3]:
            assert client.get(changelist, {name: value}).status_code < 500, (name, value)


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_every_filter_of_the_list_opens_and_survives_hostile_values(registered, client):
    model, model_admin = registered
    example(model)
    changelist = url(model, "changelist")
    change_list = client.get(changelist).context["cl"]
    for spec in change_list.filter_specs:
        for choice in list(spec.choices(change_list))[:CHOICES_PER_FILTER]:
            response = client.get(changelist + choice["query_string"])
            assert response.status_code == 200, choice["query_string"]
        for name in spec.expected_parameters():
            for value in ODD_VALUES:
                assert client.get(changelist, {name: value}).status_code < 500, (name, value)
    if model_admin.date_hierarchy:
        year, month, day = (f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
        for query in [
            *({year: value} for value in ("0", "9999", "9" * 24, "abc", "\u00b2")),
            {year: "2024", month: "13"}, {year: "2024", month: "0"},
            {year: "2024", month: "2", day: "30"}, {year: "2024", month: "12", day: "31"},
        ]:
            assert client.get(changelist, query).status_code in {200, 302, 400}, query


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_the_add_page_opens_and_adds_a_valid_object(registered, client, request_of):
    model, model_admin = registered
    add = url(model, "add")
    if not model_admin.has_add_permission(request_of):
        assert client.get(add).status_code == 403
        assert client.post(add, {}).status_code == 403
        return
    assert client.get(add).status_code == 200
    data = add_form_data(client, model, add)
    before = set(model._default_manager.values_list("pk", flat=True))
    response = client.post(add, data)
    assert response.status_code == 302, form_errors(response)
    added = model._default_manager.exclude(pk__in=before)
    assert added.count() == 1
    # A unique number the form does not ask for is given by the admin: left empty, the
    # next object added would collide with this one.
    for field in model._meta.concrete_fields:
        if field.unique and isinstance(field, models.CharField) and field.name not in data:
            assert getattr(added.get(), field.attname), field.name


def add_form_data(client, model, add: str) -> dict:
    """The add form as a person fills it in: the example's values, read back from its
    change page, a real file in each file field, a strong password where one is asked.
    The example is deleted first, so its unique values are free again."""
    data = admin_form(client, add)
    form = client.get(add).context["adminform"].form
    obj = example(model)
    known = posted_back(client.get(url(model, "change", obj.pk)).context["adminform"].form)
    obj.delete()
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if key in known:
            data[key] = known[key]
        if field.widget.__class__.__name__ == "PasswordInput":
            data[key] = PASSWORD
        if field.__class__.__name__ == "ImageField":
            data[key] = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
        elif field.__class__.__name__ == "FileField":
            data[key] = SimpleUploadedFile("document.pdf", PDF, content_type="application/pdf")
    return data


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_the_change_page_opens_and_saves_unchanged(registered, client, request_of):
    model, model_admin = registered
    obj = example(model)
    change = url(model, "change", obj.pk)
    assert client.get(change).status_code == 200
    data = admin_form(client, change)
    response = client.post(change, data)
    if model_admin.has_change_permission(request_of, obj):
        assert response.status_code == 302, form_errors(response)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_the_history_pages_open(registered, client):
    model, model_admin = registered
    obj = example(model)
    assert client.get(url(model, "history", obj.pk)).status_code == 200
    if isinstance(model_admin, SimpleHistoryAdmin):
        record = obj.history.first()
        assert record is not None
        assert client.get(url(model, "simple_history", obj.pk, record.history_id)).status_code == 200


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_the_delete_page_asks_for_confirmation(registered, client, request_of):
    model, model_admin = registered
    obj = example(model)
    delete = url(model, "delete", obj.pk)
    expected = 200 if model_admin.has_delete_permission(request_of, obj) else 403
    assert client.get(delete).status_code == expected


@pytest.mark.parametrize("registered", REGISTRY, ids=walk_id)
def test_odd_object_ids_make_no_server_error(registered, client):
    model, model_admin = registered
    obj = example(model)
    for odd in ODD_IDS:
        for name in ("change", "history", "delete"):
            assert client.get(url(model, name, odd)).status_code < 500, (name, odd)
        try:
            history_form = url(model, "simple_history", obj.pk, odd)
        except NoReverseMatch:
            continue
        assert client.get(history_form).status_code < 500, odd
