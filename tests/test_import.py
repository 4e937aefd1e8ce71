"""Spreadsheet import of beneficiaries: dry run row by row, then all or nothing."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from beneficiaries import importing
from beneficiaries.models import Beneficiary
from reintegration.audit.models import AccessLog

from .factories import BeneficiaryFactory, EstablishmentFactory

pytestmark = pytest.mark.django_db

UPLOAD = reverse("beneficiaries:import")
PREVIEW = reverse("beneficiaries:import_preview")
CONFIRM = reverse("beneficiaries:import_confirm")
HEADER = "nom;prenom;nom_ar;prenom_ar;cin;date_naissance;sexe;telephone;prefecture;date_liberation"
GOOD_ROWS = [
    "Bennani;Youssef;بناني;يوسف;AB123456;17/05/1990;M;0612345678;04.501;01/03/2023",
    "Alami;Fatima;;;AB654321;1992-02-03;Femme;;Skhirate-Témara;",
]


@pytest.fixture(autouse=True)
def private_import_dir(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = tmp_path / "imports"
    return settings.IMPORT_TEMP_DIR


def csv_file(*rows, header=HEADER, name="beneficiaires.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, "\n".join([header, *rows]).encode(encoding), "text/csv")


def xlsx_file(rows, name="beneficiaires.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")


def dry_run(client, upload):
    response = client.post(UPLOAD, {"file": upload})
    assert response.status_code == 302 and response["Location"] == PREVIEW
    response = client.get(PREVIEW)
    assert response.status_code == 200
    return response, response.context["report"]


def rows_by_number(report):
    return {row.number: row for row in report.rows}


def test_template_spreadsheet_has_the_french_headers(client_for, staff):
    response = client_for(staff).get(reverse("beneficiaries:import_template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:7] == ["nom", "prenom", "nom_ar", "prenom_ar", "cin", "date_naissance", "sexe"]
    assert "prefecture" in headers and "etablissement" in headers and "date_liberation" in headers


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_only_staff_and_admins_may_import(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(UPLOAD).status_code == 403
    assert client.post(CONFIRM).status_code == 403
    assert client.get(reverse("beneficiaries:import_template")).status_code == 403


def test_admin_may_import(client_for, admin_user):
    assert client_for(admin_user).get(UPLOAD).status_code == 200


def test_dry_run_lists_what_would_be_created_and_writes_nothing(client_for, staff):
    response, report = dry_run(client_for(staff), csv_file(*GOOD_ROWS))
    assert report.new_count == 2 and report.error_count == 0 and report.duplicate_count == 0
    rows = rows_by_number(report)
    assert rows[2].fields["prefecture"].code == "04.501"
    assert rows[2].fields["phone"] == "+212612345678"
    assert rows[3].fields["sex"] == Beneficiary.Sex.FEMALE
    assert rows[3].fields["birth_date"] == datetime.date(1992, 2, 3)
    assert Beneficiary.objects.count() == 0
    assert "Youssef Bennani" in response.content.decode()


def test_confirmed_import_creates_every_good_row_and_logs_it(client_for, staff, private_import_dir):
    client = client_for(staff)
    dry_run(client, csv_file(*GOOD_ROWS))
    response = client.post(CONFIRM, {"expected": "2"})
    assert response.status_code == 302 and response["Location"] == reverse("beneficiaries:list")
    created = Beneficiary.objects.order_by("last_name")
    assert [b.last_name for b in created] == ["Alami", "Bennani"]
    assert all(b.file_number.startswith("BEN-") and b.created_by == staff for b in created)
    assert created.get(last_name="Bennani").last_name_ar == "بناني"
    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert log.user == staff and "2" in log.detail
    assert list(private_import_dir.iterdir()) == []
    assert importing.SESSION_KEY not in client.session


def test_xlsx_with_date_cells_and_numbers_is_read(client_for, staff):
    rows = [
        ["nom", "prenom", "cin", "date_naissance", "sexe", "telephone", "prefecture"],
        ["Bennani", "Youssef", "AB123456", datetime.datetime(1990, 5, 17), "H", 612345678, "04.501"],
        [None, None, None, None, None, None, None],
        ["Alami", "Salma", "", datetime.date(1995, 1, 2), "F", "", "skhirate temara"],
    ]
    _response, report = dry_run(client_for(staff), xlsx_file(rows))
    assert report.new_count == 2, [row.errors for row in report.rows]
    rows = rows_by_number(report)
    assert set(rows) == {2, 4}
    assert rows[2].fields["birth_date"] == datetime.date(1990, 5, 17)
    assert rows[2].fields["phone"] == "+212612345678"


def test_the_uploaded_file_waits_outside_the_media_directory(client_for, staff, private_import_dir):
    client = client_for(staff)
    dry_run(client, csv_file(*GOOD_ROWS))
    token = client.session[importing.SESSION_KEY]["token"]
    stored = importing.stored_path(token)
    assert stored.parent == private_import_dir
    assert Path(settings.MEDIA_ROOT) not in stored.parents


@pytest.mark.parametrize("content, expected", [
    (b"%PDF-1.4\n%binary\n", "n’est pas un tableur"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "n’est pas un tableur"),
    (b"PK\x03\x04 this is not a workbook", "classeur Excel lisible"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", ".xls"),
    (b"", "vide"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_without_error(
    client_for, staff, content, expected
):
    client = client_for(staff)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("x.xlsx", content)})
    if not content:  # Django's own form refuses an empty upload
        assert response.status_code == 200 and response.context["form"].errors
        return
    response = client.get(PREVIEW)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.file_errors and expected in report.file_errors[0]
    assert importing.SESSION_KEY not in client.session
    assert client.post(CONFIRM, {"expected": "0"}).status_code == 302
    assert Beneficiary.objects.count() == 0


def test_missing_columns_are_named(client_for, staff):
    upload = csv_file("Bennani;Youssef", header="nom;prenom")
    _response, report = dry_run(client_for(staff), upload)
    assert "Colonnes manquantes" in report.file_errors[0]
    assert "date_naissance, sexe, prefecture" in report.file_errors[0]


def test_headers_with_accents_and_capitals_are_recognised(client_for, staff):
    header = "Nom;Prénom;CIN;Date naissance;Sexe;Préfecture;Colonne inconnue"
    upload = csv_file("Bennani;Youssef;AB123456;17/05/1990;M;04.501;x", header=header)
    _response, report = dry_run(client_for(staff), upload)
    assert report.new_count == 1
    assert report.ignored_columns == ["Colonne inconnue"]


def errors_of(report, number):
    return rows_by_number(report)[number].errors


def test_a_wrong_date_is_reported_with_its_row_and_column(client_for, staff):
    bad = "Bennani;Youssef;;;AB123456;31/02/1990;M;;04.501;hier"
    _response, report = dry_run(client_for(staff), csv_file(GOOD_ROWS[1], bad))
    errors = errors_of(report, 3)
    assert [column for column, _message in errors] == ["date_naissance", "date_liberation"]
    assert "n’est pas une date" in errors[0][1]
    assert report.new_count == 1 and report.error_count == 1


def test_a_future_birth_date_is_reported_on_its_column(client_for, staff):
    bad = "Bennani;Youssef;;;AB123456;01/01/2999;M;;04.501;"
    _response, report = dry_run(client_for(staff), csv_file(bad))
    assert [column for column, _message in errors_of(report, 2)] == ["date_naissance"]


def test_unknown_prefecture_is_reported(client_for, staff):
    bad = "Bennani;Youssef;;;AB123456;17/05/1990;M;;Atlantide;"
    _response, report = dry_run(client_for(staff), csv_file(bad))
    [(column, message)] = errors_of(report, 2)
    assert column == "prefecture" and "Préfecture ou province inconnue" in message


def test_prefecture_outside_the_users_scope_is_reported(client_for, staff):
    bad = "Bennani;Youssef;;;AB123456;17/05/1990;M;;Rabat;"
    _response, report = dry_run(client_for(staff), csv_file(bad))
    [(column, message)] = errors_of(report, 2)
    assert column == "prefecture" and "hors de vos préfectures" in message


def test_a_national_admin_may_import_into_any_prefecture(client_for, admin_user):
    row = "Bennani;Youssef;;;AB123456;17/05/1990;M;;04.421;"
    _response, report = dry_run(client_for(admin_user), csv_file(row))
    assert report.new_count == 1


def test_invalid_cin_phone_sex_and_names_are_reported_per_column(client_for, staff):
    bad = "Bennani3;Youssef;Bennani;;A0;17/05/1990;X;12345;04.501;"
    _response, report = dry_run(client_for(staff), csv_file(bad))
    columns = sorted(column for column, _message in errors_of(report, 2))
    assert columns == ["nom", "nom_ar", "sexe", "telephone"] or columns == [
        "sexe", "telephone"
    ]
    # The name and CIN rules of the model come once the parsed values are clean.
    fixed = "Bennani3;Youssef;Bennani;;A0;17/05/1990;M;;04.501;"
    _response, report = dry_run(client_for(staff), csv_file(fixed))
    assert sorted(column for column, _message in errors_of(report, 2)) == ["cin", "nom", "nom_ar"]


def test_missing_required_value_is_reported(client_for, staff):
    bad = ";Youssef;;;AB123456;17/05/1990;M;;04.501;"
    _response, report = dry_run(client_for(staff), csv_file(bad))
    assert [column for column, _message in errors_of(report, 2)] == ["nom"]


def test_a_minor_without_guardian_is_reported(client_for, staff):
    birth = datetime.date.today().replace(year=datetime.date.today().year - 15, day=1)
    bad = f"Bennani;Youssef;;;AB123456;{birth:%d/%m/%Y};M;;04.501;"
    _response, report = dry_run(client_for(staff), csv_file(bad))
    assert "tuteur" in [column for column, _message in errors_of(report, 2)]


def test_unknown_establishment_is_reported_and_a_known_one_is_linked(client_for, staff, temara):
    EstablishmentFactory(name="Prison locale Tiflet 2", prefecture=temara)
    header = "nom;prenom;date_naissance;sexe;prefecture;etablissement"
    upload = csv_file(
        "Bennani;Youssef;17/05/1990;M;04.501;prison locale tiflet 2",
        "Alami;Omar;17/05/1991;M;04.501;Prison imaginaire",
        header=header,
    )
    _response, report = dry_run(client_for(staff), upload)
    rows = rows_by_number(report)
    assert rows[2].fields["establishment"].name == "Prison locale Tiflet 2"
    assert [column for column, _message in rows[3].errors] == ["etablissement"]


def test_duplicates_against_the_database_and_inside_the_file(client_for, staff, temara, rabat):
    BeneficiaryFactory(cin="AB123456", prefecture=temara, file_number="BEN-2024-00001")
    BeneficiaryFactory(cin="CD1", prefecture=rabat)
    BeneficiaryFactory(
        first_name="Omar", last_name="Tazi", birth_date=datetime.date(1980, 1, 1), cin="",
        prefecture=temara, file_number="BEN-2024-00003",
    )
    upload = csv_file(
        "Bennani;Youssef;;;AB123456;17/05/1990;M;;04.501;",  # 2: CIN in the database
        "Idrissi;Ali;;;CD1;17/05/1990;M;;04.501;",  # 3: CIN in another prefecture
        "Tazi;Omar;;;;01/01/1980;M;;04.501;",  # 4: same name and birth date
        "Alaoui;Sara;;;EF12;02/02/1992;F;;04.501;",  # 5: new
        "Alaoui;Nora;;;EF12;03/03/1993;F;;04.501;",  # 6: CIN of row 5
        "ALAOUI;sara;;;;02/02/1992;F;;04.501;",  # 7: person of row 5
    )
    _response, report = dry_run(client_for(staff), upload)
    rows = rows_by_number(report)
    assert [rows[n].status for n in range(2, 8)] == [
        "duplicate", "duplicate", "duplicate", "new", "duplicate", "duplicate",
    ]
    assert "BEN-2024-00001" in rows[2].duplicates[0]
    assert "une autre préfecture" in rows[3].duplicates[0]
    assert "BEN-2024-00003" in rows[4].duplicates[0]
    assert "ligne 5" in rows[6].duplicates[0]
    assert "ligne 5" in rows[7].duplicates[0]
    assert report.new_count == 1


def test_the_dry_run_logs_each_file_its_duplicate_checks_found(client_for, staff, temara, rabat):
    mine = BeneficiaryFactory(cin="AB123456", prefecture=temara)
    elsewhere = BeneficiaryFactory(cin="CD1", prefecture=rabat)
    namesake = BeneficiaryFactory(first_name="Omar", last_name="Tazi", cin="",
                                  birth_date=datetime.date(1980, 1, 1), prefecture=rabat)
    dry_run(client_for(staff), csv_file(
        "Bennani;Youssef;;;AB123456;17/05/1990;M;;04.501;",
        "Idrissi;Ali;;;CD1;17/05/1990;M;;04.501;",
        "Tazi;Omar;;;;01/01/1980;M;;04.501;",
        "Alaoui;Sara;;;EF12;02/02/1992;F;;04.501;",
    ))
    logged = set(AccessLog.objects.filter(action=AccessLog.Action.LOOKUP).values_list(
        "user__username", "object_id", "detail",
    ))
    assert logged == {
        ("staff", str(mine.public_id),
         "duplicate check by national ID number: file found in the user's prefectures"),
        ("staff", str(elsewhere.public_id),
         "duplicate check by national ID number: file found in another prefecture"),
        ("staff", str(namesake.public_id),
         "duplicate check by name and date of birth: file found in another prefecture"),
    }


def test_only_good_rows_are_imported(client_for, staff):
    client = client_for(staff)
    bad = "Bennani;Omar;;;;31/02/1990;M;;04.501;"
    _response, report = dry_run(client, csv_file(*GOOD_ROWS, bad))
    assert report.new_count == 2 and report.error_count == 1
    client.post(CONFIRM, {"expected": "2"})
    assert Beneficiary.objects.count() == 2


def test_import_is_all_or_nothing(client_for, staff, monkeypatch):
    client = client_for(staff)
    dry_run(client, csv_file(*GOOD_ROWS))
    real_create = importing.create_beneficiary
    calls = []

    def fail_on_second_row(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError({"cin": "refused"})
        return real_create(**kwargs)

    monkeypatch.setattr(importing, "create_beneficiary", fail_on_second_row)
    response = client.post(CONFIRM, {"expected": "2"}, follow=True)
    assert Beneficiary.objects.count() == 0
    assert "Rien n’a été importé" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.IMPORT).exists()
    # The file is still there: the user may correct the database and confirm again.
    monkeypatch.setattr(importing, "create_beneficiary", real_create)
    client.post(CONFIRM, {"expected": "2"})
    assert Beneficiary.objects.count() == 2


def test_a_change_since_the_dry_run_stops_the_import(client_for, staff, temara):
    client = client_for(staff)
    dry_run(client, csv_file(*GOOD_ROWS))
    BeneficiaryFactory(cin="AB123456", prefecture=temara)  # registered meanwhile
    response = client.post(CONFIRM, {"expected": "2"})
    assert response["Location"] == PREVIEW
    assert Beneficiary.objects.count() == 1


def test_confirm_without_a_dry_run_imports_nothing(client_for, staff):
    response = client_for(staff).post(CONFIRM, {"expected": "2"})
    assert response.status_code == 302 and response["Location"] == UPLOAD
    assert Beneficiary.objects.count() == 0


def test_a_forged_token_in_the_session_reads_no_file(client_for, staff):
    client = client_for(staff)
    session = client.session
    session[importing.SESSION_KEY] = {"token": "../../etc/passwd", "name": "x"}
    session.save()
    assert client.get(PREVIEW)["Location"] == UPLOAD


def test_a_latin1_csv_with_commas_is_read(client_for, staff):
    header = "nom,prenom,date_naissance,sexe,prefecture"
    upload = csv_file("Bennani,Hélène,17/05/1990,F,Skhirate-Témara", header=header, encoding="cp1252")
    _response, report = dry_run(client_for(staff), upload)
    assert report.new_count == 1
    assert report.rows[0].fields["first_name"] == "Hélène"


def test_a_file_above_the_size_limit_is_refused(client_for, staff, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_SIZE", 10)
    response = client_for(staff).post(UPLOAD, {"file": csv_file(*GOOD_ROWS)})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_too_many_rows_are_refused(client_for, staff, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 1)
    _response, report = dry_run(client_for(staff), csv_file(*GOOD_ROWS))
    assert report.file_errors and "1" in report.file_errors[0]


def many_rows(count):
    return [
        f"Bennani;Youssef;;;AB{100000 + n};{1 + n % 28:02d}/05/1990;M;;04.501;" for n in range(count)
    ]


def test_dry_run_query_count_does_not_grow_with_the_rows(
    client_for, staff, django_assert_max_num_queries
):
    client = client_for(staff)
    for count in (3, 300):
        client.post(UPLOAD, {"file": csv_file(*many_rows(count))})
        # Session, user, permissions; prefectures, the user's scope, establishments;
        # national IDs and same people (all and in scope): the same for 3 or 300 rows.
        with django_assert_max_num_queries(16):
            report = client.get(PREVIEW).context["report"]
        assert len(report.rows) == count
