"""The access log: written on every read of a full file, searchable, never changed."""

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from reintegration.audit.models import AccessLog

from .factories import BeneficiaryFactory, DocumentFactory, UserFactory

pytestmark = pytest.mark.django_db


def entry(user=None, action=AccessLog.Action.VIEW, object_id="", at=None, **kwargs):
    log = AccessLog.objects.create(user=user, action=action, object_id=object_id, **kwargs)
    if at is not None:
        AccessLog.objects.filter(pk=log.pk).update(at=at)
    return log


def url_exists(name: str, *args) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def test_admins_and_auditors_open_the_access_log(client_for, admin_user, auditor, staff):
    entry(user=staff, object_id="abc", detail="consultation")
    for user in (admin_user, auditor):
        response = client_for(user).get(reverse("audit:list"))
        assert response.status_code == 200
        content = response.content.decode()
        assert "Journal d'accès" in content
        assert "staff" in content and "abc" in content


def test_staff_and_officers_may_not_read_the_access_log(client_for, staff, officer):
    assert client_for(staff).get(reverse("audit:list")).status_code == 403
    assert client_for(officer).get(reverse("audit:list")).status_code == 403


def test_the_log_is_searched_by_user_object_action_and_dates(client_for, auditor, staff, officer):
    now = timezone.now()
    entry(user=staff, object_id="11111111-aaaa", action=AccessLog.Action.VIEW, at=now)
    entry(user=officer, object_id="22222222-bbbb", action=AccessLog.Action.DOWNLOAD, at=now)
    entry(user=staff, object_id="33333333-cccc", action=AccessLog.Action.EXPORT,
          at=now - datetime.timedelta(days=40))
    client = client_for(auditor)

    def found(**query):
        response = client.get(reverse("audit:list"), query)
        assert response.status_code == 200
        return sorted(log.object_id for log in response.context["object_list"])

    assert found(user="offic") == ["22222222-bbbb"]
    assert found(object_id="3333") == ["33333333-cccc"]
    assert found(action="download") == ["22222222-bbbb"]
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert found(since=since) == ["11111111-aaaa", "22222222-bbbb"]
    until = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert found(until=until) == ["33333333-cccc"]
    assert found(user="staff", action="view") == ["11111111-aaaa"]


def test_a_bad_date_in_the_search_is_an_error_not_a_crash(client_for, auditor):
    response = client_for(auditor).get(reverse("audit:list"), {"since": "0000-00-00"})
    assert response.status_code == 200


def test_the_log_is_paginated_in_a_fixed_number_of_queries(
    client_for, auditor, django_assert_max_num_queries
):
    users = UserFactory.create_batch(5)
    AccessLog.objects.bulk_create(
        AccessLog(user=users[i % 5], action=AccessLog.Action.VIEW, object_id=f"obj-{i}")
        for i in range(120)
    )
    client = client_for(auditor)
    # session, user, groups (role), permissions, count, page of entries with their users,
    # navigation permissions: no query per row.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("audit:list"))
    assert len(response.context["object_list"]) == 50
    assert response.context["page_obj"].paginator.num_pages == 3
    assert "Page 1 sur 3" in response.content.decode()


def test_nobody_can_change_or_delete_an_entry(client_for, admin_user, auditor, staff):
    log = entry(user=staff, object_id="keep-me")
    admin = client_for(admin_user)
    assert admin.post(reverse("audit:list")).status_code == 405
    assert admin.get(reverse("admin:audit_accesslog_change", args=[log.pk])).status_code == 200
    assert admin.post(
        reverse("admin:audit_accesslog_change", args=[log.pk]), {"object_id": "changed"}
    ).status_code == 403
    assert admin.post(
        reverse("admin:audit_accesslog_delete", args=[log.pk]), {"post": "yes"}
    ).status_code == 403
    assert admin.get(reverse("admin:audit_accesslog_add")).status_code == 403
    log.refresh_from_db()
    assert log.object_id == "keep-me"
    assert AccessLog.objects.count() == 1


def test_displaying_a_full_file_is_logged_with_user_object_and_address(client_for, staff):
    if not url_exists("beneficiaries:detail", "00000000-0000-0000-0000-000000000000"):
        pytest.skip("the beneficiary page does not exist yet")
    beneficiary = BeneficiaryFactory()
    response = client_for(staff).get(
        reverse("beneficiaries:detail", args=[beneficiary.public_id]), REMOTE_ADDR="10.20.30.40"
    )
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (staff, "view", str(beneficiary.public_id))
    assert log.object_type == "beneficiaries.Beneficiary"
    assert log.ip_address == "10.20.30.40"
    assert log.path == reverse("beneficiaries:detail", args=[beneficiary.public_id])


def test_an_out_of_scope_attempt_writes_no_read_entry(client_for, outsider_staff):
    if not url_exists("beneficiaries:detail", "00000000-0000-0000-0000-000000000000"):
        pytest.skip("the beneficiary page does not exist yet")
    beneficiary = BeneficiaryFactory()
    response = client_for(outsider_staff).get(reverse("beneficiaries:detail", args=[beneficiary.public_id]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_downloading_a_document_is_logged(client_for, staff):
    if not url_exists("beneficiaries:document_download", "00000000-0000-0000-0000-000000000000"):
        pytest.skip("the document download does not exist yet")
    document = DocumentFactory()
    response = client_for(staff).get(reverse("beneficiaries:document_download", args=[document.public_id]))
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (staff, "download", str(document.public_id))


def test_the_log_has_no_page_that_edits_or_deletes():
    from django.urls import get_resolver

    names = [name for name in get_resolver().reverse_dict if isinstance(name, str)]
    audit_names = [name for name in get_resolver().namespace_dict["audit"][1].reverse_dict
                   if isinstance(name, str)]
    assert audit_names == ["list"]
    assert names  # the walk in test_security_urls covers the rest
