"""A record edited for years keeps its history page's cost: 25 versions a page."""

import pytest
from django.urls import reverse

from .factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def test_the_admin_history_of_a_file_edited_thirty_times_shows_25_versions_a_page(client_for, admin_user):
    beneficiary = BeneficiaryFactory()
    for number in range(30):
        beneficiary.skills = f"Compétence {number}"
        beneficiary.save()
    url = reverse("admin:beneficiaries_beneficiary_history", args=[beneficiary.pk])
    client = client_for(admin_user)

    first = client.get(url)
    second = client.get(url, {"p": 2})

    assert first.status_code == second.status_code == 200
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == beneficiary.history.count() - 25
