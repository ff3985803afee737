"""The built-in agencies' sandbox answers: deterministic, and the same for the same request."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sentra_agencies.rules import answer
from sentra_shared.events import (
    CheckOutcome,
    DukcapilCheckRequested,
    HealthFacilityCheckCompleted,
    HealthFacilityCheckRequested,
)

AT = datetime(2025, 11, 30, 9, 0, tzinfo=UTC)


def dukcapil(nik: str) -> DukcapilCheckRequested:
    return DukcapilCheckRequested(
        application_id=uuid.uuid4(),
        occurred_at=AT,
        nik=nik,
        full_name="Siti Rahayu",
        date_of_birth=date(1996, 3, 14),
        sex="F",
    )


def test_the_same_request_gets_the_same_reply_id() -> None:
    request = dukcapil("3314015403960007")
    first, again = answer(request, AT), answer(request, datetime.now(UTC))
    assert first.event_id == again.event_id and first.request_id == request.event_id
    assert first.outcome is CheckOutcome.PASSED


def test_the_sandbox_unknown_nik_fails_with_a_reason() -> None:
    reply = answer(dukcapil("3314015403969999"), AT)
    assert reply.outcome is CheckOutcome.FAILED
    assert [r.code for r in reply.reasons] == ["NIK_NOT_REGISTERED"]


def test_a_health_certificate_is_valid_for_three_months() -> None:
    request = HealthFacilityCheckRequested(
        application_id=uuid.uuid4(),
        occurred_at=AT,
        nik="3314015403960007",
        full_name="Siti Rahayu",
        date_of_birth=date(1996, 3, 14),
    )
    reply = answer(request, AT)
    assert isinstance(reply, HealthFacilityCheckCompleted)
    assert reply.valid_until == date(2026, 2, 28)  # issued 30 Nov: 28 Feb has no 30th
