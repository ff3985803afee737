"""The email and SMS transports against real servers on free ports: an aiosmtpd server
that counts its connections and can misbehave, and an HTTP gateway answering the codes a
test scripts. SMTP connections are reused, a connection the server dropped while idle
loses no message, nothing is retried once DATA went out, and both transports map every
answer to the same outcome as before."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr
from sentra_local.processes import free_port
from sentra_local.testing import wait_until
from sentra_notifications.delivery.sms import SmsGateway
from sentra_notifications.delivery.smtp import SmtpTransport
from sentra_notifications.delivery.store import Claimed
from sentra_notifications.delivery.transports import SENT, message_id, permanent, transient

SENDER = "Sentra <no-reply@sentra.local>"


def claimed(channel: str = "email", *, recipient: str = "siti@example.id") -> Claimed:
    key = str(uuid.uuid4())
    return Claimed(
        id=uuid.UUID(key),
        application_id=uuid.uuid4(),
        about="documents_verified",
        final=True,
        channel=channel,  # type: ignore[arg-type]
        recipient=recipient,
        language="id",
        subject="Permohonan Anda: dokumen terverifikasi",
        body="Dokumen Anda telah diverifikasi. Kode pelacakan: SEN-7Q4K-2M9P.",
        attempts=1,
        idempotency_key=key,
        traceparent=None,
    )


# --- SMTP ------------------------------------------------------------------------------


class SmtpServer:
    """A real SMTP server (aiosmtpd) that keeps each connection's protocol, so a test can
    count connections, drop them as an idle timeout would, and choose the DATA answer."""

    def __init__(self, *, password: str | None = None) -> None:
        self.connections: list[SMTP] = []
        self.received: list[bytes] = []
        self.data_commands = 0
        self.data_answer = "250 2.0.0 OK"
        self.drop_during_data = False
        self.logins: list[LoginPassword] = []
        self._password = password
        self.port = 0

    def protocol(self) -> SMTP:
        if self._password is None:
            smtp = SMTP(self, hostname="test-mx.local")
        else:
            smtp = SMTP(
                self,
                hostname="test-mx.local",
                authenticator=self._authenticate,
                auth_require_tls=False,  # loopback only, no certificate in this test
            )
        self.connections.append(smtp)
        return smtp

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        self.logins.append(data)
        ok = isinstance(data, LoginPassword) and data.password.decode() == self._password
        return AuthResult(success=ok)

    def open_connections(self) -> int:
        return sum(1 for c in self.connections if c.transport is not None)

    def drop_all(self) -> None:
        """What a server's idle timeout does: close every connection it holds."""
        for smtp in self.connections:
            if smtp.transport is not None:
                smtp.transport.close()

    async def handle_DATA(self, server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.data_commands += 1
        if self.drop_during_data:
            assert server.transport is not None
            server.transport.close()  # the message's fate is unknown to the client
            return "250 2.0.0 OK"
        if self.data_answer.startswith("250"):
            assert isinstance(envelope.content, bytes)
            self.received.append(envelope.content)
        return self.data_answer

    def message_ids(self) -> list[str]:
        return [
            str(message_from_bytes(raw, policy=policy.default)["Message-ID"])
            for raw in self.received
        ]


async def start(server: SmtpServer) -> asyncio.Server:
    listener = await asyncio.get_running_loop().create_server(server.protocol, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    return listener


@pytest.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    listener = await start(server)
    yield server
    listener.close()


def transport_for(server: SmtpServer, **options: Any) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", server.port, SENDER, timeout=5, **options)


async def test_emails_reuse_one_connection_and_close_quits_it(smtp_server: SmtpServer) -> None:
    transport = transport_for(smtp_server, max_connections=4)
    messages = [claimed() for _ in range(5)]
    for message in messages:
        assert await transport.send(message) == SENT

    assert len(smtp_server.connections) == 1  # five emails, one connection
    assert smtp_server.message_ids() == [message_id(m.idempotency_key) for m in messages]
    email = message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert str(email["From"]) == SENDER
    assert str(email["To"]) == "siti@example.id"
    assert str(email["Subject"]) == "Permohonan Anda: dokumen terverifikasi"
    assert str(email["X-Sentra-Reference"]) == messages[0].idempotency_key
    assert str(email["Content-Language"]) == "id"
    body = email.get_body(("plain",))
    assert body is not None
    assert body.get_content().strip() == messages[0].body

    # Concurrent sends open more connections, never more than max_connections.
    outcomes = await asyncio.gather(*(transport.send(claimed()) for _ in range(10)))
    assert outcomes == [SENT] * 10
    assert len(smtp_server.received) == 15
    assert 1 < len(smtp_server.connections) <= 4

    await transport.close()
    await wait_until(lambda: smtp_server.open_connections() == 0, within=10)


@pytest.mark.parametrize("client_noticed", [False, True], ids=["mid-send", "while-idle"])
async def test_a_connection_the_server_dropped_while_idle_loses_no_message(
    smtp_server: SmtpServer, client_noticed: bool
) -> None:
    transport = transport_for(smtp_server)
    first, second = claimed(), claimed()
    assert await transport.send(first) == SENT

    smtp_server.drop_all()
    if client_noticed:
        await wait_until(lambda: smtp_server.open_connections() == 0, within=10)
    # else: the client learns of it only when its MAIL command meets the closed socket
    assert await transport.send(second) == SENT

    assert len(smtp_server.connections) == 2  # sent again, once, on a fresh connection
    assert smtp_server.message_ids() == [
        message_id(first.idempotency_key),
        message_id(second.idempotency_key),
    ]
    await transport.close()


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("554 5.6.0 Message rejected", permanent("SMTP 554")),
        ("451 4.3.0 Try again later", transient("SMTP 451")),
    ],
)
async def test_an_answer_to_data_is_final_and_the_connection_is_not_reused(
    smtp_server: SmtpServer, answer: str, outcome: object
) -> None:
    transport = transport_for(smtp_server)
    assert await transport.send(claimed()) == SENT

    smtp_server.data_answer = answer
    assert await transport.send(claimed()) == outcome  # the server's text is not kept
    assert smtp_server.data_commands == 2  # not retried
    assert len(smtp_server.connections) == 1

    smtp_server.data_answer = "250 2.0.0 OK"
    assert await transport.send(claimed()) == SENT
    assert len(smtp_server.connections) == 2  # the failed connection was dropped
    assert len(smtp_server.received) == 2
    await transport.close()


