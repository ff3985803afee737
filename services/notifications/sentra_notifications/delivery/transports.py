"""What sending one message answers, whatever the channel (email: `smtp.py`, SMS:
`sms.py`).

Each transport answers with an `Outcome`: sent, a transient failure (try again later) or
a permanent one (trying again cannot help). Errors are described by status code or error
class only: an SMTP server's or gateway's text may quote the recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
