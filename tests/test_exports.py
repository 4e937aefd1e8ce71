"""Exports of the lists: exactly the filtered rows, in scope, without what the role may
not see, readable by Excel (CSV with BOM, XLSX), and written to the access log."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from beneficiaries.models import Beneficiary
from reintegration.audit.models import AccessLog
from reintegration.common.exports import Column, csv_cell, xlsx_cell

from .factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("beneficiaries:list")


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def read_xlsx(response) -> list[list]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def files(temara, rabat):
    eligible = BeneficiaryFactory.create_batch(
        2, prefecture=temara, status=Beneficiary.Status.ELIGIBLE
    )
    registered = BeneficiaryFactory(prefecture=temara, cin="AB123456")
    outside = BeneficiaryFactory(prefecture=rabat, status=Beneficiary.Status.ELIGIBLE)
    return {"eligible": eligible, "registered": registered, "outside": outside}


def test_csv_export_holds_exactly_the_filtered_rows_of_the_scope(client_for, staff, files):
    response = client_for(staff).get(LIST, {"status": "eligible", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="beneficiaires-' in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header[0] == "Numéro de dossier"
    numbers = {row[0] for row in rows}
    assert numbers == {b.file_number for b in files["eligible"]}
    assert files["outside"].file_number not in numbers


def test_xlsx_export_opens_in_openpyxl_with_the_same_rows(client_for, staff, files):
    response = client_for(staff).get(LIST, {"status": "eligible", "export": "xlsx"})
    assert response.status_code == 200
    header, *rows = read_xlsx(response)
    assert header[0] == "Numéro de dossier"
    assert {row[0] for row in rows} == {b.file_number for b in files["eligible"]}
    birth_dates = {row[header.index("Date de naissance")] for row in rows}
    assert birth_dates == {datetime.datetime(1990, 5, 17)}


def test_export_is_every_page_not_only_the_first(client_for, staff, temara):
    BeneficiaryFactory.create_batch(30, prefecture=temara)
    _header, *rows = read_csv(client_for(staff).get(LIST, {"export": "csv", "page": "2"}))
    assert len(rows) == 30


def test_officer_of_another_prefecture_exports_only_their_own(client_for, outsider_officer, files):
    _header, *rows = read_csv(client_for(outsider_officer).get(LIST, {"export": "csv"}))
    assert [row[0] for row in rows] == [files["outside"].file_number]


def test_staff_export_has_the_full_national_id_and_birth_date(client_for, staff, files):
    header, *rows = read_csv(client_for(staff).get(LIST, {"export": "csv", "status": "registered"}))
    [row] = rows
    assert row[header.index("Numéro de la CIN")] == "AB123456"
    assert row[header.index("Date de naissance")] == "1990-05-17"


def test_auditor_export_masks_the_national_id_and_leaves_out_personal_columns(
    client_for, auditor, files
):
    response = client_for(auditor).get(LIST, {"export": "xlsx", "status": "registered"})
    header, *rows = read_xlsx(response)
    assert "Numéro de la CIN" not in header
    assert "Date de naissance" not in header and "Téléphone" not in header
    assert "Adresse" not in header and "Date de libération" not in header
    [row] = rows
    assert row[header.index("Numéro de la CIN (masqué)")] == "AB****56"
    assert "AB123456" not in [str(value) for value in row]


def test_each_export_is_written_to_the_access_log(client_for, auditor, files):
    client_for(auditor).get(LIST, {"export": "csv", "status": "eligible"})
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == auditor
    assert "csv, 3" in log.detail and "status=eligible" in log.detail


def test_an_unknown_export_format_is_404_and_not_logged(client_for, staff, files):
    assert client_for(staff).get(LIST, {"export": "pdf"}).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_list_shows_export_buttons_keeping_the_filters(client_for, staff, files):
    content = client_for(staff).get(LIST, {"status": "eligible", "page": "1"}).content.decode()
    assert "?status=eligible&amp;export=csv" in content
    assert "?status=eligible&amp;export=xlsx" in content


def test_a_formula_in_a_cell_is_never_run_by_the_spreadsheet(client_for, staff, temara):
    BeneficiaryFactory(prefecture=temara, address='=HYPERLINK("http://evil")')
    header, *rows = read_csv(client_for(staff).get(LIST, {"export": "csv"}))
    assert rows[0][header.index("Adresse")] == '\'=HYPERLINK("http://evil")'
    header, *rows = read_xlsx(client_for(staff).get(LIST, {"export": "xlsx"}))
    assert rows[0][header.index("Adresse")] == '\'=HYPERLINK("http://evil")'


def test_export_query_count_does_not_grow_with_the_rows(
    client_for, staff, temara, django_assert_max_num_queries
):
    client = client_for(staff)
    BeneficiaryFactory.create_batch(3, prefecture=temara)
    client.get(LIST)  # warm-up: session, permissions
    # Session, user, one-time-code device, permissions, the count and the access log
    # entry, then the rows read in chunks of 2,000 (one query here) with what the list
    # preloads: the same number for 3 or 43 rows.
    with django_assert_max_num_queries(12):
        read_csv(client.get(LIST, {"export": "csv"}))
    BeneficiaryFactory.create_batch(40, prefecture=temara)
    with django_assert_max_num_queries(12):
        _header, *rows = read_csv(client.get(LIST, {"export": "csv"}))
    assert len(rows) == 43


def test_cells_keep_numbers_dates_and_signed_phone_numbers():
    assert csv_cell(Decimal("1234.50"), decimal_comma=True) == "1234,50"
    assert csv_cell(Decimal("1234.50"), decimal_comma=False) == "1234.50"
    assert csv_cell(datetime.date(2024, 12, 6), decimal_comma=True) == "2024-12-06"
    assert csv_cell("+212612345678", decimal_comma=True) == "+212612345678"
    assert xlsx_cell("+212612345678") == "+212612345678"
    assert csv_cell("-12,50", decimal_comma=True) == "-12,50"
    assert xlsx_cell("bad\x01text") == "badtext"


@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_value_is_an_empty_cell_in_both_formats(empty):
    assert csv_cell(empty, decimal_comma=True) == ""
    assert xlsx_cell(empty) is None


# OWASP's list of the characters that start a formula, and payloads seen in the wild.
FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\x01=1+1",  # a control character XLSX cannot hold, hiding the "="
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_text_a_spreadsheet_would_compute_is_written_as_text_in_both_formats(formula):
    written = csv_cell(formula, decimal_comma=True)
    assert written.startswith("'") and written[1:] == formula.replace("\x01", "")
    assert xlsx_cell(formula) == written


def test_empty_cells_of_a_real_export_stay_empty_in_csv_and_xlsx(client_for, staff, temara):
    BeneficiaryFactory(
        prefecture=temara, first_name_ar="", last_name_ar="", address="", phone="",
        consent_signed_on=None,
    )
    for read, export_format, empty in ((read_csv, "csv", ""), (read_xlsx, "xlsx", None)):
        header, row = read(client_for(staff).get(LIST, {"export": export_format}))
        for name in ("Nom (en arabe)", "Prénom (en arabe)", "Adresse", "Téléphone",
                     "Consentement signé le"):
            assert row[header.index(name)] == empty, name
        assert "'" not in row, "no cell holds a lone apostrophe"


def test_a_formula_in_an_export_is_neutralised_in_csv_and_xlsx(client_for, staff, temara):
    BeneficiaryFactory(prefecture=temara, address="+cmd|' /C calc'!A0", skills="@SUM(A1)")
    for read, export_format in ((read_csv, "csv"), (read_xlsx, "xlsx")):
        header, row = read(client_for(staff).get(LIST, {"export": export_format}))
        assert row[header.index("Adresse")] == "'+cmd|' /C calc'!A0"


def test_column_accessors_follow_paths_and_call_methods(temara):
    beneficiary = BeneficiaryFactory(prefecture=temara, establishment=None)
    assert Column("x", "prefecture.code").value(beneficiary) == "04.501"
    assert Column("x", "establishment.name").value(beneficiary) is None
    assert Column("x", "get_sex_display").value(beneficiary) == beneficiary.get_sex_display()
    assert Column("x", lambda b: b.pk).value(beneficiary) == beneficiary.pk
