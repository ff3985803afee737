"""Empowerment's tables for businesses: the business, its enrolments and the organisers'
reports, and its latest award assessment (see migrations/0001_businesses.sql)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from sentra_shared.events import ApplicantContact, CriterionScore, Milestone
from sentra_shared.events.empowerment import BusinessStage, OwnerRole, Sector
from sentra_shared.reasons import Reason

from sentra_empowerment.domain.award import Assessment, Participation
from sentra_empowerment.domain.business import CatalogueConsent
from sentra_empowerment.forms import BusinessForm


@dataclass(frozen=True)
class Business:
    business_id: uuid.UUID
    name: str
    catalogue: CatalogueConsent
    registered_at: datetime
    owner_name: str
    owner_role: OwnerRole
    sector: Sector
    regency_code: str
    stage: BusinessStage
    products: list[dict[str, Any]]
    contact: ApplicantContact

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Business:
        return cls(
            business_id=row["business_id"],
            name=row["name"],
            catalogue=CatalogueConsent(row["catalogue"]),
            registered_at=row["registered_at"],
            owner_name=row["owner_name"],
            owner_role=row["owner_role"],
            sector=row["sector"],
            regency_code=row["regency_code"],
            stage=row["stage"],
            products=json.loads(row["products"]),
            contact=ApplicantContact.model_validate_json(row["contact"]),
        )


@dataclass(frozen=True)
class Enrolment:
    business_id: uuid.UUID
    programme_id: str
    organiser: str
    request_id: uuid.UUID
    enrolled_at: datetime
    report_due: datetime
    reported_at: datetime | None


async def insert_business(
    conn: asyncpg.Connection,
    business_id: uuid.UUID,
    form: BusinessForm,
    contact: ApplicantContact,
    at: datetime,
) -> None:
    details = form.business
    await conn.execute(
        """INSERT INTO businesses (business_id, name, catalogue, registered_at, owner_name,
                                   owner_role, sector, regency_code, stage, products, contact)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
        business_id,
        details.name,
        form.catalogue.value,
        at,
        form.owner.full_name,
        form.owner.role,
        details.sector,
        details.regency_code,
        details.stage,
        json.dumps([p.model_dump(mode="json") for p in details.products], ensure_ascii=False),
        contact.model_dump_json(),
    )


async def load_business(conn: asyncpg.Connection, business_id: uuid.UUID) -> Business | None:
    row = await conn.fetchrow("SELECT * FROM businesses WHERE business_id = $1", business_id)
    return None if row is None else Business.from_row(row)


async def listed_businesses(
    conn: asyncpg.Connection, regency_code: str | None, sector: str | None
) -> list[Business]:
    """The businesses whose owner agreed to a listing, by regency and name."""
    rows = await conn.fetch(
        """SELECT * FROM businesses
           WHERE catalogue <> 'none' AND ($1::text IS NULL OR regency_code = $1)
             AND ($2::text IS NULL OR sector = $2)
           ORDER BY regency_code, name, business_id""",
        regency_code,
        sector,
    )
    return [Business.from_row(row) for row in rows]


# --- programmes and enrolments ---------------------------------------------------------


async def hold_programme(conn: asyncpg.Connection, programme_id: str) -> int:
    """Lock the programme's seats until the caller's transaction ends and count the seats
    taken: two enrolments in one programme take turns, so none overbooks it."""
    await conn.execute(
        "INSERT INTO programme_seats (programme_id) VALUES ($1) ON CONFLICT DO NOTHING",
        programme_id,
    )
    await conn.execute(
        "SELECT 1 FROM programme_seats WHERE programme_id = $1 FOR UPDATE", programme_id
    )
    # A statement after the lock: under READ COMMITTED it sees every enrolment committed
    # by the transaction that held the lock before.
    taken = await conn.fetchval(
        "SELECT count(*) FROM enrolments WHERE programme_id = $1", programme_id
    )
    return int(taken)


async def seats_taken(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT programme_id, count(*) AS taken FROM enrolments GROUP BY programme_id"
    )
    return {row["programme_id"]: int(row["taken"]) for row in rows}


async def is_enrolled(conn: asyncpg.Connection, business_id: uuid.UUID, programme_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM enrolments WHERE business_id = $1 AND programme_id = $2",
        business_id,
        programme_id,
    )
    return bool(found)


