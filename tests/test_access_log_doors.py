"""Every door that shows a full file writes the access log (SECURITY.md), one test per
door: the application's pages (file, edit pages, photos) and the Django admin's (change,
history, past version, list, search, autocomplete)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from ceremonies.models import CeremonyPhoto
from reintegration.audit.models import AccessLog

from .admin_forms import change_url
from .factories import (
    BeneficiaryFactory,
    CeremonyFactory,
    DocumentFactory,
    FollowUpVisitFactory,
    ProjectFactory,
    SectorFactory,
)
from .test_security_urls import JPEG

pytestmark = pytest.mark.django_db


def read(client, url, data=None, method="get"):
    """The response, and the access-log rows the request wrote."""
    before = set(AccessLog.objects.values_list("pk", flat=True))
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, (url, response.status_code)
    return response, list(AccessLog.objects.exclude(pk__in=before))


def admin_url(obj, name: str, *args) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{name}", args=[obj.pk, *args])


# --- the application ---------------------------------------------------------------------

def test_the_file_page_is_logged(client_for, staff):
    beneficiary = BeneficiaryFactory()
    _response, rows = read(client_for(staff), beneficiary.get_absolute_url())
    assert [(r.user, r.action, r.object_id) for r in rows] == [
        (staff, AccessLog.Action.VIEW, str(beneficiary.public_id))
    ]


def test_the_edit_page_of_a_file_which_shows_the_full_national_id_is_logged(client_for, staff):
    beneficiary = BeneficiaryFactory(cin="AB123456")
    response, rows = read(client_for(staff), reverse("beneficiaries:update", args=[beneficiary.public_id]))
    assert "AB123456" in response.content.decode()
    assert [(r.user, r.action, r.object_id, r.detail) for r in rows] == [
        (staff, AccessLog.Action.VIEW, str(beneficiary.public_id), "edit")
    ]


def test_the_edit_page_sent_back_with_an_error_is_logged_too(client_for, staff):
    beneficiary = BeneficiaryFactory()
    url = reverse("beneficiaries:update", args=[beneficiary.public_id])
    _response, rows = read(client_for(staff), url, {"first_name": ""}, method="post")
    assert [(r.action, r.object_id) for r in rows] == [(AccessLog.Action.VIEW, str(beneficiary.public_id))]


def test_the_edit_page_of_a_project_is_logged(client_for, staff):
    project = ProjectFactory()
    _response, rows = read(client_for(staff), reverse("grants:project_update", args=[project.public_id]))
    assert [(r.action, r.object_id, r.detail) for r in rows] == [
        (AccessLog.Action.VIEW, str(project.public_id), "edit")
    ]


def test_a_photo_of_a_ceremony_is_logged_each_time_it_is_shown(client_for, staff):
    ceremony = CeremonyFactory()
    photo = CeremonyPhoto(ceremony=ceremony, content_type="image/jpeg")
    photo.image.save("remise.jpg", ContentFile(JPEG))
    url = reverse("ceremonies:photo", args=[ceremony.pk, photo.pk])
    client = client_for(staff)
    for _time in range(2):
        response, rows = read(client, url)
        b"".join(response.streaming_content)
        assert [(r.action, r.object_id, r.detail) for r in rows] == [
            (AccessLog.Action.DOWNLOAD, str(ceremony.pk), f"photo {photo.pk}")
        ]


def test_an_out_of_scope_edit_page_writes_no_entry(client_for, outsider_staff):
    beneficiary = BeneficiaryFactory()
    response = client_for(outsider_staff).get(reverse("beneficiaries:update", args=[beneficiary.public_id]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


# --- the Django admin -------------------------------------------------------------------

@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


@pytest.mark.parametrize("make", [BeneficiaryFactory, DocumentFactory, ProjectFactory, FollowUpVisitFactory],
                         ids=lambda f: f._meta.model.__name__)
def test_the_admin_change_page_of_a_personal_record_is_logged(admin_client, admin_user, make):
    obj = make()
    _response, rows = read(admin_client, change_url(obj))
    assert [(r.user, r.action, r.object_type, r.detail) for r in rows] == [
        (admin_user, AccessLog.Action.VIEW, obj._meta.label, "admin")
    ]
    assert rows[0].object_id == str(getattr(obj, "public_id", None) or obj.pk)


def test_the_admin_change_page_sent_back_with_an_error_is_logged(admin_client):
    beneficiary = BeneficiaryFactory()
    _response, rows = read(admin_client, change_url(beneficiary), {"first_name": ""}, method="post")
    assert [(r.action, r.object_id) for r in rows] == [(AccessLog.Action.VIEW, str(beneficiary.public_id))]


def test_the_admin_history_of_a_file_is_logged(admin_client):
    beneficiary = BeneficiaryFactory()
    _response, rows = read(admin_client, admin_url(beneficiary, "history"))
    assert [(r.action, r.object_id, r.detail) for r in rows] == [
        (AccessLog.Action.VIEW, str(beneficiary.public_id), "admin history")
    ]


def test_a_past_version_of_a_file_in_the_admin_is_logged(admin_client):
    beneficiary = BeneficiaryFactory()
    version = beneficiary.history.get()
    _response, rows = read(admin_client, admin_url(beneficiary, "simple_history", version.history_id))
    assert [(r.action, r.object_id, r.detail) for r in rows] == [
        (AccessLog.Action.VIEW, str(beneficiary.public_id), f"admin history, version {version.history_id}")
    ]


def test_the_admin_list_of_files_is_logged_with_its_search(admin_client, admin_user):
    BeneficiaryFactory(cin="AB123456")
    changelist = reverse("admin:beneficiaries_beneficiary_changelist")
    _response, rows = read(admin_client, changelist, {"q": "AB123456"})
    assert [(r.user, r.action) for r in rows] == [(admin_user, AccessLog.Action.LIST)]
    assert rows[0].detail == "admin list beneficiaries.Beneficiary, 1 shown: q=AB123456"


@pytest.mark.parametrize("name", ["beneficiarydocument", "project"])
def test_the_admin_lists_naming_beneficiaries_are_logged(admin_client, name):
    app = "beneficiaries" if name == "beneficiarydocument" else "grants"
    _response, rows = read(admin_client, reverse(f"admin:{app}_{name}_changelist"))
    assert [r.action for r in rows] == [AccessLog.Action.LIST]


def test_an_admin_list_without_personal_data_writes_no_entry(admin_client):
    SectorFactory()
    _response, rows = read(admin_client, reverse("admin:grants_sector_changelist"))
    assert rows == []


def test_a_beneficiary_looked_up_in_an_admin_autocomplete_box_is_logged(admin_client):
    BeneficiaryFactory(cin="AB123456")
    response, rows = read(admin_client, reverse("admin:autocomplete"), {
        "app_label": "grants", "model_name": "project", "field_name": "beneficiary", "term": "AB123456",
    })
    assert len(response.json()["results"]) == 1
    assert [(r.action, r.detail) for r in rows] == [
        (AccessLog.Action.LIST, "admin autocomplete beneficiaries.Beneficiary: AB123456")
    ]
