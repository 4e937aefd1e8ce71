"""Stored files go with their records.

A row's files (documents, photos, quotes, feasibility studies, signed conventions and
certificates, stored PDFs) hold personal data that nothing reaches once the row is gone:
they are removed from storage when the row's deletion is committed — whoever deletes it
(a service, the Django admin, a cascade from the file or ceremony it belongs to), and
never when the deletion is rolled back, which would leave rows pointing at no file.

`connect_file_cleanup` (run at start-up) hooks every model with a file field, a model
added later included. Files of rows that stay (a replaced scan, a stored PDF dropped to
be rendered again) are the business of the code that replaces them, through
`delete_files_on_commit`.
"""

import logging

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import post_delete

logger = logging.getLogger(__name__)


def delete_files_on_commit(files) -> None:
    """Remove these stored files once the current transaction commits (at once outside
    one). A file already gone, or a storage that fails, is logged, never raised: the
    deletion of the rows has happened."""
    for file in files:
        if file and file.name:
            transaction.on_commit(_deletion(file.storage, file.name), robust=True)


def _deletion(storage, name: str):
    def delete_stored_file() -> None:
        storage.delete(name)
        logger.info("stored file deleted with its record: %s", name)

    return delete_stored_file


def file_fields(model) -> list[models.FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def delete_files_of_deleted_row(sender, instance, **kwargs) -> None:
    delete_files_on_commit(getattr(instance, field.attname) for field in file_fields(sender))


def connect_file_cleanup() -> None:
    for model in apps.get_models():
        if file_fields(model):
            post_delete.connect(
                delete_files_of_deleted_row, sender=model,
                dispatch_uid=f"delete-files-of:{model._meta.label}",
            )
