"""Assessing a submitted application: the form and the registries in, a decision out.

The rules are pure (`domain/`); this module gathers what they need from the database:
the one recruiter licence the form names, and how many other placement applications
hold the same identifiers (by keyed hash, under advisory locks; see `identifier_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
from sentra_shared.reasons import Reason

from sentra_documents import flagging
from sentra_documents.domain.intake import (
    IntakeResult,
    tracking_key,
    verify_intake,
    worker_link_findings,
)
from sentra_documents.domain.nik import Sex
from sentra_documents.domain.placement import (
    DocumentKind,
    PlacementApplication,
    PlacementOutcome,
    assess_placement,
)
from sentra_documents.domain.red_flags import FeePayment, SharingThresholds
from sentra_documents.identifier_keys import holders_by_kind, register_and_group
from sentra_documents.licences import find_licence
from sentra_documents.repository import StoredApplication, find_placement
from sentra_documents.sealing import Sealer


@dataclass(frozen=True)
class MatchingPolicy:
    """How identifiers are compared across applicants: the HMAC key and the thresholds."""

    secret: bytes
    thresholds: SharingThresholds


@dataclass(frozen=True)
class Assessment:
    outcome: PlacementOutcome
    reasons: tuple[Reason, ...]
    flags: tuple[Reason, ...]
    # A family member's loan: the worker it names, found and placed.
    linked_worker_ref: str | None = None


async def assess(
    conn: asyncpg.Connection,
    stored: StoredApplication,
    on: date,
    policy: MatchingPolicy,
    sealer: Sealer,
) -> Assessment:
    form = stored.form
    if form.placement is None:
        # Only placements are matched against each other: a worker with a placement and
        # a KUR loan is the normal case, not a shared identity.
        person = form.applicant
        intake = verify_intake(person.nik, person.date_of_birth, person.sex, submitted_on=on)
        if form.credit is None or form.credit.borrower_role != "family":
            return Assessment(intake.outcome, intake.reasons, intake.flags)
        worker_ref, link = await named_worker(conn, stored, policy)
        result = IntakeResult((*intake.reasons, *link), intake.flags)
        return Assessment(
            result.outcome, result.reasons, result.flags, None if link else worker_ref
        )
    application = placement_application(stored)
    number = application.recruiter_licence_number
    licence = await find_licence(conn, number)
    licences = {number: licence} if number is not None and licence is not None else {}
    groups = await register_and_group(
        conn, stored.application_id, application.identifiers(), policy.secret
    )
    decision = assess_placement(
        application,
        on=on,
        licences=licences,
        shared_holders=holders_by_kind(groups),
        thresholds=policy.thresholds,
    )
    # A group that reached its threshold puts its other undecided members before an
    # officer too: the earlier applicant of a ring is as suspect as the later one.
    await flagging.flag_group_members(
        conn, groups, policy.thresholds, besides=stored.application_id, sealer=sealer
    )
    return Assessment(decision.outcome, decision.reasons, decision.flags)


async def named_worker(
    conn: asyncpg.Connection, stored: StoredApplication, policy: MatchingPolicy
) -> tuple[str | None, tuple[Reason, ...]]:
    """The pseudonym of the worker a family member's loan names, and why the name does not
    hold (unknown, the applicant themself, not placed)."""
    credit = stored.form.credit
    assert credit is not None
    assert credit.worker_tracking_code is not None and credit.worker_date_of_birth is not None
    worker = await find_placement(
        conn,
        tracking_key(credit.worker_tracking_code, policy.secret),
        credit.worker_date_of_birth,
    )
    findings = worker_link_findings(stored.worker_ref, worker)
    return (None if worker is None else worker.worker_ref), findings


def placement_application(stored: StoredApplication) -> PlacementApplication:
    form, person = stored.form, stored.form.applicant
    placement = form.placement
    if placement is None:
        raise ValueError("not a placement application")
    return PlacementApplication(
        application_id=str(stored.application_id),
        nik=person.nik,
        birth_date_on_documents=person.date_of_birth,
        sex_on_documents=Sex(person.sex),
        destination_country=placement.destination_country,
        job=placement.job,
        recruiter_licence_number=placement.recruiter_licence_number,
        documents=frozenset(d.kind for d in placement.documents),
        medical_certificate_issued_on=placement.issued_on(DocumentKind.HEALTH_CERTIFICATE),
        fees=tuple(
            FeePayment(amount_idr=f.amount_idr, payee=f.payee, payee_account=f.payee_account)
            for f in placement.fees
        ),
        passport_number=placement.passport_number,
        phone_number=person.phone,
        bank_account=placement.bank_account,
    )
