"""A supplier's bank details under four eyes: staff ask, another administrator with a
fresh one-time code decides; orders and payments keep the account in force."""

import datetime
import io
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pypdf import PdfReader

from grants.models import Project
from procurement import bank as procurement_bank
from procurement import services as procurement
from procurement.models import Disbursement, PurchaseOrder, Supplier, SupplierBankChange
from reintegration.accounts.roles import Role
from reintegration.audit.models import AccessLog
from reintegration.common.validators import rib_key
from reintegration.security.two_factor import VERIFIED_AT_SESSION_KEY

from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%attestation\n"


def rib(first22: str) -> str:
    return first22 + rib_key(first22)


OLD_RIB = rib("0117800000123456789012")
NEW_RIB = rib("1907800000987654321000")
ICE = "001561191000066"


def certificate(name="attestation.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Atlas Équipement SARL", ice=ICE, rib=OLD_RIB)


@pytest.fixture
def other_admin(db):
    return UserFactory(username="admin2", role=Role.ADMIN, is_staff=True, email="admin2@example.ma")


@pytest.fixture
def change(supplier, staff):
    return procurement_bank.request_bank_change(
        supplier=supplier,
        user=staff,
        new_rib=NEW_RIB,
        new_ice=ICE,
        reason="Changement de banque",
        document=certificate(),
    )


def fresh(client, seconds_ago: float = 0):
    """Note in `client`'s session that its user entered a code `seconds_ago`."""
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = time.time() - seconds_ago
    session.save()
    return client


def decide(client, change, decision="approve", reason=""):
    return client.post(
        reverse("grants:bank_change_detail", args=[change.pk]), {"decision": decision, "reason": reason}
    )


# --- asking ---------------------------------------------------------------------------


def test_staff_ask_for_a_new_rib_and_the_supplier_keeps_its_account_until_approval(
    supplier, staff, admin_user, other_admin, client_for, django_capture_on_commit_callbacks
):
    admin_user.email = "admin@example.ma"
    admin_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("grants:bank_change_request", args=[supplier.pk]),
            {
                "new_rib": " ".join([NEW_RIB[:8], NEW_RIB[8:16], NEW_RIB[16:]]),
                "new_ice": ICE,
                "reason": "Le fournisseur a changé de banque.",
                "document": certificate(),
            },
            follow=True,
        )
    change = SupplierBankChange.objects.get()
    assert (change.status, change.old_rib, change.new_rib, change.requested_by) == (
        SupplierBankChange.Status.PENDING,
        OLD_RIB,
        NEW_RIB,
        staff,
    )
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB
    assert "garde ses coordonnées bancaires actuelles" in response.content.decode()
    # Every administrator is told, in a message that carries no account number.
    assert sorted(message.to[0] for message in mail.outbox) == ["admin2@example.ma", "admin@example.ma"]
    assert all(NEW_RIB not in message.body and OLD_RIB not in message.body for message in mail.outbox)
    assert all(change.get_absolute_url() in message.body for message in mail.outbox)