async def insert_enrolment(conn: asyncpg.Connection, enrolment: Enrolment) -> None:
    await conn.execute(
        """INSERT INTO enrolments (business_id, programme_id, organiser, request_id,
                                   enrolled_at, report_due)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        enrolment.business_id,
        enrolment.programme_id,
        enrolment.organiser,
        enrolment.request_id,
        enrolment.enrolled_at,
        enrolment.report_due,
    )


async def enrolment_for(
    conn: asyncpg.Connection, business_id: uuid.UUID, request_id: uuid.UUID
) -> Enrolment | None:
    """The enrolment the participation request was sent for, locked until commit."""
    row = await conn.fetchrow(
        """SELECT business_id, programme_id, organiser, request_id, enrolled_at, report_due,
                  reported_at
           FROM enrolments WHERE business_id = $1 AND request_id = $2 FOR UPDATE""",
        business_id,
        request_id,
    )
    return None if row is None else Enrolment(**dict(row))


async def enrolments_of(conn: asyncpg.Connection, business_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT programme_id, organiser, enrolled_at, report_due, reported_at, completed,
                  sessions_held, sessions_attended, milestones, reported_late
           FROM enrolments WHERE business_id = $1 ORDER BY enrolled_at, programme_id""",
        business_id,
    )
    return [{**dict(r), "milestones": json.loads(r["milestones"] or "[]")} for r in rows]


async def record_report(
    conn: asyncpg.Connection,
    enrolment: Enrolment,
    *,
    completed: bool,
    sessions_held: int,
    sessions_attended: int,
    milestones: tuple[Milestone, ...],
    reasons: tuple[Reason, ...],
    reported_late: bool,
    at: datetime,
) -> None:
    await conn.execute(
        """UPDATE enrolments SET reported_at = $3, completed = $4, sessions_held = $5,
               sessions_attended = $6, milestones = $7, reasons = $8, reported_late = $9
           WHERE business_id = $1 AND programme_id = $2""",
        enrolment.business_id,
        enrolment.programme_id,
        at,
        completed,
        sessions_held,
        sessions_attended,
        json.dumps([m.model_dump(mode="json") for m in milestones]),
        json.dumps([r.model_dump(mode="json") for r in reasons], ensure_ascii=False),
        reported_late,
    )


async def reports_of(conn: asyncpg.Connection, business_id: uuid.UUID) -> list[Participation]:
    rows = await conn.fetch(
        """SELECT sessions_held, sessions_attended, milestones FROM enrolments
           WHERE business_id = $1 AND reported_at IS NOT NULL ORDER BY reported_at""",
        business_id,
    )
    return [
        Participation(
            sessions_held=row["sessions_held"],
            sessions_attended=row["sessions_attended"],
            milestones=tuple(Milestone.model_validate(m) for m in json.loads(row["milestones"])),
        )
        for row in rows
    ]


# --- the award -------------------------------------------------------------------------


async def save_assessment(
    conn: asyncpg.Connection, business_id: uuid.UUID, assessment: Assessment, at: datetime
) -> None:
    """The business's latest assessment replaces the one before (the audit log keeps all)."""
    await conn.execute(
        """INSERT INTO award_assessments (business_id, award, criteria_version, scores, total,
                                          threshold, nominated, assessed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (business_id) DO UPDATE SET award = $2, criteria_version = $3,
               scores = $4, total = $5, threshold = $6, nominated = $7, assessed_at = $8""",
        business_id,
        assessment.award,
        assessment.criteria_version,
        json.dumps([s.model_dump(mode="json") for s in assessment.scores], ensure_ascii=False),
        assessment.total,
        assessment.threshold,
        assessment.nominated,
        at,
    )


@dataclass(frozen=True)
class Nominee:
    business: Business
    award: str
    criteria_version: str
    scores: tuple[CriterionScore, ...]
    total: Decimal
    threshold: Decimal
    assessed_at: datetime


async def nominees(conn: asyncpg.Connection) -> list[Nominee]:
    """Nominated businesses, highest total first (then the earliest assessed)."""
    rows = await conn.fetch(
        """SELECT b.*, a.award, a.criteria_version, a.scores, a.total, a.threshold,
                  a.assessed_at
           FROM award_assessments a JOIN businesses b USING (business_id)
           WHERE a.nominated ORDER BY a.total DESC, a.assessed_at, b.business_id"""
    )
    return [
        Nominee(
            business=Business.from_row(row),
            award=row["award"],
            criteria_version=row["criteria_version"],
            scores=tuple(CriterionScore.model_validate(s) for s in json.loads(row["scores"])),
            total=row["total"],
            threshold=row["threshold"],
            assessed_at=row["assessed_at"],
        )
        for row in rows
    ]


async def assessment_of(conn: asyncpg.Connection, business_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        """SELECT award, criteria_version, scores, total, threshold, nominated, assessed_at
           FROM award_assessments WHERE business_id = $1""",
        business_id,
    )
    return None if row is None else {**dict(row), "scores": json.loads(row["scores"])}
