"""Every upload field of the Django admin refuses what the staff pages refuse: the check
sits on the model fields (reintegration/common/uploads.py, `UploadCheck`), so the admin,
its inlines and any later door check files as the pages do.

The file fields are found on the admin's own change pages (every registered model), so
a file field added later is tried on its own."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import RequestFactory
from PIL import Image

from beneficiaries.models import BeneficiaryDocument
from procurement.models import Quote
from reintegration.accounts.models import User
from reintegration.common.uploads import MAX_UPLOAD_SIZE

from .admin_forms import admin_form, change_url
from .factories import BeneficiaryFactory, PurchaseOrderFactory, SupplierFactory
from .test_admin_walk import REGISTRY, example

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HOSTILE_FILES = {
    "an executable named .pdf": ("devis.pdf", EXECUTABLE, "application/pdf"),
    "HTML named .pdf": ("etude.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
    "an SVG named .png": (
        "photo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png",
    ),
    # A real image (or PDF) whose size alone is over the limit.
    "a file over 10 MB": ("grand.png", png() + b"\x00" * MAX_UPLOAD_SIZE, "image/png"),
}


def file_fields_of_admin_forms():
    """(model, field name) of every file field a registered admin lets one upload: an
    admin that may neither add nor change (read-only, e.g. bank-detail requests, which
    come only through their own pages) has no upload door."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    return [
        (model, field.name)
        for model, model_admin in REGISTRY
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and field.editable
        and field.name not in model_admin.readonly_fields
    ]


FILE_FIELDS = file_fields_of_admin_forms()


def test_the_admin_upload_fields_are_found():
    labels = {f"{model._meta.label}.{name}" for model, name in FILE_FIELDS}
    assert {
        "procurement.Quote.document", "grants.Project.feasibility_study", "grants.Convention.document",
        "followup.FollowUpVisit.photo", "beneficiaries.BeneficiaryDocument.file",
    } <= labels


@pytest.mark.parametrize("model, name", FILE_FIELDS, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("hostile", HOSTILE_FILES, ids=str)
def test_an_admin_upload_field_refuses_a_file_the_pages_refuse(client_for, admin_user, model, name, hostile):
    client = client_for(admin_user)
    obj = example(model)
    before = getattr(obj, name).name
    url = change_url(obj)
    data = admin_form(client, url)
    filename, content, content_type = HOSTILE_FILES[hostile]
    data[name] = SimpleUploadedFile(filename, content, content_type=content_type)

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[name]
    obj.refresh_from_db()
    assert getattr(obj, name).name == before


def test_a_50_mb_quote_is_refused_with_its_size_in_the_admin(client_for, admin_user):
    client = client_for(admin_user)
    quote = example(Quote)
    data = admin_form(client, change_url(quote))
    data["document"] = SimpleUploadedFile("devis.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024))

    response = client.post(change_url(quote), data)

    errors = response.context["adminform"].form.errors["document"]
    assert "50,0\xa0Mio" in errors[0] and "10,0\xa0Mio" in errors[0]


def test_a_quote_added_inline_on_an_order_is_checked_too(client_for, admin_user):
    client = client_for(admin_user)
    order = PurchaseOrderFactory()
    url = change_url(order)
    data = admin_form(client, url)
    data.update({
        "quotes-TOTAL_FORMS": "1", "quotes-0-supplier": str(SupplierFactory().pk),
        "quotes-0-amount": "9000", "quotes-0-quoted_on": "01/09/2024",
        "quotes-0-document": SimpleUploadedFile("devis.pdf", EXECUTABLE),
    })

    response = client.post(url, data)

    assert response.status_code == 200
    assert not Quote.objects.filter(purchase_order=order).exists()
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is Quote)
    assert inline.formset.errors[0]["document"]


def test_a_document_added_inline_on_a_file_is_checked_too(client_for, admin_user):
    client = client_for(admin_user)
    beneficiary = BeneficiaryFactory()
    url = change_url(beneficiary)
    data = admin_form(client, url)
    data.update({
        "documents-TOTAL_FORMS": "1", "documents-0-kind": "id_copy",
        "documents-0-file": SimpleUploadedFile("cin.pdf", b"<html><script>alert(1)</script></html>"),
    })

    response = client.post(url, data)

    assert response.status_code == 200
    assert not BeneficiaryDocument.objects.filter(beneficiary=beneficiary).exists()


def test_a_real_file_is_accepted_by_the_admin_and_stored_under_a_name_of_its_own(client_for, admin_user):
    client = client_for(admin_user)
    quote = example(Quote)
    data = admin_form(client, change_url(quote))
    data["document"] = SimpleUploadedFile("Devis Bennani Youssef.pdf", b"%PDF-1.4\n%devis\n")

    assert client.post(change_url(quote), data).status_code == 302

    quote.refresh_from_db()
    assert quote.document.name.startswith("quotes/") and quote.document.name.endswith(".pdf")
    assert "Bennani" not in quote.document.name
