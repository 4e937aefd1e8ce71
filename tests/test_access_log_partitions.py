"""The access log over the years: month partitions on PostgreSQL, created ahead, and
the months past the retention period archived to a gzip CSV then removed (on every
database). Rows stay readable through the ORM, the log's page and Django admin."""

import csv
import datetime
import gzip
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reintegration.audit import partitions
from reintegration.audit.models import AccessLog

from .factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

postgres_only = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def logged(at, **fields) -> AccessLog:
    fields.setdefault("object_id", "x")
    log = AccessLog.objects.create(action=AccessLog.Action.VIEW, **fields)
    AccessLog.objects.filter(pk=log.pk).update(at=at)
    log.refresh_from_db()
    return log


def months_ago(months: int, day: int = 10) -> datetime.datetime:
    month = partitions.add_months(partitions.current_month(), -months)
    return datetime.datetime(month.year, month.month, day, 12, tzinfo=datetime.UTC)


def archived_rows(path: str) -> list[dict]:
    with default_storage.open(path, "rb") as stored:
        text = gzip.decompress(stored.read()).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def partition_of(log: AccessLog) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_accesslog WHERE id = %s", [log.pk])
        return cursor.fetchone()[0]


class TestPartitions:
    pytestmark = postgres_only

    def test_the_table_is_partitioned_with_this_month_and_three_ahead(self):
        assert partitions.is_partitioned()
        existing = partitions.partitions()
        this_month = partitions.current_month()
        for offset in range(4):
            assert partitions.add_months(this_month, offset) in existing

    def test_the_command_creates_the_coming_months_once(self):
        later = timezone.now() + datetime.timedelta(days=200)
        created = partitions.create_partitions(months_ahead=3, now=later)
        assert created  # the months beyond the migration's three
        assert partitions.create_partitions(months_ahead=3, now=later) == []
        call_command("create_access_log_partitions", "--months-ahead", "5", stdout=io.StringIO())
        assert partitions.add_months(partitions.current_month(), 5) in partitions.partitions()

    def test_a_row_without_its_month_waits_in_the_default_partition_then_moves(self):
        far = partitions.add_months(partitions.current_month(), 24)
        when = datetime.datetime(far.year, far.month, 3, 8, tzinfo=datetime.UTC)
        log = logged(when, object_id="future")
        assert partition_of(log) == "audit_accesslog_default"
        assert partitions.create_partition(far) == partitions.partition_name(far)
        assert partition_of(log) == partitions.partition_name(far)
        assert AccessLog.objects.get(pk=log.pk).object_id == "future"

    def test_a_row_is_written_and_read_through_the_orm_in_its_month(self, client_for, staff):
        beneficiary = BeneficiaryFactory()
        assert client_for(staff).get(beneficiary.get_absolute_url()).status_code == 200
        log = AccessLog.objects.get(object_id=str(beneficiary.public_id))
        assert partition_of(log) == partitions.partition_name(partitions.current_month())
        assert AccessLog.objects.filter(pk=log.pk, at__gte=log.at).exists()
        assert list(AccessLog.objects.filter(user=staff).values_list("pk", flat=True)) == [log.pk]

    def test_archiving_drops_the_old_partitions_and_keeps_the_rest_readable(
        self, client_for, auditor, admin_user
    ):
        # A partition for a month long past, as a table that has aged would have.
        old_month = partitions.add_months(partitions.current_month(), -15)
        partitions.create_partition(old_month)
        old = [logged(months_ago(15, day), object_id=f"old-{day}") for day in (2, 20)]
        recent = logged(months_ago(1), object_id="recent")
        now = logged(timezone.now(), object_id="now")

        archives = partitions.archive_expired(retention_months=12)

        assert [(a.month, a.rows) for a in archives] == [(old_month, 2)]
        assert archives[0].path == f"archives/access-log/{partitions.partition_name(old_month)}.csv.gz"
        rows = archived_rows(archives[0].path)
        assert [row["object_id"] for row in rows] == ["old-2", "old-20"]
        assert rows[0]["id"] == str(old[0].pk)
        assert old_month not in partitions.partitions()
        assert not AccessLog.objects.filter(object_id__startswith="old-").exists()
        assert sorted(AccessLog.objects.values_list("object_id", flat=True)) == ["now", "recent"]

        response = client_for(auditor).get(reverse("audit:list"), {"object_id": "rec"})
        assert [log.pk for log in response.context["object_list"]] == [recent.pk]
        admin = client_for(admin_user)
        assert admin.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
        assert admin.get(reverse("admin:audit_accesslog_change", args=[now.pk])).status_code == 200


def test_archiving_exports_then_removes_the_months_past_retention_on_any_database():
    expired = [logged(months_ago(40, day), object_id=f"gone-{day}") for day in (1, 15)]
    kept = logged(months_ago(3), object_id="kept")
    out = io.StringIO()

    call_command("archive_access_log", "--retention-months", "12", stdout=out)

    assert "1 month(s) archived" in out.getvalue()
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [kept.pk]
    (path,) = [
        f"archives/access-log/{name}" for name in default_storage.listdir("archives/access-log")[1]
    ]
    assert [row["id"] for row in archived_rows(path)] == [str(log.pk) for log in expired]
    assert path.endswith(f"{months_ago(40):%Y_%m}.csv.gz")
    # Nothing more to do the next day.
    call_command("archive_access_log", "--retention-months", "12", stdout=out)
    assert AccessLog.objects.count() == 1


def test_the_retention_period_is_at_least_a_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("archive_access_log", "--retention-months", "0", stdout=io.StringIO())


def test_the_daily_task_is_a_plain_function_for_a_scheduler():
    logged(months_ago(30), object_id="ancient")
    result = partitions.maintain_access_log()
    assert [entry["rows"] for entry in result["archived"]] == [1]
    assert not AccessLog.objects.filter(object_id="ancient").exists()


def test_the_log_page_searches_a_day_as_a_range_of_times(client_for, auditor):
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    logged(start, object_id="first-instant")
    logged(start - datetime.timedelta(seconds=1), object_id="day-before")
    client = client_for(auditor)
    response = client.get(reverse("audit:list"), {"since": today.isoformat(), "until": today.isoformat()})
    assert [log.object_id for log in response.context["object_list"]] == ["first-instant"]
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    response = client.get(reverse("audit:list"), {"until": yesterday})
    assert [log.object_id for log in response.context["object_list"]] == ["day-before"]


def test_a_long_log_is_counted_up_to_twenty_pages(client_for, auditor):
    AccessLog.objects.bulk_create(
        AccessLog(action=AccessLog.Action.VIEW, object_id=f"obj-{i}") for i in range(1001)
    )
    response = client_for(auditor).get(reverse("audit:list"))
    assert response.context["paginator"].count_is_capped
    assert "Page 1 sur 20+" in response.content.decode()
