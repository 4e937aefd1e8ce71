"""SMS to beneficiaries: the backends, the person's language, consent and opt-out, the
log (phone masked in the list), the replies."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import translation

from cases import services, sms
from cases.models import ContactPreference, Grievance, SmsMessage
from grants.models import Project

from .factories import BeneficiaryFactory, ContactPreferenceFactory, ProjectFactory

pytestmark = pytest.mark.django_db

PHONE = "+212612345678"


@pytest.fixture(autouse=True)
def outbox():
    sms.MemoryBackend.outbox.clear()
    return sms.MemoryBackend.outbox


@pytest.fixture
def person(temara):
    return BeneficiaryFactory(prefecture=temara, phone=PHONE, first_name="Youssef",
                              first_name_ar="يوسف", cin="AB246810")


def consent(person, language="ar"):
    return ContactPreferenceFactory(beneficiary=person, language=language)


def expected(template, language, **context):
    with translation.override(language):
        return str(services.SMS_TEXTS[template]) % context


def test_a_message_goes_out_in_the_persons_language(person, outbox):
    consent(person, "ar")
    message = services.send_sms(beneficiary=person, template="visit_reminder", context={"date": "06/12/2024"})
    assert message.status == SmsMessage.Status.SENT and message.language == "ar"
    assert outbox == [{"id": "memory-1", "to": PHONE, "body": message.body}]
    assert message.body == expected("visit_reminder", "ar", name="يوسف", date="06/12/2024")
    assert "يوسف" in message.body and "06/12/2024" in message.body
    with translation.override("ar"):
        assert message.body != expected("visit_reminder", "en", name="يوسف", date="06/12/2024")

    person.contact_preference.language = "fr"
    person.contact_preference.save()
    french = services.send_sms(beneficiary=person, template="handover_check")
    assert french.body == expected("handover_check", "fr", name="Youssef")
    assert "Youssef" in french.body


@pytest.mark.parametrize("situation", ["no preference", "no consent", "opted out", "no phone"])
def test_nothing_is_sent_without_consent_and_the_log_says_why(person, outbox, situation):
    if situation == "no consent":
        ContactPreferenceFactory(beneficiary=person, sms_consent_on=None)
    elif situation == "opted out":
        ContactPreferenceFactory(beneficiary=person, opted_out_at="2025-01-01T10:00:00Z")
    elif situation == "no phone":
        consent(person)
        person.phone = ""
        person.save()
    message = services.send_sms(beneficiary=person, template="visit_reminder", context={"date": "x"})
    assert message.status == SmsMessage.Status.BLOCKED and message.error
    assert outbox == []
    assert SmsMessage.objects.count() == 1


def test_the_file_backend_writes_one_line_per_message(person, settings, tmp_path):
    consent(person)
    settings.SMS_BACKEND = "cases.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    services.send_sms(beneficiary=person, template="handover_check")
    services.send_sms(beneficiary=person, template="handover_check")
    lines = [json.loads(line) for line in settings.SMS_FILE_PATH.read_text().splitlines()]
    assert [line["to"] for line in lines] == [PHONE, PHONE]
    assert SmsMessage.objects.filter(gateway_id=lines[0]["id"]).exists()


def test_the_console_backend_is_the_default(capsys):
    from reintegration import settings as base_settings

    assert base_settings.SMS_BACKEND == "cases.sms.ConsoleBackend"
    sms.ConsoleBackend().send(to=PHONE, body="Bonjour")
    assert "SMS to +212612345678" in capsys.readouterr().out


class FakeGateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        FakeGateway.received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
        self.send_response(FakeGateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"gw-{len(FakeGateway.received)}"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    FakeGateway.received, FakeGateway.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "cases.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "secret-token"
    settings.SMS_SENDER = "Fondation"
    yield FakeGateway
    server.shutdown()
    server.server_close()


def test_the_http_gateway_receives_the_message_and_its_id_is_logged(person, gateway):
    consent(person, "fr")
    message = services.send_sms(beneficiary=person, template="handover_check")
    [(authorization, payload)] = gateway.received
    assert authorization == "Bearer secret-token"
    assert payload == {"to": PHONE, "from": "Fondation", "text": message.body}
    assert message.status == SmsMessage.Status.SENT and message.gateway_id == "gw-1"


def test_a_gateway_error_is_logged_and_retried_by_whoever_wraps_the_delivery(person, gateway):
    consent(person)
    gateway.status = 503
    message = services.send_sms(beneficiary=person, template="handover_check")
    assert message.status == SmsMessage.Status.FAILED and "503" in message.error
    with pytest.raises(sms.SmsError):
        services.deliver_sms(message, raise_errors=True)
    gateway.status = 200
    services.deliver_sms(message)
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT and message.attempts == 3


def test_staff_send_from_the_file_and_the_log_masks_the_phone(client_for, staff, person, outbox):
    consent(person)
    client = client_for(staff)
    response = client.post(reverse("cases:sms_send", args=[person.public_id]),
                           {"template": "visit_reminder", "date": "2025-01-15"})
    assert response.status_code == 302
    assert len(outbox) == 1 and "15/01/2025" in outbox[0]["body"]
    listing = client.get(reverse("cases:sms_list")).content.decode()
    assert "+2126******78" in listing and PHONE not in listing


def test_a_convocation_without_its_place_is_refused(client_for, staff, person, outbox):
    consent(person)
    response = client_for(staff).post(reverse("cases:sms_send", args=[person.public_id]),
                                      {"template": "convocation", "date": "2025-01-15"})
    assert response.status_code == 200 and outbox == [] and not SmsMessage.objects.exists()


def test_staff_record_consent_and_opt_out(client_for, staff, person):
    client = client_for(staff)
    url = reverse("cases:contact_preference", args=[person.public_id])
    client.post(url, {"language": "fr", "sms_consent_on": "2024-05-02"})
    preference = ContactPreference.objects.get(beneficiary=person)
    assert preference.may_send and preference.language == "fr"
    client.post(url, {"language": "fr", "sms_consent_on": "2024-05-02", "opted_out": "on"})
    preference.refresh_from_db()
    assert not preference.may_send


@pytest.mark.parametrize("who,status", [("outsider_staff", 404), ("outsider_officer", 404), ("officer", 403)])
def test_sms_pages_are_scoped_like_the_file(client_for, request, person, who, status):
    client = client_for(request.getfixturevalue(who))
    for name in ("cases:sms_send", "cases:contact_preference"):
        assert client.post(reverse(name, args=[person.public_id]),
                           {"template": "handover_check", "language": "fr"}).status_code == status
    assert not SmsMessage.objects.exists() and not ContactPreference.objects.exists()


def test_a_stop_reply_opts_out(person, outbox):
    consent(person)
    services.record_sms_reply(phone=PHONE, text=" stop ")
    person.contact_preference.refresh_from_db()
    assert not person.contact_preference.may_send
    assert services.send_sms(beneficiary=person, template="handover_check").status == "blocked"


def test_a_no_to_the_check_after_the_handover_raises_a_grievance(person, temara):
    consent(person)
    project = ProjectFactory(beneficiary=person, prefecture=temara, status=Project.Status.DRAFT)
    services.send_sms(beneficiary=person, template="handover_check")
    assert services.record_sms_reply(phone="+212699999999", text="NON") is None
    reply = services.record_sms_reply(phone=PHONE, text="لا")
    assert reply.status == SmsMessage.Status.RECEIVED
    grievance = Grievance.objects.get()
    assert grievance.channel == Grievance.Channel.SMS
    assert grievance.category == Grievance.Category.EQUIPMENT_MISSING
    assert grievance.project is None or grievance.project == project


def test_the_dashboard_counts_the_sms_sent(client_for, staff, person):
    consent(person)
    services.send_sms(beneficiary=person, template="handover_check")
    page = client_for(staff).get(reverse("dashboard")).content.decode()
    assert '<div class="fs-4" data-testid="sms-sent">1</div>' in page
