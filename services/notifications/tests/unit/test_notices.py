"""What the applicant is told: every applicant-facing event, both languages, finality."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sentra_notifications.domain import compose
from sentra_notifications.handlers import APPLICANT_FACING
from sentra_shared.calendar import WIB
from sentra_shared.events import (
    ApplicantContact,
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    AwardAssessed,
    BusinessRegistered,
    ClaimOutcome,
    ConsultationAnswered,
    ConsultationReceived,
    CreditDeadlineEscalated,
    CreditDeadlineOverdue,
    CreditOutcome,
    CreditScreened,
    CriterionScore,
    DeadlineEscalated,
    DeadlineStep,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsRejected,
    DocumentsVerified,
    DormantClaimReferred,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    Event,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
    LoanDecided,
    LoanOutcome,
    Milestone,
    ProgrammeEnrolled,
    ProgressRecorded,
    RefundClaimAssessed,
    RefundPaid,
    ReviewDecision,
)
from sentra_shared.reasons import BilingualText, Reason

APP = uuid.uuid4()
AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
REASON = Reason(code="X", text=BilingualText(id="Alasan dalam bahasa.", en="Reason in words."))
CONTACT = ApplicantContact(
    channels=("sms",),
    phone="+6281234567890",
    tracking_code="7K3QD-9XWM2",
    date_of_birth=date(1970, 5, 1),
)


def missed(
    cls: type[Event], step: DeadlineStep | EmpowermentStep, party: str, **extra: object
) -> Event:
    return cls(
        application_id=APP,
        occurred_at=AT,
        step=step,
        party=party,
        request_id=uuid.uuid4(),
        requested_at=AT - timedelta(days=3),
        due_at=datetime(2026, 11, 25, tzinfo=WIB),
        **extra,
    )


def escalated(cls: type[Event], step: DeadlineStep | EmpowermentStep, party: str) -> Event:
    return missed(
        cls, step, party, supervisor="OJK", escalated_for_at=datetime(2026, 12, 2, tzinfo=WIB)
    )


SAMPLES: list[Event] = [
    ApplicationSubmitted(application_id=APP, occurred_at=AT, kind="kur_loan", regency_code="3314"),
    ApplicationFlagged(
        application_id=APP,
        occurred_at=AT,
        kind=ApplicationKind.PLACEMENT,
        flag_codes=("FLAG_SHARED_PHONE",),
        review_due=datetime(2026, 11, 28, tzinfo=WIB),
    ),
    ApplicationReviewed(
        application_id=APP,
        occurred_at=AT,
        kind=ApplicationKind.PLACEMENT,
        decision=ReviewDecision.CLEARED,
        officer_id="officer-1",
        reason="Family members share one phone.",
    ),
    DocumentsVerified(application_id=APP, occurred_at=AT, kind=ApplicationKind.PLACEMENT),
    DocumentsVerified(application_id=APP, occurred_at=AT, kind=ApplicationKind.KUR_LOAN),
    DocumentsRejected(
        application_id=APP, occurred_at=AT, kind=ApplicationKind.PLACEMENT, reasons=(REASON,)
    ),
    missed(DocumentsDeadlineOverdue, DeadlineStep.AGENCY_CHECK, "polri"),
    escalated(DocumentsDeadlineEscalated, DeadlineStep.AGENCY_CHECK, "polri"),
    missed(DocumentsDeadlineOverdue, DeadlineStep.OFFICER_REVIEW, "officer"),
    *(
        CreditScreened(
            application_id=APP,
            occurred_at=AT,
            outcome=outcome,
            amount_idr=50_000_000,
            reasons=(REASON,) if outcome is not CreditOutcome.APPROVED else (),
            bank_decision_due=None if outcome is CreditOutcome.REJECTED else date(2026, 12, 2),
        )
        for outcome in CreditOutcome
    ),
    LoanDecided(
        application_id=APP,
        occurred_at=AT,
        outcome=LoanOutcome.DISBURSED,
        amount_disbursed_idr=50_000_000,
        decided_late=False,
    ),
    LoanDecided(
        application_id=APP,
        occurred_at=AT,
        outcome=LoanOutcome.REJECTED,
        reasons=(REASON,),
        decided_late=True,
    ),
    missed(CreditDeadlineOverdue, DeadlineStep.BANK_DECISION, "bank"),
    escalated(CreditDeadlineEscalated, DeadlineStep.BANK_DECISION, "bank"),
    *(
        RefundClaimAssessed(
            application_id=APP,
            occurred_at=AT,
            outcome=outcome,
            amount_krw=None if outcome is ClaimOutcome.REJECTED else 400_000,
            amount_idr=None if outcome is ClaimOutcome.REJECTED else 4_560_000,
            last_claim_day=date(2027, 1, 1),
            reasons=(REASON,) if outcome is ClaimOutcome.REJECTED else (),
            payout_due=date(2026, 12, 9) if outcome is ClaimOutcome.ACCEPTED else None,
        )
        for outcome in ClaimOutcome
    ),
    RefundPaid(
        application_id=APP,
        occurred_at=AT,
        amount_krw=400_000,
        amount_idr=4_560_000,
        paid_on=date(2026, 12, 1),
        paid_late=False,
    ),
    DormantClaimReferred(
        application_id=APP,
        occurred_at=AT,
        amount_krw=400_000,
        last_claim_day=date(2022, 1, 1),
        instructions=(REASON,),
    ),
    missed(InsuranceDeadlineOverdue, DeadlineStep.INSURER_PAYOUT, "insurer"),
    escalated(InsuranceDeadlineEscalated, DeadlineStep.INSURER_PAYOUT, "insurer"),
    # The empowerment service's cases: a business, a consultation.
    BusinessRegistered(
        application_id=APP,
        occurred_at=AT,
        owner_role="returnee",
        sector="crafts",
        regency_code="3314",
        stage="starting",
        listed=True,
        contact=CONTACT,
    ),
    ProgrammeEnrolled(
        application_id=APP,
        occurred_at=AT,
        programme_id="mentoring-2026-1",
        programme_title="Mentoring Usaha Purna PMI",
        organiser="disnaker",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 19),
        report_due=datetime(2026, 12, 30, tzinfo=WIB),
    ),
    ProgressRecorded(
        application_id=APP,
        occurred_at=AT,
        programme_id="mentoring-2026-1",
        completed=True,
        sessions_held=6,
        sessions_attended=5,
        milestones=(Milestone(kind="first_sale", achieved_on=date(2026, 12, 10)),),
        reported_late=False,
    ),
    *(
        AwardAssessed(
            application_id=APP,
            occurred_at=AT,
            award="purna-pmi-2026",
            criteria_version="2026-1",
            scores=(
                CriterionScore(
                    criterion="milestones",
                    points=Decimal(points),
                    max_points=Decimal(10),
                    explanation=REASON,
                ),
            ),
            total=Decimal(points),
            threshold=Decimal(7),
            nominated=points >= 7,
        )
        for points in (4, 9)
    ),
    ConsultationReceived(
        application_id=APP,
        occurred_at=AT,
        asker_role="family",
        subject="credit",
        desk="credit_desk",
        answer_due=datetime(2026, 11, 30, tzinfo=WIB),
        contact=CONTACT,
    ),
    ConsultationAnswered(
        application_id=APP,
        occurred_at=AT,
        desk="credit_desk",
        answer="KUR Mikro needs no extra collateral.",
        answered_late=False,
    ),
    missed(EmpowermentDeadlineOverdue, EmpowermentStep.CONSULTATION_ANSWER, "credit_desk"),
    escalated(EmpowermentDeadlineEscalated, EmpowermentStep.CONSULTATION_ANSWER, "credit_desk"),
    escalated(EmpowermentDeadlineEscalated, EmpowermentStep.PROGRAMME_REPORT, "trade_office"),
]


def test_every_applicant_facing_event_type_has_a_sample() -> None:
    assert {type(e) for e in SAMPLES} == set(APPLICANT_FACING)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_notice_speaks_both_languages_without_leftover_placeholders(event: Event) -> None:
    notice = compose(event)
    assert notice is not None
    for text in (notice.message_id, notice.message_en):
        assert len(text) > 20
        assert "{" not in text and "}" not in text
    assert notice.message_id != notice.message_en
    if getattr(event, "reasons", ()):
        assert "Alasan dalam bahasa." in notice.message_id
        assert "Reason in words." in notice.message_en


def test_a_flagged_applicant_is_never_told_the_flag_but_told_the_review_day() -> None:
    notice = compose(SAMPLES[1])
    assert notice is not None and notice.status == "under_review" and not notice.final
    # Due at local midnight starting 28 November: the last day to act is the 27th.
    assert "27 November 2026" in notice.message_en
    assert "phone" not in notice.message_en.lower() and "TPPO" not in notice.message_id


def test_a_confirmed_flag_tells_the_applicant_nothing_but_the_rejection() -> None:
    confirmed = ApplicationReviewed(
        application_id=APP,
        occurred_at=AT,
        kind=ApplicationKind.PLACEMENT,
        decision=ReviewDecision.CONFIRMED,
        officer_id="officer-1",
        reason="Recruiter collected fees in cash.",
    )
    assert compose(confirmed) is None


def finality(event: Event) -> bool:
    notice = compose(event)
    assert notice is not None
    return notice.final


def test_what_ends_an_application() -> None:
    by_status = {}
    for event in SAMPLES:
        notice = compose(event)
        assert notice is not None
        by_status.setdefault(notice.status, set()).add(notice.final)
    assert by_status["submitted"] == {False}
    assert by_status["documents_verified"] == {True, False}  # placement ends there
    assert by_status["credit_rejected"] == {True}
    assert by_status["credit_approved"] == {False}  # the bank decides next
    assert by_status["loan_disbursed"] == {True}
    assert by_status["loan_rejected"] == {True}
    assert by_status["claim_accepted"] == {False}  # the payout comes next
    assert by_status["claim_dormant"] == {False}  # the referral comes next
    assert by_status["refund_paid"] == {True}
    assert by_status["dormant_referred"] == {True}
    assert by_status["delayed"] == {False}
    assert by_status["business_registered"] == {False}
    assert by_status["programme_enrolled"] == {False}
    assert by_status["progress_recorded"] == {False}  # the award is assessed next
    assert by_status["award_nominated"] == {True}
    assert by_status["award_not_nominated"] == {True}
    assert by_status["consultation_received"] == {False}
    assert by_status["consultation_answered"] == {True}
    # The bank's, the insurer's and a desk's escalations end the path; an agency's and an
    # organiser's do not.
    assert finality(SAMPLES[7]) is False
    escalations = [e for e in SAMPLES if isinstance(e, DeadlineEscalated)]
    assert {(type(e).__name__, e.step): finality(e) for e in escalations} == {
        ("DocumentsDeadlineEscalated", DeadlineStep.AGENCY_CHECK): False,
        ("CreditDeadlineEscalated", DeadlineStep.BANK_DECISION): True,
        ("InsuranceDeadlineEscalated", DeadlineStep.INSURER_PAYOUT): True,
        ("EmpowermentDeadlineEscalated", EmpowermentStep.CONSULTATION_ANSWER): True,
        ("EmpowermentDeadlineEscalated", EmpowermentStep.PROGRAMME_REPORT): False,
    }


def test_amounts_and_days_read_the_indonesian_way() -> None:
    approved = compose(SAMPLES[9])
    assert approved is not None
    assert "Rp 50.000.000" in approved.message_id
    assert "2 Desember 2026" in approved.message_id and "2 December 2026" in approved.message_en
    paid = compose(next(e for e in SAMPLES if isinstance(e, RefundPaid)))
    assert paid is not None and "KRW 400,000" in paid.message_en
    assert "Rp 4.560.000" in paid.message_id
