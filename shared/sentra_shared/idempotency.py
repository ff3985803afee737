"""Idempotency keys of an intake (documents' applications, empowerment's businesses and
consultations): one submission, one case, however often the client retries it. See
docs/idempotency.md for the rules a client can rely on.

Each service using it has an `idempotency_keys` table of its own (key, request_hash,
application_id, tracking_code, created_at, expires_at), created by its own migration."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import Header, HTTPException, Response, status
from pydantic import BaseModel

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII only: a key is an opaque token (a UUID is best), never text to normalise.
KEY_PATTERN = r"^[!-~]{1,255}$"
# Long enough for any client's retries (timeouts, a phone that was offline overnight),
# short enough that the stored answer, which holds the tracking code, does not linger.
KEPT_FOR = timedelta(hours=24)
# Expired keys removed per submission: bounded, so one request never does a large delete.
_PURGE_BATCH = 100
# A stored key can vanish between our insert and our read only if it expired and was
# purged in that instant; then the insert is simply tried again.
_ATTEMPTS = 3


@dataclass(frozen=True)
class Answer:
    application_id: uuid.UUID  # the case the submission opened (its key on Kafka)
    tracking_code: str


@dataclass(frozen=True)
class Earlier:
    """The key was used before: its first answer, and whether this is the same request."""

    answer: Answer
    same_request: bool


def fingerprint(form: BaseModel) -> bytes:
    """The request as validated: whitespace, key order and stripped padding do not count."""
    return hashlib.sha256(form.model_dump_json().encode()).digest()


async def claim(
    conn: asyncpg.Connection, key: str, request_hash: bytes, answer: Answer, at: datetime
) -> Earlier | None:
    """Take the key for this answer (None), or return what it was first used for.

    Must run in the transaction that stores the case, at READ COMMITTED: a
    concurrent request with the same key waits on our uncommitted row and, once we
    commit, reads it; if we roll back, it takes the key itself.
    """
    for _ in range(_ATTEMPTS):
        # An expired key is forgotten: its next use makes a new case.
        await conn.execute(
            "DELETE FROM idempotency_keys WHERE key = $1 AND expires_at <= $2", key, at
        )
        taken = await conn.fetchval(
            """INSERT INTO idempotency_keys
                   (key, request_hash, application_id, tracking_code, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (key) DO NOTHING
               RETURNING true""",
            key,
            request_hash,
            answer.application_id,
            answer.tracking_code,
            at,
            at + KEPT_FOR,
        )
        if taken:
            return None
        row = await conn.fetchrow(
            """SELECT request_hash, application_id, tracking_code
               FROM idempotency_keys WHERE key = $1""",
            key,
        )
        if row is not None:
            return Earlier(
                Answer(row["application_id"], row["tracking_code"]),
                same_request=bytes(row["request_hash"]) == request_hash,
            )
    raise RuntimeError("idempotency key neither taken nor found")


async def purge_expired(conn: asyncpg.Connection, at: datetime) -> None:
    """Forget keys past their time, a few at a time. SKIP LOCKED: never wait on a key
    another request is using (and so never deadlock with it)."""
    await conn.execute(
        """DELETE FROM idempotency_keys WHERE key IN (
               SELECT key FROM idempotency_keys WHERE expires_at <= $1
               ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)""",
        at,
        _PURGE_BATCH,
    )


# --- the HTTP side, the same for every intake ---------------------------------------------

KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        pattern=KEY_PATTERN,
        description="Optional. 1 to 255 visible ASCII characters; a fresh UUID per "
        "submission is best. A retry with the same key and the same form returns the "
        f"first answer (with `{REPLAYED_HEADER}: true`) and creates nothing; the same key "
        "with another form answers 409. Keys are kept for "
        f"{KEPT_FOR.total_seconds() / 3600:.0f} hours from their first use.",
    ),
]

RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "headers": {
            REPLAYED_HEADER: {
                "description": f"`true` when this is the stored answer to an earlier "
                f"request with the same {HEADER}; absent otherwise.",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    },
    status.HTTP_409_CONFLICT: {
        "description": f"The {HEADER} was used before with a different form. Nothing was stored.",
    },
}


async def replay_or_claim(
    conn: asyncpg.Connection,
    key: str | None,
    form: BaseModel,
    answer: Answer,
    at: datetime,
    response: Response,
) -> Answer | None:
    """In the intake's transaction (READ COMMITTED), before it stores anything: the first
    answer to replay (the response marked replayed), or None when the request goes on and
    stores `answer`. The same key with another form raises 409."""
    if key is None:
        return None
    earlier = await claim(conn, key, fingerprint(form), answer, at)
    if earlier is not None and not earlier.same_request:
        raise key_reused()
    if earlier is not None:
        response.headers[REPLAYED_HEADER] = "true"
        return earlier.answer
    # After the claim, never before: the purge only skips locked keys, so it cannot make a
    # request wait on another. Only requests that store a key purge: the table grows with
    # them alone, and the others save a statement.
    await purge_expired(conn, at)
    return None


def key_reused() -> HTTPException:
    # Shaped like a validation error, so a client finds the header named in `loc`.
    return HTTPException(
        status.HTTP_409_CONFLICT,
        detail=[
            {
                "loc": ["header", HEADER],
                "msg": f"this {HEADER} was already used with a different form; "
                "use a new key for a new submission",
                "type": "idempotency_key_reused",
            }
        ],
    )