async def test_a_connection_lost_after_data_is_not_retried(smtp_server: SmtpServer) -> None:
    transport = transport_for(smtp_server)
    assert await transport.send(claimed()) == SENT

    smtp_server.drop_during_data = True
    outcome = await transport.send(claimed())
    # The server may have taken it: the worker tries again later with the same Message-ID.
    assert outcome == transient("SMTP SMTPServerDisconnected")
    assert smtp_server.data_commands == 2
    assert len(smtp_server.connections) == 1  # no second connection for this message
    await transport.close()


async def test_idle_connections_past_the_limit_are_closed_not_reused(
    smtp_server: SmtpServer,
) -> None:
    transport = transport_for(smtp_server, max_idle_s=0)  # every idle connection too old
    assert await transport.send(claimed()) == SENT
    assert await transport.send(claimed()) == SENT

    assert len(smtp_server.connections) == 2
    await wait_until(lambda: smtp_server.open_connections() == 1, within=10)
    await transport.close()


async def test_auth_happens_once_per_connection() -> None:
    server = SmtpServer(password="s3cret")
    listener = await start(server)
    try:
        transport = transport_for(server, username="sentra", password=SecretStr("s3cret"))
        for _ in range(3):
            assert await transport.send(claimed()) == SENT
        assert len(server.logins) == 1
        assert len(server.received) == 3
        await transport.close()
    finally:
        listener.close()


async def test_an_unreachable_server_is_a_transient_failure() -> None:
    transport = SmtpTransport("127.0.0.1", free_port(), SENDER, timeout=5)
    assert await transport.send(claimed()) == transient("SMTP SMTPConnectError")
    await transport.close()


# --- SMS -------------------------------------------------------------------------------


class Gateway:
    """The gateway interface, answering the status codes a test scripts (201 otherwise)."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.peers: set[object] = set()
        self.hold = False
        self.released = asyncio.Event()

    async def messages(self, request: web.Request) -> web.Response:
        headers = {
            name: request.headers.get(name, "") for name in ("Authorization", "Idempotency-Key")
        }
        self.requests.append((headers, await request.json()))
        assert request.transport is not None
        self.peers.add(request.transport.get_extra_info("peername"))
        if self.hold:
            await self.released.wait()
        code = self.answers.pop(0) if self.answers else 201
        return web.json_response({"id": "m-1", "status": "accepted"}, status=code)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[Gateway, str]]:
    fake = Gateway()
    app = web.Application()
    app.router.add_post("/messages", fake.messages)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield fake, f"http://127.0.0.1:{port}/"
    fake.released.set()
    await runner.cleanup()


async def test_the_sms_gateway_answers_map_to_the_same_outcomes(
    gateway: tuple[Gateway, str],
) -> None:
    fake, url = gateway
    sms = SmsGateway(url, SecretStr("gw-key"))
    cases = [
        (201, SENT),
        (200, SENT),  # a replayed key
        (429, transient("SMS gateway HTTP 429")),
        (503, transient("SMS gateway HTTP 503")),
        (400, permanent("SMS gateway HTTP 400")),
        (409, permanent("SMS gateway HTTP 409")),
    ]
    fake.answers = [code for code, _ in cases]
    messages = [claimed("sms", recipient="+6281234567890") for _ in cases]
    for message, (_, outcome) in zip(messages, cases, strict=True):
        assert await sms.send(message) == outcome

    headers, body = fake.requests[0]
    key = messages[0].idempotency_key
    assert headers == {"Authorization": "Bearer gw-key", "Idempotency-Key": key}
    assert body == {"to": "+6281234567890", "text": messages[0].body, "reference": key}
    assert len(fake.peers) == 1  # one kept-alive connection for all six
    await sms.close()


async def test_an_unreachable_or_slow_gateway_is_a_transient_failure(
    gateway: tuple[Gateway, str],
) -> None:
    refused = SmsGateway(f"http://127.0.0.1:{free_port()}", SecretStr("gw-key"))
    assert await refused.send(claimed("sms")) == transient("SMS gateway ClientConnectorError")
    await refused.close()

    fake, url = gateway
    fake.hold = True  # answers only once released, after the client gave up
    slow = SmsGateway(url, SecretStr("gw-key"), timeout=0.3)
    assert await slow.send(claimed("sms")) == transient("SMS gateway TimeoutError")
    await slow.close()
