"""A record's files leave the storage when the record's deletion is committed, and stay
when it is rolled back (reintegration/common/storage.py). Walked over every model with a
file field, so a file field added later is covered on its own."""

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction

from ceremonies.models import Ceremony
from reintegration.common.storage import file_fields

from .admin_forms import change_url
from .factories import BeneficiaryFactory, CeremonyFactory, CeremonyPhotoFactory, DocumentFactory
from .test_admin_walk import factory_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%stored\n"
FILE_MODELS = sorted(
    (model for model in apps.get_models() if file_fields(model)), key=lambda model: model._meta.label
)


def with_stored_files(model):
    model_factory = factory_for(model)
    assert model_factory is not None, f"add a factory for {model._meta.label} to tests/factories.py"
    obj = model_factory()
    for field in file_fields(model):
        getattr(obj, field.name).save("fichier.pdf", ContentFile(PDF), save=False)
    obj.save()
    return obj, [getattr(obj, field.name).name for field in file_fields(model)]


def exists(name: str) -> bool:
    from django.core.files.storage import default_storage

    return default_storage.exists(name)


def test_the_walk_finds_every_kind_of_stored_file():
    labels = {model._meta.label for model in FILE_MODELS}
    assert {
        "beneficiaries.BeneficiaryDocument", "grants.Convention", "grants.Project", "procurement.Quote",
        "followup.FollowUpVisit", "ceremonies.Ceremony", "ceremonies.Handover", "ceremonies.CeremonyPhoto",
    } <= labels


@pytest.mark.parametrize("model", FILE_MODELS, ids=lambda model: model._meta.label)
def test_deleting_a_record_removes_its_files_once_committed(model, django_capture_on_commit_callbacks):
    obj, names = with_stored_files(model)
    assert all(exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        obj.delete()
        assert all(exists(name) for name in names)  # not before the commit

    assert not any(exists(name) for name in names)


@pytest.mark.parametrize("model", FILE_MODELS, ids=lambda model: model._meta.label)
def test_a_deletion_rolled_back_keeps_the_files(model, django_capture_on_commit_callbacks):
    obj, names = with_stored_files(model)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        obj.delete()
        transaction.set_rollback(True)

    assert callbacks == []
    assert all(exists(name) for name in names)


def test_deleting_a_file_in_the_admin_removes_its_documents(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    beneficiary = BeneficiaryFactory()
    documents = [DocumentFactory(beneficiary=beneficiary) for _ in range(2)]
    names = [document.file.name for document in documents]
    assert all(exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(change_url(beneficiary).replace("/change/", "/delete/"),
                                               {"post": "yes"})

    assert response.status_code == 302
    assert not any(exists(name) for name in names)


def test_deleting_a_planned_ceremony_in_the_admin_removes_its_photos(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    ceremony = CeremonyFactory()
    photos = [CeremonyPhotoFactory(ceremony=ceremony) for _ in range(2)]
    names = [photo.image.name for photo in photos]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(change_url(ceremony).replace("/change/", "/delete/"),
                                               {"post": "yes"})

    assert response.status_code == 302
    assert not Ceremony.objects.filter(pk=ceremony.pk).exists()
    assert not any(exists(name) for name in names)


def test_a_storage_that_fails_does_not_undo_the_deletion(django_capture_on_commit_callbacks, monkeypatch):
    document = DocumentFactory()
    storage = document.file.storage

    def broken(name):
        raise OSError("storage unreachable")

    monkeypatch.setattr(storage, "delete", broken)
    with django_capture_on_commit_callbacks(execute=True):
        document.delete()

    assert not type(document).objects.filter(pk=document.pk).exists()
