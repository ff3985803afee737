"""Red flags go to a person: a review case, a deadline for the officer, an announcement.

All in the caller's transaction. The officer endpoints (`review.py`) clear or confirm
the case; `handlers.continue_after_review` takes a cleared application on.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from sentra_shared.audit import Decision
from sentra_shared.clock import now
from sentra_shared.events import ApplicationFlagged
from sentra_shared.outbox import add_to_outbox
from sentra_shared.reasons import Reason

from sentra_documents import audited, repository
from sentra_documents.domain.red_flags import SharingThresholds, shared_identifier_flag
from sentra_documents.identifier_keys import Group
from sentra_documents.repository import StoredApplication
from sentra_documents.sealing import Sealer
from sentra_documents.timeliness import open_review_deadline


async def open_review_case(
    conn: asyncpg.Connection, stored: StoredApplication, flags: tuple[Reason, ...], at: datetime
) -> uuid.UUID:
    """Put the application under review: case, officer deadline, `ApplicationFlagged`."""
    case_id = uuid.uuid4()
    review_due = await open_review_deadline(conn, stored.application_id, case_id, at)
    await repository.insert_review_case(
        conn,
        case_id=case_id,
        application_id=stored.application_id,
        flags=flags,
        opened_at=at,
        review_due=review_due,
    )
    await add_to_outbox(
        conn,
        ApplicationFlagged(
            application_id=stored.application_id,
            occurred_at=at,
            kind=stored.form.kind,
            # Only the codes travel; the details (counts, amounts) stay with the case.
            flag_codes=tuple(dict.fromkeys(f.code for f in flags)),
            review_due=review_due,
        ),
    )
    # Referred to an officer: the flags, in both languages, are the reasons.
    await audited.record(conn, stored.application_id, Decision.DOCUMENTS_FLAGGED, flags)
    return case_id


async def flag_group_members(
    conn: asyncpg.Connection,
    groups: list[Group],
    thresholds: SharingThresholds,
    *,
    besides: uuid.UUID,
    sealer: Sealer,
) -> None:
    """Open a case for every other still-undecided holder of an identifier whose group
    reached its threshold (with every such flag when it is in several groups)."""
    flags: dict[uuid.UUID, list[Reason]] = {}
    for group in groups:
        if len(group.members) < thresholds.for_kind(group.kind):
            continue
        for member in group.members - {besides}:
            flags.setdefault(member, []).append(
                shared_identifier_flag(group.kind, len(group.members))
            )
    at = now()
    for stored in await repository.load_undecided(conn, list(flags), sealer):
        await open_review_case(conn, stored, tuple(flags[stored.application_id]), at)
