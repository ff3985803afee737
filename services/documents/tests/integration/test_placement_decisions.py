"""Placement applications through the running documents service, with the built-in
agencies answering: every rule family decides, every red flag goes to an officer."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_local.stack import Stack
from sentra_local.testing import serving
from sentra_shared.calendar import DayKind, indonesian_calendar
from sentra_shared.events import (
    ApplicationFlagged,
    Bp3miCheckRequested,
    DisnakerCheckRequested,
    DocumentsRejected,
    DocumentsVerified,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
async def documents(local_stack: Stack, kit: Any) -> AsyncIterator[Any]:
    agencies = create_agencies(
        AgenciesSettings(
            **local_stack.kafka_settings("responders"),
            http_port=0,
            group_id=f"sentra-builtin-agencies.documents-decisions-{uuid.uuid4().hex[:8]}",
        )
    )
    async with AsyncExitStack() as running:
        service = await running.enter_async_context(
            kit.running_documents(local_stack, "documents_decisions_test")
        )
        await running.enter_async_context(serving(agencies))
        yield service


async def rejected_codes(documents: Any, application_id: uuid.UUID) -> set[str]:
    await documents.wait_status(application_id, "rejected")
    event = await documents.wait_event(application_id, DocumentsRejected)
    return {r.code for r in event.reasons}


async def test_an_eligible_placement_is_checked_by_every_agency_and_verified(
    documents: Any, kit: Any
) -> None:
    application_id = await documents.submit(kit.placement_form())
    await documents.wait_status(application_id, "verified")

    verified = await documents.wait_event(application_id, DocumentsVerified)
    assert verified.kind == "placement"
    requests = await kit.requests_of(documents, application_id)
    assert {r.agency.value for r in requests} == {
        "dukcapil", "disnaker", "health_facility", "polri", "imigrasi", "bp3mi",
        "bpjs_ketenagakerjaan",
    }  # fmt: skip
    # Disnaker and BP3MI learn the job as the registry's category.
    jobs = {r.job for r in requests if isinstance(r, DisnakerCheckRequested | Bp3miCheckRequested)}
    assert jobs == {"elderly_caregiver"}
    # Each request had its deadline; the answers closed them, none late.
    deadlines = await documents.deadlines(application_id)
    assert {d.request_id for d in deadlines} == {r.event_id for r in requests}
    assert all(d.answered_at is not None and not d.breached for d in deadlines)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"documents": [{"kind": "ktp"}, {"kind": "family_card"}]},
            {
                "MISSING_BIRTH_CERTIFICATE_OR_DIPLOMA",
                "MISSING_MARITAL_STATUS_STATEMENT",
                "MISSING_FAMILY_PERMISSION",
                "MISSING_COMPETENCY_CERTIFICATE",
                "MISSING_HEALTH_CERTIFICATE",
                "MISSING_PASSPORT",
                "MISSING_WORK_VISA",
                "MISSING_PLACEMENT_AGREEMENT",
                "MISSING_WORK_CONTRACT",
                "MISSING_BPJS_MEMBERSHIP",
            },
            id="missing-documents",
        ),
        pytest.param({"medical_days_ago": 120}, {"MEDICAL_CERTIFICATE_EXPIRED"}, id="medical"),
        pytest.param(
            {"recruiter_licence_number": "SIP3MI-9999-0001-2024"},
            {"RECRUITER_NOT_LICENSED"},
            id="unlicensed",
        ),
        pytest.param(
            {"recruiter_licence_number": None}, {"RECRUITER_NOT_LICENSED"}, id="no-recruiter"
        ),
        pytest.param(
            {"recruiter_licence_number": "sip3mi-3327-0009-2021"},
            {"RECRUITER_LICENCE_NOT_VALID"},
            id="revoked",
        ),
        pytest.param(
            {"recruiter_licence_number": "SIP3MI-3318-0034-2019"},
            {"RECRUITER_LICENCE_NOT_VALID"},
            id="expired-licence",
        ),
        pytest.param(
            {"destination_country": "SA", "job": "domestic_worker"},
            {"DESTINATION_UNDER_MORATORIUM"},
            id="moratorium",
        ),
        pytest.param(
            {
                "fees": [
                    {
                        "amount_idr": 5_000_000,
                        "payee": "recruiter_company_account",
                        "payee_account": "1234567890",
                    }
                ]
            },
            {"FEES_ABOVE_OFFICIAL_COST"},
            id="fees-above-ceiling",
        ),
    ],
)
async def test_a_placement_that_fails_a_rule_is_rejected_with_the_reason_and_asks_no_agency(
    documents: Any, kit: Any, changes: dict[str, Any], expected: set[str]
) -> None:
    changes = dict(changes)
    if "medical_days_ago" in changes:
        issued = kit.today_wib() - timedelta(days=changes.pop("medical_days_ago"))
        form = kit.placement_form(**changes)
        for document in form["placement"]["documents"]:
            if document["kind"] == "health_certificate":
                document["issued_on"] = issued.isoformat()
    else:
        form = kit.placement_form(**changes)
    application_id = await documents.submit(form)

    assert await rejected_codes(documents, application_id) == expected
    assert await kit.requests_of(documents, application_id) == []
    assert await documents.deadlines(application_id) == []


async def flagged(documents: Any, application_id: uuid.UUID) -> ApplicationFlagged:
    await documents.wait_status(application_id, "under_review")
    event: ApplicationFlagged = await documents.wait_event(application_id, ApplicationFlagged)
    case = await documents.review_case(application_id)
    calendar = indonesian_calendar()
    # The officer has 2 working days (WIB, holidays and joint leave excluded).
    assert event.review_due == case["review_due"]
    assert event.review_due == calendar.due_at(case["opened_at"], 2, DayKind.WORKING)
    [deadline] = [
        d for d in await documents.deadlines(application_id) if d.step == "officer_review"
    ]
    assert deadline.request_id == case["case_id"] and deadline.party == "officer"
    assert deadline.supervisor == "Kepala BP3MI Jawa Tengah"
    assert deadline.due_at == event.review_due
    assert deadline.escalate_at == calendar.due_at(case["opened_at"], 4, DayKind.WORKING)
    assert await documents.events(application_id, DocumentsRejected) == []
    return event


@pytest.mark.parametrize(
    ("changes", "expected_flags", "kept_reasons"),
    [
        pytest.param(
            {
                "fees": [
                    {
                        "amount_idr": 1_500_000,
                        "payee": "personal_account",
                        "payee_account": "9876543210",
                    }
                ]
            },
            ("FLAG_FEES_TO_PERSONAL_ACCOUNT",),
            {"FEES_ABOVE_OFFICIAL_COST"},
            id="fees-to-a-person",
        ),
        pytest.param(
            {"fees": [{"amount_idr": 800_000, "payee": "cash"}]},
            ("FLAG_FEES_TO_PERSONAL_ACCOUNT",),
            {"FEES_ABOVE_OFFICIAL_COST"},
            id="cash",
        ),
        pytest.param(
            {
                "job": "manufacturing",
                "fees": [{"amount_idr": 3_000_000, "payee": "recruiter_company_account"}],
            },
            ("FLAG_FEES_WITHOUT_COST_STRUCTURE",),
            set(),
            id="fees-without-cost-structure",
        ),
        pytest.param(
            {"drop_document": "work_contract"},
            ("FLAG_VISA_WITHOUT_WORK_CONTRACT",),
            {"MISSING_WORK_CONTRACT"},
            id="visa-without-contract",
        ),
    ],
)
async def test_a_red_flag_puts_the_placement_before_an_officer(
    documents: Any,
    kit: Any,
    changes: dict[str, Any],
    expected_flags: tuple[str, ...],
    kept_reasons: set[str],
) -> None:
    changes = dict(changes)
    dropped = changes.pop("drop_document", None)
    form = kit.placement_form(**changes)
    if dropped:
        form["placement"]["documents"] = [
            d for d in form["placement"]["documents"] if d["kind"] != dropped
        ]
    application_id = await documents.submit(form)

    event = await flagged(documents, application_id)
    assert event.flag_codes == expected_flags
    # What the rules found waits with the case; no agency was asked yet.
    reasons = await documents.pool.fetchval(
        "SELECT assessment_reasons FROM applications WHERE application_id = $1", application_id
    )
    assert {r["code"] for r in json.loads(reasons)} == kept_reasons
    assert await kit.requests_of(documents, application_id) == []


async def test_an_under_age_applicant_is_flagged_not_rejected(documents: Any, kit: Any) -> None:
    seventeen = kit.today_wib().replace(year=kit.today_wib().year - 17)
    application_id = await documents.submit(kit.placement_form(applicant=kit.applicant(seventeen)))
    event = await flagged(documents, application_id)
    assert event.flag_codes == ("FLAG_UNDER_AGE",)


async def test_a_nik_disagreeing_with_the_birth_date_is_flagged_not_rejected(
    documents: Any, kit: Any
) -> None:
    born = kit.today_wib().replace(year=kit.today_wib().year - 30)
    person = kit.applicant(born, nik_born=born - timedelta(days=400))
    application_id = await documents.submit(kit.placement_form(applicant=person))
    event = await flagged(documents, application_id)
    assert event.flag_codes == ("NIK_BIRTH_DATE_MISMATCH",)


def kur_form(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "kur_loan",
        "applicant": person,
        "credit": {"product": "placement", "amount_idr": 20_000_000, "tenor_months": 12},
    }


async def test_an_under_age_kur_applicant_is_flagged_too(documents: Any, kit: Any) -> None:
    sixteen = kit.today_wib().replace(year=kit.today_wib().year - 16)
    application_id = await documents.submit(kur_form(kit.applicant(sixteen)))
    event = await flagged(documents, application_id)
    assert event.kind == "kur_loan" and event.flag_codes == ("FLAG_UNDER_AGE",)


async def test_a_malformed_nik_is_still_rejected(documents: Any, kit: Any) -> None:
    person = kit.applicant()
    person["nik"] = person["nik"][:12] + "0000"  # serial 0000 is never issued
    application_id = await documents.submit(kur_form(person))
    assert await rejected_codes(documents, application_id) == {"NIK_INVALID_SERIAL"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"job": "astronaut"}, ["body", "placement", "job"]),
        ({"documents": [{"kind": "ktp"}, {"kind": "ktp"}]}, ["body", "placement", "documents"]),
        ({"documents": [{"kind": "tax_card"}]}, ["body", "placement", "documents", 0, "kind"]),
        (
            {"fees": [{"amount_idr": -5, "payee": "cash"}]},
            ["body", "placement", "fees", 0, "amount_idr"],
        ),
        (
            {"fees": [{"amount_idr": 5, "payee": "uncle"}]},
            ["body", "placement", "fees", 0, "payee"],
        ),
    ],
)
async def test_a_bad_placement_form_is_refused_with_the_field_named(
    documents: Any, kit: Any, change: dict[str, Any], field: list[Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{documents.url}/applications", json=kit.placement_form(**change)
        )
    assert response.status_code == 422
    assert field in [error["loc"][: len(field)] for error in response.json()["detail"]]