def test_the_supplier_page_shows_the_pending_request(change, supplier, officer, client_for):
    content = client_for(officer).get(supplier.get_absolute_url()).content.decode()
    assert "demandé le" in content and change.get_absolute_url() in content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("new_rib", "011780000012345678901200", "La clé de ce RIB est fausse"),
        ("new_rib", "1234", "Un RIB comporte 24 chiffres."),
        ("new_ice", "001561191000065", "La clé de contrôle de cet ICE est fausse"),
        ("new_rib", OLD_RIB, "Ce sont les coordonnées actuelles du fournisseur"),
        ("new_rib", "", "peut être remplacé, pas supprimé."),
        ("reason", "", "Ce champ est obligatoire."),
    ],
)
def test_a_bad_request_is_refused_on_its_field_and_keeps_what_was_typed(
    field, value, message, supplier, staff, client_for
):
    data = {"new_rib": NEW_RIB, "new_ice": ICE, "reason": "Nouvelle banque", "document": certificate()}
    data[field] = value
    response = client_for(staff).post(reverse("grants:bank_change_request", args=[supplier.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Nouvelle banque" in response.content.decode() or field == "reason"
    assert not SupplierBankChange.objects.exists()


def test_the_bank_certificate_must_be_a_pdf_or_an_image(supplier, staff, client_for):
    response = client_for(staff).post(
        reverse("grants:bank_change_request", args=[supplier.pk]),
        {
            "new_rib": NEW_RIB,
            "new_ice": ICE,
            "reason": "Nouvelle banque",
            "document": certificate("attestation.pdf", b"MZ\x90\x00not a pdf"),
        },
    )
    assert "Seuls les fichiers PDF, JPEG et PNG sont acceptés" in response.content.decode()
    assert not SupplierBankChange.objects.exists()


def test_a_second_request_waits_for_the_first_to_be_decided(change, supplier, staff, client_for):
    response = client_for(staff).get(reverse("grants:bank_change_request", args=[supplier.pk]))
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    with pytest.raises(ValidationError, match="attend la décision"):
        procurement_bank.request_bank_change(
            supplier=supplier,
            user=staff,
            new_rib=rib("0117800000999999999999"),
            new_ice=ICE,
            reason="Encore",
            document=certificate(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplierBankChange.objects.create(
            supplier=supplier,
            old_rib=OLD_RIB,
            new_rib=rib("0117800000999999999999"),
            reason="Encore",
            requested_by=staff,
            document="bank_certificates/x",
        )


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_officers_and_auditors_cannot_ask(who, supplier, request, client_for):
    client = client_for(request.getfixturevalue(who))
    url = reverse("grants:bank_change_request", args=[supplier.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"new_rib": NEW_RIB, "reason": "x", "document": certificate()}).status_code == 403
    assert not SupplierBankChange.objects.exists()


# --- deciding -------------------------------------------------------------------------


def test_an_admin_with_a_fresh_code_approves_and_the_supplier_takes_the_new_account(
    change, supplier, staff, admin_user, client_for, django_capture_on_commit_callbacks
):
    staff.email = "staff@example.ma"
    staff.save()
    client = fresh(client_for(admin_user))
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, change, "approve", "Confirmé par téléphone au numéro connu.")
    assert response.status_code == 302
    change.refresh_from_db()
    supplier.refresh_from_db()
    assert (change.status, change.decided_by, supplier.rib) == (
        SupplierBankChange.Status.APPROVED,
        admin_user,
        NEW_RIB,
    )
    assert change.decided_at is not None
    # History keeps who asked and who approved, and the supplier's former account.
    assert supplier.history.filter(rib=OLD_RIB).exists()
    assert change.history.filter(status="approved", history_user=admin_user).exists()
    assert [message.to for message in mail.outbox] == [["staff@example.ma"]]


def test_without_a_fresh_code_the_admin_is_sent_to_the_code_page(change, supplier, admin_user, client_for):
    client = fresh(client_for(admin_user), seconds_ago=5 * 60 + 1)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Saisir un code à usage unique" in page and "Enregistrer la décision" not in page
    response = decide(client, change)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:otp_verify"))
    assert f"next={change.get_absolute_url()}".replace("/", "%2F") in response["Location"]
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB
    assert SupplierBankChange.objects.get().status == SupplierBankChange.Status.PENDING


def test_entering_a_code_on_the_code_page_makes_it_fresh(change, admin_user, client):
    from .conftest import otp_token

    client.force_login(admin_user)
    token = otp_token(admin_user)
    client.post(reverse("security:otp_verify"), {"token": token, "next": change.get_absolute_url()})
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Enregistrer la décision" in page


def test_the_requester_can_never_approve_their_own_request(supplier, admin_user, client_for):
    own = procurement_bank.request_bank_change(
        supplier=supplier,
        user=admin_user,
        new_rib=NEW_RIB,
        new_ice=ICE,
        reason="x",
        document=certificate(),
    )
    client = fresh(client_for(admin_user))
    assert "Vous avez demandé ce changement" in client.get(own.get_absolute_url()).content.decode()
    assert decide(client, own).status_code == 403
    with pytest.raises(PermissionDenied):
        procurement_bank.approve_bank_change(change=own, user=admin_user, code_entered_at=time.time())
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplierBankChange.objects.filter(pk=own.pk).update(
            status="approved", decided_by=admin_user, decided_at=timezone.now()
        )


@pytest.mark.parametrize("who", ["staff", "outsider_staff", "officer", "auditor"])
def test_no_one_but_an_admin_may_decide(who, change, supplier, request, client_for):
    client = fresh(client_for(request.getfixturevalue(who)))
    assert client.get(change.get_absolute_url()).status_code == 200  # national: everyone reads it
    assert decide(client, change).status_code == 403
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB


def test_refusing_needs_a_reason_and_keeps_the_account(change, supplier, admin_user, client_for):
    client = fresh(client_for(admin_user))
    response = decide(client, change, "refuse", "")
    assert response.status_code == 200
    assert "Indiquez pourquoi le changement est refusé." in response.content.decode()
    decide(client, change, "refuse", "Le numéro connu du fournisseur dément la demande.")
    change.refresh_from_db()
    supplier.refresh_from_db()
    assert (change.status, supplier.rib) == (SupplierBankChange.Status.REFUSED, OLD_RIB)
    assert decide(client, change, "approve").status_code == 200  # decided once
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB


def test_a_stale_code_is_refused_by_the_service_itself(change, admin_user):
    with pytest.raises(procurement_bank.StaleCode):
        procurement_bank.approve_bank_change(change=change, user=admin_user, code_entered_at=None)
    with pytest.raises(procurement_bank.StaleCode):
        procurement_bank.approve_bank_change(
            change=change, user=admin_user, code_entered_at=time.time() - 301
        )


# --- orders, payments and their documents --------------------------------------------


@pytest.fixture
def order_world(staff, temara, supplier):
    convention = ConventionFactory(prefecture=temara)
    project = ProjectFactory(
        status=Project.Status.APPROVED,
        convention=convention,
        approved_amount=Decimal("60000.00"),
        cash_grant_amount=Decimal("5000.00"),
    )
    lines = [
        EquipmentItemFactory(project=project, designation=f"Machine {n}", unit_price=Decimal("1000"))
        for n in range(2)
    ]
    return convention, project, lines


def test_an_order_keeps_the_rib_in_force_when_sent_and_its_pdf_prints_it(
    order_world, supplier, staff, admin_user, change, client_for
):
    convention, _project, lines = order_world
    sent = procurement.create_purchase_order(
        supplier=supplier,
        convention=convention,
        lines=[lines[0]],
        user=staff,
        ordered_on=datetime.date(2024, 10, 1),
    )
    procurement.send_purchase_order(purchase_order=sent, user=staff)
    draft = procurement.create_purchase_order(
        supplier=supplier,
        convention=convention,
        lines=[lines[1]],
        user=staff,
        ordered_on=datetime.date(2024, 10, 2),
    )
    # Pending: still the old account everywhere.
    assert (draft.supplier_rib, sent.supplier_rib) == (OLD_RIB, OLD_RIB)

    procurement_bank.approve_bank_change(change=change, user=admin_user, code_entered_at=time.time())

    sent.refresh_from_db()
    draft.refresh_from_db()
    assert sent.supplier_rib == OLD_RIB  # history is never rewritten
    assert draft.supplier_rib == NEW_RIB  # not sent yet: it will go with the account in force
    text = pdf_text(client_for(staff), sent)
    assert OLD_RIB in text and NEW_RIB not in text
    procurement.send_purchase_order(purchase_order=draft, user=staff)
    assert NEW_RIB in pdf_text(client_for(staff), draft)


def pdf_text(client, order: PurchaseOrder) -> str:
    response = client.get(reverse("grants:purchase_order_pdf", args=[order.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_a_transfer_records_the_account_credited(order_world, staff, client_for):
    _convention, project, _lines = order_world
    url = reverse("grants:disbursement_create", args=[project.public_id])
    account = rib("2257800001000000000042")
    data = {"amount": "2000.00", "paid_on": "2024-12-06", "method": "transfer", "reference": "VIR-1"}
    response = client_for(staff).post(url, data)
    assert "Saisissez le RIB du compte que le virement crédite." in response.content.decode()
    response = client_for(staff).post(url, {**data, "rib": account[:-1] + "0"})
    assert "La clé de ce RIB est fausse" in response.content.decode()
    assert not project.disbursements.exists()
    client_for(staff).post(url, {**data, "rib": account})
    assert Disbursement.objects.get().rib == account
    # The next instalment offers the same account.
    assert client_for(staff).get(url).context["form"].initial["rib"] == account


def test_a_cheque_credits_no_account(order_world, staff):
    _convention, project, _lines = order_world
    with pytest.raises(ValidationError, match="Un chèque ne crédite aucun compte"):
        procurement.record_disbursement(
            project=project,
            amount=Decimal("100"),
            paid_on=datetime.date(2024, 12, 6),
            method="cheque",
            reference="",
            user=staff,
            rib=OLD_RIB,
        )


# --- pages and admin ------------------------------------------------------------------


def test_the_supplier_edit_page_no_longer_changes_the_bank_details(supplier, staff, client_for):
    url = reverse("grants:supplier_update", args=[supplier.pk])
    form = client_for(staff).get(url).context["form"]
    assert "rib" not in form.fields and "ice" not in form.fields
    client_for(staff).post(url, {"name": "Atlas Équipement", "rib": NEW_RIB, "ice": "002136093000040"})
    supplier.refresh_from_db()
    assert (supplier.name, supplier.rib, supplier.ice) == ("Atlas Équipement", OLD_RIB, ICE)


def test_a_new_supplier_is_registered_with_its_first_rib(staff, client_for):
    client_for(staff).post(reverse("grants:supplier_create"), {"name": "Nouveau", "rib": OLD_RIB, "ice": ICE})
    assert Supplier.objects.get().rib == OLD_RIB
    assert not SupplierBankChange.objects.exists()


def test_the_admin_shows_the_bank_details_read_only_and_a_revert_keeps_them(
    supplier, change, admin_user, other_admin, client_for
):
    client = client_for(admin_user)
    url = reverse("admin:procurement_supplier_change", args=[supplier.pk])
    page = client.get(url)
    assert "rib" not in page.context["adminform"].form.fields
    client.post(
        url,
        {
            "name": supplier.name,
            "rib": NEW_RIB,
            "ice": "",
            "bank_changes-TOTAL_FORMS": "1",
            "bank_changes-INITIAL_FORMS": "1",
            "bank_changes-MIN_NUM_FORMS": "0",
            "bank_changes-MAX_NUM_FORMS": "1000",
        },
    )
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB
    procurement_bank.approve_bank_change(change=change, user=other_admin, code_entered_at=time.time())
    first = supplier.history.order_by("history_date").first()
    revert = reverse("admin:procurement_supplier_simple_history", args=[supplier.pk, first.history_id])
    client.post(
        revert,
        {
            "name": "Atlas (rétabli)",
            "bank_changes-TOTAL_FORMS": "1",
            "bank_changes-INITIAL_FORMS": "1",
            "bank_changes-MIN_NUM_FORMS": "0",
            "bank_changes-MAX_NUM_FORMS": "1000",
        },
    )
    supplier.refresh_from_db()
    assert supplier.rib == NEW_RIB


def test_requests_are_read_only_in_the_admin(change, admin_user, client_for):
    client = client_for(admin_user)
    assert client.get(reverse("admin:procurement_supplierbankchange_changelist")).status_code == 200
    assert client.get(reverse("admin:procurement_supplierbankchange_add")).status_code == 403
    history = reverse("admin:procurement_supplierbankchange_history", args=[change.pk])
    assert client.get(history).status_code == 200


def test_the_list_shows_the_pending_requests_in_few_queries(
    supplier, staff, admin_user, client_for, django_assert_max_num_queries
):
    for n in range(5):
        other = SupplierFactory(ice="", rib=OLD_RIB)
        procurement_bank.request_bank_change(
            supplier=other,
            user=staff,
            new_rib=rib(f"01178000001234567890{n:02d}"),
            new_ice="",
            reason="x",
            document=certificate(),
        )
    client = client_for(admin_user)
    # Session, user, OTP device, permissions, count, the page of requests with their users.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("grants:bank_change_list"))
    assert len(response.context["changes"]) == 5
    assert len(client.get(reverse("grants:bank_change_list") + "?status=approved").context["changes"]) == 0
    hostile = client.get(reverse("grants:bank_change_list") + "?status=pk;drop")
    assert hostile.status_code == 200 and len(hostile.context["changes"]) == 5


def test_opening_the_bank_certificate_is_logged(change, officer, client_for):
    response = client_for(officer).get(reverse("grants:bank_change_document", args=[change.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD, object_id=str(change.pk)).exists()


def test_the_data_migration_gives_each_sent_order_the_rib_of_the_day_it_was_sent(
    order_world, supplier, staff
):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("grants.migrations.0010_order_identifiers_in_force")
    # The models as that migration knew them (the orders were grants' then).
    apps = MigrationLoader(connection).project_state(("grants", "0010_order_identifiers_in_force")).apps
    convention, _project, lines = order_world
    sent = procurement.create_purchase_order(
        supplier=supplier,
        convention=convention,
        lines=[lines[0]],
        user=staff,
        ordered_on=datetime.date(2024, 10, 1),
    )
    procurement.send_purchase_order(purchase_order=sent, user=staff)
    draft = procurement.create_purchase_order(
        supplier=supplier,
        convention=convention,
        lines=[lines[1]],
        user=staff,
        ordered_on=datetime.date(2024, 10, 2),
    )
    # As before this change: the supplier's RIB edited in place, nothing kept on the orders.
    supplier.rib = NEW_RIB
    supplier.save()
    PurchaseOrder.objects.update(supplier_rib="", supplier_ice="")

    migration.backfill(apps, None)

    sent.refresh_from_db()
    draft.refresh_from_db()
    assert (sent.supplier_rib, sent.supplier_ice) == (OLD_RIB, ICE)
    assert draft.supplier_rib == NEW_RIB


# --- any sequence of requests and decisions -------------------------------------------


class BankDetailsMachine(RuleBasedStateMachine):
    """Random people ask for and decide changes of one supplier's RIB, with or without a
    fresh code, through the real services. After every step: the supplier's account is
    the last one approved, at most one request waits, nobody decided their own."""

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.supplier = SupplierFactory(rib=OLD_RIB, ice="")
        self.users = [
            UserFactory(role=Role.FOUNDATION_STAFF),
            UserFactory(role=Role.FOUNDATION_STAFF),
            UserFactory(role=Role.ADMIN),
            UserFactory(role=Role.ADMIN),
            UserFactory(role=Role.PREFECTURE_OFFICER),
        ]
        self.account = OLD_RIB
        self.pending = None  # (request, requester)

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @rule(who=st.integers(0, 4), number=st.integers(0, 3))
    def ask(self, who, number):
        user, new_rib = self.users[who], rib(f"22578000{number:014d}")
        try:
            change = procurement_bank.request_bank_change(
                supplier=self.supplier,
                user=user,
                new_rib=new_rib,
                new_ice="",
                reason="x",
                document=certificate(),
            )
        except PermissionDenied:
            assert user.role == Role.PREFECTURE_OFFICER
        except ValidationError:
            assert self.pending is not None or new_rib == self.account
        else:
            assert user.role != Role.PREFECTURE_OFFICER and self.pending is None and new_rib != self.account
            self.pending = (change, user, new_rib)

    @precondition(lambda self: self.pending is not None)
    @rule(who=st.integers(0, 4), approve=st.booleans(), fresh=st.booleans())
    def decide(self, who, approve, fresh):
        change, requester, new_rib = self.pending
        user = self.users[who]
        service = procurement_bank.approve_bank_change if approve else procurement_bank.refuse_bank_change
        try:
            service(change=change, user=user, reason="vu", code_entered_at=time.time() if fresh else None)
        except PermissionDenied:
            assert user.role != Role.ADMIN or user == requester or not fresh
        else:
            assert user.role == Role.ADMIN and user != requester and fresh
            if approve:
                self.account = new_rib
            self.pending = None

    @invariant()
    def the_ledger_of_accounts_holds(self):
        self.supplier.refresh_from_db()
        assert self.supplier.rib == self.account
        assert SupplierBankChange.objects.pending().count() == (self.pending is not None)
        assert not SupplierBankChange.objects.filter(decided_by=F("requested_by")).exists()


def test_any_sequence_of_requests_and_decisions_keeps_the_four_eyes(db):
    # 50 sequences of up to 12 steps: about 20 s on this 2-core machine under load.
    run_state_machine_as_test(
        BankDetailsMachine, settings=settings(max_examples=50, stateful_step_count=12, deadline=None)
    )
