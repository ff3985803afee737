"""Email over SMTP (aiosmtplib), on a few connections kept open from message to message.

Opening a connection per message (connect, EHLO, maybe STARTTLS and AUTH, QUIT, and a
host name lookup) cost more than the message itself; a pooled connection only sends
MAIL, RCPT and DATA. One message at a time per connection, at most `max_connections`
of them (the worker's slots per channel).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import deque
from email import headerregistry, policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

import aiosmtplib
from aiosmtplib.typing import Default
from pydantic import SecretStr
from sentra_shared import clock

from sentra_notifications.delivery.store import Claimed
from sentra_notifications.delivery.transports import (
    SENT,
    Outcome,
    message_id,
    permanent,
    transient,
)

# Servers drop a connection that sat idle for a while (often after a minute or more); one
# idle longer than this is closed rather than tried. Real seconds (time.monotonic), not
# the process clock: the server's timer runs on real time, also under an accelerated clock.
MAX_IDLE_S = 60.0


class _HeaderClasses(headerregistry.HeaderRegistry):
    """The standard header registry, with each header's class built once: the stock
    registry builds a new class (`type(...)`) for every header it parses, which was most
    of the cost of composing an email. Same classes, same parsing, same bytes."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type[headerregistry.BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[headerregistry.BaseHeader]:
        built = self._built.get(name.lower())
        if built is None:
            built = self._built[name.lower()] = super().__getitem__(name)
        return built


_POLICY = policy.default.clone(header_factory=_HeaderClasses())


class _Connection(aiosmtplib.SMTP):
    """A pooled client that knows whether the current message's DATA went out: after
    that the server may have taken the message, so a failure must not be retried here."""

    data_started = False
    idle_since = 0.0

    async def data(
        self,
        message: str | bytes,
        /,
        *,
        timeout: float | Literal[Default.token] | None = Default.token,  # noqa: ASYNC109 (the library's signature)
    ) -> aiosmtplib.SMTPResponse:
        self.data_started = True
        return await super().data(message, timeout=timeout)


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
        max_connections: int = 8,
        max_idle_s: float = MAX_IDLE_S,
    ) -> None:
        self._host = host
        self._port = port
        self._from = _POLICY.header_factory("From", sender)  # parsed once, not per email
        self._tls = tls
        self._username = username
        self._password = password
        self._timeout = timeout
        self._max_idle_s = max_idle_s
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: deque[_Connection] = deque()  # oldest first; reuse takes the newest
        self._local_hostname: str | None = None

    def compose(self, message: Claimed) -> EmailMessage:
        email = EmailMessage(policy=_POLICY)
        email["From"] = self._from
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = message_id(message.idempotency_key)
        email["Date"] = format_datetime(clock.now())
        email["X-Sentra-Reference"] = message.idempotency_key
        email.set_content(message.body)
        email["Content-Language"] = message.language  # after set_content, which drops Content-*
        return email

    async def send(self, message: Claimed) -> Outcome:
        email = self.compose(message)
        try:
            async with self._slots:
                await self._send(email)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refused.code for refused in error.recipients})
            return _by_smtp_code(max(codes, default=550), "SMTP recipient refused")
        except aiosmtplib.SMTPResponseException as error:
            return _by_smtp_code(error.code, "SMTP")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return transient(f"SMTP {type(error).__name__}")
        return SENT

    async def _send(self, email: EmailMessage) -> None:
        reused = self._reusable()
        if reused is not None:
            try:
                await self._send_on(reused, email)
                return
            except (ConnectionError, aiosmtplib.SMTPResponseException) as error:
                if reused.data_started or not _closed_by_server(error):
                    raise
                # The server closed this idle connection (its idle timeout) before the
                # message went out. Once more on a fresh connection, and only once. This
                # cannot send the email twice: the failure came before DATA, and before
                # DATA a server holds at most an envelope (MAIL, RCPT), never a message
                # it could deliver. A failure after DATA is not retried here; the worker
                # tries again later, and a copy the server did take carries the same
                # Message-ID (docs/delivery.md, "Exactly once").
        await self._send_on(await self._connect(), email)

    async def _send_on(self, connection: _Connection, email: EmailMessage) -> None:
        connection.data_started = False
        try:
            await connection.send_message(email)
        except BaseException:
            connection.close()  # failed in any way: its state is unknown, never reused
            raise
        connection.idle_since = time.monotonic()
        self._idle.append(connection)

    def _reusable(self) -> _Connection | None:
        """The most recently used open connection (the others then age out); idle ones
        past MAX_IDLE_S, or closed by the server, are closed and dropped."""
        now = time.monotonic()
        while self._idle and now - self._idle[0].idle_since >= self._max_idle_s:
            self._idle.popleft().close()
        while self._idle:
            connection = self._idle.pop()
            if connection.is_connected:
                return connection
            connection.close()
        return None

    async def _connect(self) -> _Connection:
        if self._local_hostname is None:  # the EHLO name; looked up once, in a thread
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        connection = _Connection(
            hostname=self._host,
            port=self._port,
            local_hostname=self._local_hostname,
            use_tls=self._tls == "tls",
            start_tls=self._tls == "starttls",
            username=self._username,
            password=self._password.get_secret_value() if self._password else None,
            timeout=self._timeout,
        )
        await connection.connect()  # connect, EHLO, STARTTLS and AUTH as configured
        return connection

    async def close(self) -> None:
        """QUIT every idle connection, each bounded by the timeout."""
        idle, self._idle = list(self._idle), deque()
        await asyncio.gather(*(_quit(connection) for connection in idle))


async def _quit(connection: _Connection) -> None:
    try:
        await connection.quit()  # bounded by the connection's timeout (SMTP_TIMEOUT_S)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        pass  # the server may have gone already; the socket is closed below either way
    finally:
        connection.close()


def _closed_by_server(error: Exception) -> bool:
    # A dropped connection, or 421: "service closing transmission channel", what a server
    # answers (or left waiting) when its idle timeout closed the connection.
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code == 421
    return True  # a ConnectionError: SMTPServerDisconnected, reset, broken pipe


def _by_smtp_code(code: int, what: str) -> Outcome:
    # 4xx: try again later (greylisting, a full queue); 5xx: the server will not take it.
    text = f"{what} {code}"
    return permanent(text) if 500 <= code < 600 else transient(text)
