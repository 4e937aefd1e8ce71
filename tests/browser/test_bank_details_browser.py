"""A supplier's new bank account, in a real browser: staff ask with the bank certificate,
another administrator approves with a one-time code; only then does the account change."""

from pathlib import Path

from django.urls import reverse

from procurement.models import SupplierBankChange
from reintegration.accounts.roles import Role
from reintegration.common.validators import rib_key
from tests.factories import SupplierFactory, UserFactory

OLD_RIB = "0117800000123456789012" + rib_key("0117800000123456789012")
NEW_RIB = "1907800000987654321000" + rib_key("1907800000987654321000")


def test_staff_ask_and_another_admin_approves_with_a_code(
    browser, live_server, login, staff, tmp_path: Path, screenshot
):
    supplier = SupplierFactory(name="Atlas Équipement SARL", rib=OLD_RIB)
    admin = UserFactory(username="second_admin", role=Role.ADMIN)
    certificate = tmp_path / "attestation-rib.pdf"
    certificate.write_bytes(b"%PDF-1.4\n%attestation\n")

    asker = browser.new_context().new_page()
    login(asker, staff)
    asker.goto(f"{live_server.url}{supplier.get_absolute_url()}")
    asker.get_by_role("link", name="Changer les coordonnées bancaires").click()
    asker.get_by_label("Nouveau RIB").fill(NEW_RIB)
    asker.get_by_label("Motif du changement").fill("Le fournisseur a changé de banque.")
    asker.get_by_label("Attestation de RIB").set_input_files(str(certificate))
    asker.get_by_role("button", name="Demander le changement").click()
    asker.wait_for_url("**/bank-changes/*/")
    assert "garde ses coordonnées bancaires actuelles" in asker.locator(".alert").first.inner_text()
    supplier.refresh_from_db()
    assert supplier.rib == OLD_RIB
    change = SupplierBankChange.objects.get()

    decider = browser.new_context().new_page()
    login(decider, admin)
    decider.goto(f"{live_server.url}{change.get_absolute_url()}")
    decider.get_by_label("Approuver les nouvelles coordonnées").check()
    decider.get_by_role("button", name="Enregistrer la décision").click()
    decider.wait_for_url(f"{live_server.url}{change.get_absolute_url()}")
    assert "sont approuvées" in decider.locator(".alert").first.inner_text()
    screenshot(decider, "bank-change-approved-fr")
    supplier.refresh_from_db()
    assert supplier.rib == NEW_RIB
    assert reverse("grants:bank_change_detail", args=[change.pk]) in decider.url
