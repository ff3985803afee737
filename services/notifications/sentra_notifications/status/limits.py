"""Rate limit of attempts to open a status page, counted in PostgreSQL (table
`status_attempts`) so that it holds across every instance of the service.

Fixed windows: each attempt adds one to its counters for the current window, atomically
(`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so concurrent attempts on several instances
never both slip under the limit. Counters are keyed by an HMAC of what they count (the
client address, the normalised tracking code): the table keeps neither.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Limit:
    key: bytes
    attempts: int


def key(secret: bytes, what: str, value: str) -> bytes:
    return hmac.new(secret, f"status-limit:{what}:{value}".encode(), hashlib.sha256).digest()


def window_start(moment: datetime, window: timedelta) -> datetime:
    return _EPOCH + window * ((moment - _EPOCH) // window)


async def count_attempt(
    conn: asyncpg.Connection, limits: list[Limit], moment: datetime, window: timedelta
) -> datetime | None:
    """Count one attempt against every limit; when any is exceeded, when to try again."""
    start = window_start(moment, window)
    over = False
    async with conn.transaction():
        for limit in limits:
            attempts = await conn.fetchval(
                """INSERT INTO status_attempts (key, window_start, attempts) VALUES ($1, $2, 1)
                   ON CONFLICT (key, window_start)
                   DO UPDATE SET attempts = status_attempts.attempts + 1
                   RETURNING attempts""",
                limit.key,
                start,
            )
            over = over or attempts > limit.attempts
        # Finished windows are never read again.
        await conn.execute("DELETE FROM status_attempts WHERE window_start < $1", start)
    return start + window if over else None
