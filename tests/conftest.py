"""The fixed cast of every test: who they are and where they work."""

import pytest

from reintegration.accounts.roles import Role

from .factories import RABAT, SKHIRATE_TEMARA, UserFactory, prefecture


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


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client logged in as `user`."""

    def login(user):
        client.force_login(user)
        return client

    return login
