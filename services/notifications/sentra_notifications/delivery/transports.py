"""Sending one message: email over SMTP (aiosmtplib), SMS through the gateway (httpx).

Each transport answers with an `Outcome`: sent, a transient failure (try again later) or
a permanent one (trying again cannot help). Errors are described by status code or error
class only: an SMTP server's or gateway's text may quote the recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

import aiosmtplib
import httpx
from pydantic import SecretStr
from sentra_shared import clock

from sentra_notifications.delivery.store import Claimed


@dataclass(frozen=True)
class Outcome:
    sent: bool
    transient: bool = False
    error: str = ""


SENT = Outcome(sent=True)


def transient(error: str) -> Outcome:
    return Outcome(sent=False, transient=True, error=error)


def permanent(error: str) -> Outcome:
    return Outcome(sent=False, transient=False, error=error)


class Transport(Protocol):
    async def send(self, message: Claimed) -> Outcome: ...

    async def close(self) -> None: ...


def message_id(idempotency_key: str) -> str:
    """The email's Message-ID: the same for every attempt of one message, so that a copy
    sent again after a crash is recognised (and collapsed) by mail clients."""
    return f"<{idempotency_key}@sentra.local>"


class SmtpTransport:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        tls: str = "none",
        username: str | None = None,
        password: SecretStr | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._tls = tls
        self._username = username
        self._password = password
        self._timeout = timeout

    def compose(self, message: Claimed) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = message_id(message.idempotency_key)
        email["Date"] = format_datetime(clock.now())
        email["X-Sentra-Reference"] = message.idempotency_key
        email.set_content(message.body)
        email["Content-Language"] = message.language  # after set_content, which drops Content-*
        return email

    async def send(self, message: Claimed) -> Outcome:
        try:
            await aiosmtplib.send(
                self.compose(message),
                hostname=self._host,
                port=self._port,
                use_tls=self._tls == "tls",
                start_tls=self._tls == "starttls",
                username=self._username,
                password=self._password.get_secret_value() if self._password else None,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refused.code for refused in error.recipients})
            return _by_smtp_code(max(codes, default=550), "SMTP recipient refused")
        except aiosmtplib.SMTPResponseException as error:
            return _by_smtp_code(error.code, "SMTP")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return transient(f"SMTP {type(error).__name__}")
        return SENT

    async def close(self) -> None:
        return None  # one connection per message: nothing held open


def _by_smtp_code(code: int, what: str) -> Outcome:
    # 4xx: try again later (greylisting, a full queue); 5xx: the server will not take it.
    text = f"{what} {code}"
    return permanent(text) if 500 <= code < 600 else transient(text)


class SmsGateway:
    """The SMS gateway's HTTP interface (docs/delivery.md): POST {url}/messages with
    {to, text, reference}, `Authorization: Bearer <key>`, `Idempotency-Key: <key>`."""

    def __init__(self, url: str, key: SecretStr, *, timeout: float = 15.0) -> None:
        self._key = key
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout)

    async def send(self, message: Claimed) -> Outcome:
        try:
            response = await self._client.post(
                "/messages",
                json={
                    "to": message.recipient,
                    "text": message.body,
                    "reference": message.idempotency_key,
                },
                headers={
                    "Authorization": f"Bearer {self._key.get_secret_value()}",
                    "Idempotency-Key": message.idempotency_key,
                },
            )
        except httpx.HTTPError as error:
            return transient(f"SMS gateway {type(error).__name__}")
        code = response.status_code
        if code in (200, 201):  # 200: a replayed key, answered as the first time
            return SENT
        if code == 429 or code >= 500:
            return transient(f"SMS gateway HTTP {code}")
        # 401/403 (key), 400/422 (number, text), 409 (key reused for another message).
        return permanent(f"SMS gateway HTTP {code}")

    async def close(self) -> None:
        await self._client.aclose()
