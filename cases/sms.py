"""Where an SMS goes: a backend chosen by `settings.SMS_BACKEND` (a dotted path).

- `ConsoleBackend` (the default): prints the message, as Django's console e-mail backend.
- `FileBackend`: appends one JSON line per message to `settings.SMS_FILE_PATH`.
- `MemoryBackend`: keeps them in `MemoryBackend.outbox` (the tests).
- `HttpGatewayBackend`: posts each message as JSON to `settings.SMS_GATEWAY_URL` with
  the bearer token `settings.SMS_GATEWAY_TOKEN`; the gateway answers 2xx with
  `{"id": "..."}`. Any other answer, or no answer within `SMS_TIMEOUT` seconds, is a
  `SmsError`, which the message's log records (and a background job may retry).

A backend's `send(to=..., body=...)` returns the gateway's id of the message (or "").
"""

import json
import sys
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    pass


class ConsoleBackend:
    def send(self, *, to: str, body: str) -> str:
        sys.stdout.write(f"SMS to {to}:\n{body}\n{'-' * 40}\n")
        return ""


class FileBackend:
    def send(self, *, to: str, body: str) -> str:
        message_id = uuid.uuid4().hex
        line = {"id": message_id, "to": to, "body": body, "at": timezone.now().isoformat()}
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as file:
            file.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id


class MemoryBackend:
    outbox: list[dict] = []

    def send(self, *, to: str, body: str) -> str:
        message_id = f"memory-{len(self.outbox) + 1}"
        MemoryBackend.outbox.append({"id": message_id, "to": to, "body": body})
        return message_id


class HttpGatewayBackend:
    def send(self, *, to: str, body: str) -> str:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("SMS_GATEWAY_URL is not set")
        payload = json.dumps({"to": to, "from": settings.SMS_SENDER, "text": body}).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL, data=payload, method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310 - the URL is a setting
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise SmsError(f"gateway unreachable: {error}") from error
        return str(answer.get("id", ""))


def get_backend():
    return import_string(settings.SMS_BACKEND)()
