"""The status page's session: a short-lived signed cookie, so that the page stays open for
the language switch and a reload without JavaScript and without the code in the URL.

The cookie holds the tracking code's hash (what `applicants` is looked up by, never the
internal application id) and an expiry, signed with HMAC-SHA256. Nothing is stored on the
server, so any instance can read it; changing the secret ends every session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

COOKIE = "sentra_status"
_DIGEST = 32  # SHA-256


def issue(code_hash: bytes, expires: datetime, secret: bytes) -> str:
    payload = code_hash + int(expires.timestamp()).to_bytes(8, "big")
    return f"{_b64(payload)}.{_b64(_mac(payload, secret))}"


def read(cookie: str | None, moment: datetime, secret: bytes) -> bytes | None:
    """The tracking code's hash of a valid, unexpired cookie; None for anything else."""
    if not cookie or "." not in cookie:
        return None
    payload_text, mac_text = cookie.split(".", 1)
    try:
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except ValueError:
        return None
    if len(payload) != _DIGEST + 8 or not hmac.compare_digest(mac, _mac(payload, secret)):
        return None
    expires = datetime.fromtimestamp(int.from_bytes(payload[_DIGEST:], "big"), UTC)
    if moment >= expires:
        return None
    return payload[:_DIGEST]


def _mac(payload: bytes, secret: bytes) -> bytes:
    # The purpose is part of the key: the same secret also keys the rate-limit counters.
    return hmac.new(secret, b"status-session:" + payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError("not base64") from error
