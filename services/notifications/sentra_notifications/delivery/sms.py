"""SMS through the gateway's HTTP interface (docs/delivery.md), over one aiohttp session
whose keep-alive connections are reused from message to message."""

from __future__ import annotations

import aiohttp
from pydantic import SecretStr

from sentra_notifications.delivery.store import Claimed
from sentra_notifications.delivery.transports import SENT, Outcome, permanent, transient


class SmsGateway:
    """POST {url}/messages with {to, text, reference}, `Authorization: Bearer <key>`,
    `Idempotency-Key: <key>`."""

    def __init__(self, url: str, key: SecretStr, *, timeout: float = 15.0) -> None:
        self._url = url.rstrip("/") + "/messages"
        self._key = key
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # Created on the first send: a session belongs to the loop it was made in, and
        # the transport is built in create_app, before the app's loop runs.
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def send(self, message: Claimed) -> Outcome:
        session = self._open()
        payload = {
            "to": message.recipient,
            "text": message.body,
            "reference": message.idempotency_key,
        }
        headers = {
            "Authorization": f"Bearer {self._key.get_secret_value()}",
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            try:
                code = await self._post(session, payload, headers)
            except aiohttp.ServerDisconnectedError:
                # A keep-alive connection the gateway closed while it sat idle fails the
                # next request on it. Sending once more is safe: the Idempotency-Key makes
                # a request the gateway did take answer 200, sending nothing new.
                code = await self._post(session, payload, headers)
        except (aiohttp.ClientError, TimeoutError) as error:
            return transient(f"SMS gateway {type(error).__name__}")
        if code in (200, 201):  # 200: a replayed key, answered as the first time
            return SENT
        if code == 429 or code >= 500:
            return transient(f"SMS gateway HTTP {code}")
        # 401/403 (key), 400/422 (number, text), 409 (key reused for another message).
        return permanent(f"SMS gateway HTTP {code}")

    async def _post(
        self, session: aiohttp.ClientSession, payload: dict[str, str], headers: dict[str, str]
    ) -> int:
        async with session.post(self._url, json=payload, headers=headers) as response:
            await response.read()  # the whole answer read: the connection can be reused
            return response.status

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
