"""The fixed cast of every test: who they are and where they work."""

import importlib
import sys

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration.accounts.roles import Role
from reintegration.security.two_factor import requires_two_factor

from .factories import RABAT, SKHIRATE_TEMARA, UserFactory, prefecture
from .without_weasyprint import RefuseWeasyPrint

# tests.system_tools: tests that need Chromium, poppler or gettext (skipped where missing).
pytest_plugins = ["pytester", "tests.system_tools"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in French, whatever language an earlier test's request left on."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the lists keep their filters' options there
    (reintegration/common/filters.py), and a rolled-back test's rows may reuse an id."""
    from django.core.cache import cache

    cache.clear()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in names or "live_server" in names
    )


FLUSHED_AT_TEARDOWN = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def transactional_database(request):
    """Set up a transactional test's database first, and note that it will be flushed."""
    if _is_transactional(request.node):
        request.getfixturevalue("transactional_db")
        request.node.stash[FLUSHED_AT_TEARDOWN] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (live server, row locks) ends with a flush of every table,
    which also empties what the data migrations loaded: the territories (the role groups
    come back with the flush's post_migrate). Put them back, committed, right after the
    flush, so every test finds the database as `migrate` left it."""
    try:
        return (yield)
    finally:
        # After the last test (or a stop on failure) the test database is already gone.
        last = nextitem is None or item.session.shouldstop or item.session.shouldfail
        if item.stash.get(FLUSHED_AT_TEARDOWN, False) and not last:
            restore_reference_data(item.config)


def restore_reference_data(config) -> None:
    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    from reintegration.accounts.roles import sync_role_permissions
    from reintegration.territories.models import Region

    with config.stash[blocking_manager_key].unblock():
        if not Region.objects.exists():
            importlib.import_module(
                "reintegration.territories.migrations.0002_load_territories"
            ).load(apps, None)
        sync_role_permissions()


@pytest.fixture
def weasyprint_cannot_load(monkeypatch):
    """From now on in this test, importing WeasyPrint fails as it does on a machine
    without its system libraries (tests/without_weasyprint.py)."""
    for name in [name for name in sys.modules if name.split(".")[0] == "weasyprint"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [RefuseWeasyPrint(), *sys.meta_path])


@pytest.fixture
def temara(db):
    return prefecture(SKHIRATE_TEMARA)


@pytest.fixture
def rabat(db):
    return prefecture(RABAT)


@pytest.fixture
def staff(temara):
    """Foundation field agent of Skhirate-Témara."""
    return UserFactory(username="staff", role=Role.FOUNDATION_STAFF, prefectures=[temara])


@pytest.fixture
def outsider_staff(rabat):
    return UserFactory(username="outsider_staff", role=Role.FOUNDATION_STAFF, prefectures=[rabat])


@pytest.fixture
def officer(temara):
    """DAS officer of the prefecture of Skhirate-Témara."""
    return UserFactory(username="officer", role=Role.PREFECTURE_OFFICER, prefectures=[temara])


@pytest.fixture
def outsider_officer(rabat):
    """DAS officer of another prefecture (Rabat)."""
    return UserFactory(username="outsider_officer", role=Role.PREFECTURE_OFFICER, prefectures=[rabat])


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDITOR)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


def verify_session(client, user) -> None:
    """Mark `client`'s session as having passed the one-time code step (django-otp), as
    the code page does after a right code. Admins and officers need it on every page."""
    device = authenticator_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def authenticator_for(user) -> TOTPDevice:
    """The user's confirmed authenticator (made if missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def otp_token(user) -> str:
    """A one-time code that `user` may type once on the code page (browser tests):
    a fresh recovery code, so two logins in the same 30 seconds both work. Also gives
    the user an authenticator, so the login leads to the code page, not to its set-up."""
    authenticator_for(user)
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="test codes", defaults={"confirmed": True}
    )
    return device.token_set.create(token=StaticToken.random_token()).token


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client logged in as `user` (past the one-time code
    step for the admins and officers who need one)."""

    def login(user):
        client.force_login(user)
        if requires_two_factor(user):
            verify_session(client, user)
        return client

    return login
