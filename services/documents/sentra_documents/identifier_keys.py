"""Cross-applicant identifiers in the database: keyed hashes, counted under advisory locks.

Two placement applications sharing a phone may be assessed at the same moment in two
transactions; each would count only itself and neither would be flagged. So before it
inserts its keys and counts their holders, a transaction takes a transaction-level
advisory lock per hash (in sorted order, so two transactions never wait on each other in
a circle). The later one waits until the earlier commits, then sees its rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from sentra_documents.domain.identifiers import Identifier, IdentifierKind

# First key of the two-key advisory lock: keeps these locks apart from any other use.
_LOCK_SPACE = 0x1D5E


@dataclass(frozen=True)
class Group:
    """The placement applications holding one identifier value."""

    kind: IdentifierKind
    members: frozenset[uuid.UUID]


async def register_and_group(
    conn: asyncpg.Connection,
    application_id: uuid.UUID,
    identifiers: tuple[Identifier, ...],
    secret: bytes,
) -> list[Group]:
    """Record this application's identifiers and return, for each, who holds it (this
    application included). Call inside the transaction that decides the application."""
    hashed = [(identifier, identifier.key_hash(secret)) for identifier in identifiers]
    for lock in sorted({_lock_id(key_hash) for _, key_hash in hashed}):
        await conn.execute("SELECT pg_advisory_xact_lock($1::int, $2::int)", _LOCK_SPACE, lock)
    await conn.executemany(
        """INSERT INTO identifier_keys (application_id, kind, key_hash, masked)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
        [(application_id, i.kind.value, key_hash, i.masked) for i, key_hash in hashed],
    )
    rows = await conn.fetch(
        """SELECT k.kind, array_agg(DISTINCT k.application_id) AS members
           FROM identifier_keys k
           JOIN unnest($1::text[], $2::bytea[]) AS mine (kind, key_hash)
             ON k.kind = mine.kind AND k.key_hash = mine.key_hash
           GROUP BY k.kind, k.key_hash""",
        [i.kind.value for i, _ in hashed],
        [key_hash for _, key_hash in hashed],
    )
    return [Group(IdentifierKind(row["kind"]), frozenset(row["members"])) for row in rows]


def holders_by_kind(groups: list[Group]) -> dict[IdentifierKind, int]:
    """Per kind, the size of the largest group (an applicant may have several fee payees)."""
    holders: dict[IdentifierKind, int] = {}
    for group in groups:
        holders[group.kind] = max(holders.get(group.kind, 0), len(group.members))
    return holders


def _lock_id(key_hash: bytes) -> int:
    # 32 bits of the hash: a collision only makes two unrelated groups wait for each other.
    return int.from_bytes(key_hash[:4], "big", signed=True)
