"""The read model behind the public figures: `public_applications` (migration 0006)."""

from __future__ import annotations

import asyncpg
from sentra_shared.events import ApplicationKind, Event

from sentra_notifications.transparency.facts import Outcome, fact_of
from sentra_notifications.transparency.figures import PublicApplication


async def record(conn: asyncpg.Connection, event: Event) -> None:
    """Apply what one event says about its application (nothing for other events)."""
    fact = fact_of(event)
    if fact is None:
        return
    await conn.execute(
        """INSERT INTO public_applications AS p (application_id, kind, regency_code,
                   submitted_at, outcome, decided_at, flagged, confirmed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (application_id) DO UPDATE
           SET kind = COALESCE(p.kind, EXCLUDED.kind),
               regency_code = COALESCE(p.regency_code, EXCLUDED.regency_code),
               submitted_at = COALESCE(p.submitted_at, EXCLUDED.submitted_at),
               decided_at = CASE WHEN p.outcome IS NULL THEN EXCLUDED.decided_at
                                 ELSE p.decided_at END,
               outcome = COALESCE(p.outcome, EXCLUDED.outcome),
               flagged = p.flagged OR EXCLUDED.flagged,
               confirmed = p.confirmed OR EXCLUDED.confirmed""",
        fact.application_id,
        fact.kind.value if fact.kind else None,
        fact.regency_code,
        fact.submitted_at,
        fact.outcome.value if fact.outcome else None,
        fact.decided_at,
        fact.flagged,
        fact.confirmed,
    )


async def applications(conn: asyncpg.Connection) -> list[PublicApplication]:
    rows = await conn.fetch(
        """SELECT kind, regency_code, submitted_at, outcome, decided_at, flagged, confirmed
           FROM public_applications"""
    )
    return [
        PublicApplication(
            kind=ApplicationKind(row["kind"]) if row["kind"] else None,
            regency_code=row["regency_code"],
            submitted_at=row["submitted_at"],
            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
            decided_at=row["decided_at"],
            flagged=row["flagged"],
            confirmed=row["confirmed"],
        )
        for row in rows
    ]
