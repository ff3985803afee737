"""Who may open a status page: the tracking code and the birth date, checked so that a
wrong code, a wrong birth date and an unknown code cost the same work and look the same."""

from __future__ import annotations

import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from sentra_notifications.repository import tracking_code_hash

# Letters the code alphabet leaves out because they look like digits (Crockford base 32):
# an applicant who types them meant the digit.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_MAX_CODE = 64  # far above a real code; bounds the work a request can ask for
_NO_BIRTH_DATE = b"no-birth-date"


@dataclass(frozen=True)
class Applicant:
    application_id: uuid.UUID
    kind: str
    submitted_at: datetime


def code_hash(code: str) -> bytes:
    return tracking_code_hash(code[:_MAX_CODE].upper().translate(_LOOKALIKES))


def normalised_code(code: str) -> str:
    """The code as the rate limit counts it: the same code however it was typed."""
    return code_hash(code).hex()


_BIRTH_DATE = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),  # ISO, as browsers send it
    re.compile(r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})$"),  # 14-03-1996
)


def birth_date(text: str) -> date | None:
    """A birth date as typed: 1996-03-14, or day first as written in Indonesia: 14-03-1996,
    14/03/1996 or 14.03.1996."""
    cleaned = text.strip()[:20]
    for pattern in _BIRTH_DATE:
        found = pattern.match(cleaned)
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                return None
    return None


async def check(conn: asyncpg.Connection, code: str, born: date | None) -> Applicant | None:
    """The applicant whose code and birth date these are, else None. Always one hash, one
    look-up and one constant-time comparison, whether the code exists or not."""
    row = await conn.fetchrow(
        """SELECT application_id, kind, submitted_at, date_of_birth
           FROM applicants WHERE tracking_code_hash = $1""",
        code_hash(code),
    )
    stored = row["date_of_birth"].isoformat().encode() if row else _NO_BIRTH_DATE
    given = born.isoformat().encode() if born else b"unreadable"
    same = hmac.compare_digest(stored, given)
    if row is None or not same:
        return None
    return Applicant(row["application_id"], row["kind"], row["submitted_at"])


async def by_hash(conn: asyncpg.Connection, digest: bytes) -> Applicant | None:
    """The applicant of a session (the hash came from a signed cookie)."""
    row = await conn.fetchrow(
        "SELECT application_id, kind, submitted_at FROM applicants WHERE tracking_code_hash = $1",
        digest,
    )
    return Applicant(row["application_id"], row["kind"], row["submitted_at"]) if row else None
