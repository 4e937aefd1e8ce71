import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from beneficiaries.models import Beneficiary
from reintegration.accounts.roles import Role
from reintegration.territories.models import Prefecture, Region

from .factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_answers_without_login(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_wrong_password_shows_the_usual_error_in_french(client, staff):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_right_password_logs_in_and_shows_role_and_scope(client, staff):
    response = client.post(
        reverse("login"), {"username": "staff", "password": "correct-horse-battery"}, follow=True
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Agent de la fondation" in content
    assert "Skhirate-Témara" in content


def test_each_role_has_its_group_and_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(groups) >= {role.value for role in Role}

    def codenames(role):
        return {p.codename for p in groups[role].permissions.all()}

    assert {"add_beneficiary", "change_project"} <= codenames(Role.FOUNDATION_STAFF)
    assert "add_review" not in codenames(Role.FOUNDATION_STAFF)
    assert "add_review" in codenames(Role.PREFECTURE_OFFICER)
    assert "change_beneficiary" not in codenames(Role.PREFECTURE_OFFICER)
    assert all(code.startswith("view_") for code in codenames(Role.AUDITOR))
    assert "view_accesslog" in codenames(Role.AUDITOR)
    assert "delete_beneficiary" in codenames(Role.ADMIN)


def test_a_user_sees_only_the_beneficiaries_of_their_prefectures(staff, rabat, auditor):
    mine = BeneficiaryFactory()
    BeneficiaryFactory(prefecture=rabat)
    assert list(Beneficiary.objects.visible_to(staff)) == [mine]
    assert Beneficiary.objects.visible_to(auditor).count() == 2


def test_a_user_without_role_or_scope_sees_nothing(django_user_model, temara):
    BeneficiaryFactory()
    nobody = django_user_model.objects.create_user("nobody", password="x" * 12)
    assert not Beneficiary.objects.visible_to(nobody).exists()
    nobody.prefectures.add(temara)
    assert not Beneficiary.objects.visible_to(nobody).exists()


def test_twelve_regions_and_seventy_five_prefectures_with_arabic_names():
    assert Region.objects.count() == 12
    assert Prefecture.objects.count() == 75
    assert not Prefecture.objects.filter(name_ar="").exists()
    temara = Prefecture.objects.get(name_fr="Skhirate-Témara")
    assert temara.name_ar == "الصخيرات-تمارة"
    assert temara.region.name_fr == "Rabat-Salé-Kénitra"


def test_login_page_in_arabic_is_right_to_left_with_the_rtl_stylesheet(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ar")
    content = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in content
    assert "bootstrap.rtl.min.css" in content
    assert "تسجيل الدخول" in content


def test_login_page_in_french_is_left_to_right(client):
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="fr" dir="ltr">' in content
    assert "bootstrap.min.css" in content and "rtl" not in content


def test_an_unknown_language_falls_back_to_french(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="xx-YY")
    assert '<html lang="fr"' in response.content.decode()
    client.post(reverse("set_language"), {"language": "xx", "next": "/login/"})
    assert '<html lang="fr"' in client.get(reverse("login")).content.decode()


def test_the_language_switcher_changes_the_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert '<html lang="en" dir="ltr">' in client.get(reverse("login")).content.decode()


def test_navigation_shows_only_what_the_role_may_use(client_for, staff, officer):
    staff_page = client_for(staff).get(reverse("home")).content.decode()
    officer_page = client_for(officer).get(reverse("home")).content.decode()
    from reintegration.navigation import SECTIONS

    review = next(s for s in SECTIONS if s.url_name == "grants:review_queue")
    assert str(review.label) not in staff_page or "review" not in staff_page
    assert "Administration" not in officer_page


def test_authenticated_pages_are_never_cached(client_for, staff):
    response = client_for(staff).get(reverse("home"))
    assert "no-store" in response["Cache-Control"]


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def test_no_template_loads_anything_from_outside_the_app():
    offenders = []
    for template in Path(settings.BASE_DIR).glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        if EXTERNAL.search(template.read_text(encoding="utf-8")):
            offenders.append(str(template))
    assert offenders == []


def test_missing_secret_key_without_debug_stops_start_up(monkeypatch):
    import importlib

    import reintegration.settings as module

    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        importlib.reload(module)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    importlib.reload(module)


@pytest.mark.parametrize("url", ["nonsense", "postgres://", "mysqlx://host/db"])
def test_malformed_database_url_names_the_variable(monkeypatch, url):
    import importlib

    import reintegration.settings as module

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        importlib.reload(module)
    monkeypatch.delenv("DATABASE_URL")
    importlib.reload(module)


def test_an_active_session_is_extended_at_most_once_a_minute(client_for, staff, monkeypatch):
    from types import SimpleNamespace

    from django.contrib.sessions.models import Session

    from reintegration.accounts import middleware

    client = client_for(staff)
    client.get(reverse("home"))
    first = Session.objects.get().expire_date
    client.get(reverse("home"))
    assert Session.objects.get().expire_date == first  # within the minute: no write

    later = middleware.time.time() + 120
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: later))
    client.get(reverse("home"))
    assert Session.objects.get().expire_date > first
