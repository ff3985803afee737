"""The built-in agencies' sandbox answers and timing: pure, deterministic, per exchange."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sentra_agencies.pending import Deferred, PendingAnswers
from sentra_agencies.rules import DESK_ADVICE, answer, idr_for
from sentra_agencies.timing import (
    DESK_SILENT_WORD,
    LATE_MARGIN,
    Timing,
    TimingPolicy,
    late_margin,
    plan_answer,
    timing_of,
)
from sentra_shared import clock
from sentra_shared.calendar import WIB, indonesian_calendar
from sentra_shared.clock import ManualClock
from sentra_shared.contract import SCHEMAS_DIR
from sentra_shared.deadlines import agency_terms
from sentra_shared.events import (
    AGENCY_EXCHANGES,
    ANSWER_TO,
    DESK_EXCHANGES,
    ORGANISER_EXCHANGES,
    Agency,
    BankCheckCompleted,
    BankCheckRequested,
    BankLoanDecided,
    BankLoanRequested,
    CheckOutcome,
    ConsultationReplied,
    ConsultationRequested,
    DukcapilCheckRequested,
    HealthFacilityCheckCompleted,
    HealthFacilityCheckRequested,
    InsurerCheckCompleted,
    InsurerCheckRequested,
    InsurerPayoutConfirmed,
    InsurerPayoutRequested,
    ParticipationReported,
    ParticipationRequested,
    PolriCheckRequested,
)

AT = datetime(2025, 11, 30, 9, 0, tzinfo=UTC)  # Sunday 30 Nov, 16:00 WIB
NIK = "3314015403960007"
PERSON: dict[str, Any] = {"full_name": "Siti Rahayu", "date_of_birth": date(1996, 3, 14)}


def nik(serial: str) -> str:
    return NIK[:12] + serial


def dukcapil(serial: str = "0007") -> DukcapilCheckRequested:
    return DukcapilCheckRequested(
        application_id=uuid.uuid4(), occurred_at=AT, nik=nik(serial), sex="F", **PERSON
    )


def bank_check(serial: str = "0007") -> BankCheckRequested:
    return BankCheckRequested(
        application_id=uuid.uuid4(),
        occurred_at=AT,
        nik=nik(serial),
        amount_idr=50_000_000,
        **PERSON,
    )


def bank_loan(serial: str = "0007", occurred_at: datetime = AT) -> BankLoanRequested:
    return BankLoanRequested(
        application_id=uuid.uuid4(),
        occurred_at=occurred_at,
        nik=nik(serial),
        product="placement",
        amount_idr=45_000_000,
        tenor_months=24,
        screening="approved",
        decision_due=date(2025, 12, 5),
        **PERSON,
    )


def insurer_check(
    claim_type: str = "return_cost", name: str = "SITI RAHAYU"
) -> InsurerCheckRequested:
    return InsurerCheckRequested.model_validate(
        {
            "application_id": uuid.uuid4(),
            "occurred_at": AT,
            "passport_name": name,
            "date_of_birth": date(1990, 1, 2),
            "claim_type": claim_type,
            "departure_date": date(2024, 5, 1),
        }
    )


def payout(amount_krw: int = 400_000, occurred_at: datetime = AT) -> InsurerPayoutRequested:
    return InsurerPayoutRequested(
        application_id=uuid.uuid4(),
        occurred_at=occurred_at,
        passport_name="SITI RAHAYU",
        date_of_birth=date(1990, 1, 2),
        claim_type="return_cost",
        amount_krw=amount_krw,
        payee_account_name="SITI RAHAYU",
        payee_account_number="0123456789",
        swift_bic="BRINIDJA",
        payout_due=date(2025, 12, 14),
    )


# The programme's session days: Mon 1, 8 and 15 Dec 2025.
SESSIONS = (date(2025, 12, 1), date(2025, 12, 8), date(2025, 12, 15))


def participation(
    organiser: Agency = Agency.TRADE_OFFICE, name: str = "Siti Rahayu", stage: str = "starting"
) -> ParticipationRequested:
    request_type, _ = ORGANISER_EXCHANGES[organiser]
    return request_type.model_validate(
        {
            "application_id": uuid.uuid4(),
            "occurred_at": AT,
            "programme_id": "kewirausahaan-2025-12",
            "programme_title": "Pelatihan kewirausahaan purna PMI",
            "sessions": SESSIONS,
            "participant_name": name,
            "owner_role": "returnee",
            "sector": "food_and_drink",
            "stage": stage,
            "regency_code": "3314",
            "report_due": date(2025, 12, 22),
        }
    )


DESK_OF = {
    "placement": Agency.PLACEMENT_DESK,
    "credit": Agency.CREDIT_DESK,
    "refund": Agency.REFUND_DESK,
    "product": Agency.PRODUCT_DESK,
}


def consultation(
    subject: str = "credit",
    language: str = "id",
    question: str = "Berapa plafon KUR untuk usaha keluarga pekerja migran?",
) -> ConsultationRequested:
    request_type, _ = DESK_EXCHANGES[DESK_OF[subject]]
    return request_type.model_validate(
        {
            "application_id": uuid.uuid4(),
            "occurred_at": AT,
            "subject": subject,
            "asker_role": "family",
            "question": question,
            "language": language,
        }
    )


def codes(reply: Any) -> list[str]:
    return [reason.code for reason in reply.reasons]


# --- answers -------------------------------------------------------------------------


def test_the_same_request_gets_the_same_reply_id_and_content() -> None:
    request = dukcapil()
    first, again = answer(request, AT), answer(request, AT + timedelta(hours=30), AT.date())
    assert first.event_id == again.event_id and first.request_id == request.event_id
    assert first.model_dump(exclude={"occurred_at"}) == again.model_dump(exclude={"occurred_at"})
    assert first.outcome is CheckOutcome.PASSED


def test_every_request_type_is_answered_with_its_own_answer_type() -> None:
    samples = [
        dukcapil(),
        bank_check(),
        bank_loan(),
        insurer_check(),
        payout(),
        PolriCheckRequested(application_id=uuid.uuid4(), occurred_at=AT, nik=nik("0007"), **PERSON),
        *(participation(organiser) for organiser in ORGANISER_EXCHANGES),
        participation(Agency.BANK, name="Siti ABSENT Rahayu"),  # a failed report too
        *(consultation(subject) for subject in DESK_OF),
    ]
    for request in samples:
        reply = answer(request, AT)
        assert type(reply) is ANSWER_TO[type(request)]
        # What goes on the wire is what the published schema allows.
        schema = json.loads((SCHEMAS_DIR / f"{type(reply).__name__}.json").read_text())
        assert not list(
            Draft202012Validator(schema).iter_errors(json.loads(reply.model_dump_json()))
        )
    answered = {type(request) for request in samples}
    assert {BankLoanRequested, InsurerPayoutRequested} <= answered
    # Every organiser's and every desk's request, each its own type.
    assert {request for request, _ in ORGANISER_EXCHANGES.values()} <= answered
    assert {request for request, _ in DESK_EXCHANGES.values()} <= answered
    # The bank decides loans and reports on its programmes; Disnaker reports on its own.
    assert len(AGENCY_EXCHANGES[Agency.BANK]) == 3
    assert len(AGENCY_EXCHANGES[Agency.INSURER]) == len(AGENCY_EXCHANGES[Agency.DISNAKER]) == 2


def test_the_sandbox_unknown_nik_fails_with_a_reason() -> None:
    reply = answer(dukcapil("9999"), AT)
    assert reply.outcome is CheckOutcome.FAILED
    assert codes(reply) == ["NIK_NOT_REGISTERED"]
    assert reply.reasons[0].text.id and reply.reasons[0].text.en


def test_the_sandbox_police_record_fails_the_skck() -> None:
    request = PolriCheckRequested(
        application_id=uuid.uuid4(), occurred_at=AT, nik=nik("9998"), **PERSON
    )
    reply = answer(request, AT)
    assert (reply.outcome, codes(reply)) == (CheckOutcome.FAILED, ["SKCK_NOT_ISSUED"])


@pytest.mark.parametrize(
    ("serial", "outcome", "collectibility"),
    [
        ("0007", CheckOutcome.PASSED, 1),
        ("9996", CheckOutcome.PASSED, 2),  # special mention: reported, credit refers it
        ("9997", CheckOutcome.FAILED, 5),
    ],
)
def test_slik_collectibility_by_nik_serial(
    serial: str, outcome: CheckOutcome, collectibility: int
) -> None:
    reply = answer(bank_check(serial), AT)
    assert isinstance(reply, BankCheckCompleted)
    assert (reply.outcome, reply.slik_collectibility) == (outcome, collectibility)
    assert codes(reply) == (["SLIK_COLLECTIBILITY_5"] if collectibility == 5 else [])


def test_the_bank_disburses_the_requested_amount_on_the_answer_day() -> None:
    reply = answer(bank_loan(), AT + timedelta(days=2), date(2025, 12, 2))
    assert isinstance(reply, BankLoanDecided)
    assert reply.outcome is CheckOutcome.PASSED and not reply.reasons
    assert (reply.disbursed_amount_idr, reply.disbursed_on) == (45_000_000, date(2025, 12, 2))


def test_the_answer_day_defaults_to_the_decision_day_in_jakarta() -> None:
    late_evening_utc = datetime(2025, 12, 1, 18, 0, tzinfo=UTC)  # 2 Dec, 01:00 WIB
    reply = answer(bank_loan(), late_evening_utc)
    assert isinstance(reply, BankLoanDecided) and reply.disbursed_on == date(2025, 12, 2)


def test_the_sandbox_bank_refuses_the_loan_of_nik_serial_9995_with_a_reason() -> None:
    reply = answer(bank_loan("9995"), AT)
    assert isinstance(reply, BankLoanDecided)
    assert reply.outcome is CheckOutcome.FAILED
    assert codes(reply) == ["REPAYMENT_CAPACITY_INSUFFICIENT"]
    assert "ditolak" in reply.reasons[0].text.id and "declines" in reply.reasons[0].text.en
    assert reply.disbursed_amount_idr is None and reply.disbursed_on is None


def test_a_health_certificate_is_valid_for_three_months() -> None:
    request = HealthFacilityCheckRequested(
        application_id=uuid.uuid4(), occurred_at=AT, nik=NIK, **PERSON
    )
    reply = answer(request, AT)
    assert isinstance(reply, HealthFacilityCheckCompleted)
    assert reply.valid_until == date(2026, 2, 28)  # issued 30 Nov: 28 Feb has no 30th


def test_the_insurer_holds_the_return_cost_of_400000_krw() -> None:
    reply = answer(insurer_check("return_cost"), AT)
    assert isinstance(reply, InsurerCheckCompleted)
    assert (reply.outcome, reply.amount_krw) == (CheckOutcome.PASSED, 400_000)


@pytest.mark.parametrize(
    ("claim_type", "low", "high"),
    [
        ("departure_guarantee", 2_000_000, 8_000_000),
        ("wage_arrears_guarantee", 200_000, 2_000_000),  # guaranteed up to 2M KRW
    ],
)
def test_other_claims_get_a_plausible_amount_the_same_every_time(
    claim_type: str, low: int, high: int
) -> None:
    amounts = set()
    for name in ("SITI RAHAYU", "DEWI LESTARI", "AGUS SANTOSO", "RINA WATI", "BUDI"):
        first = answer(insurer_check(claim_type, name), AT)
        again = answer(insurer_check(claim_type, name), AT + timedelta(days=1))
        assert isinstance(first, InsurerCheckCompleted) and isinstance(again, InsurerCheckCompleted)
        assert first.amount_krw == again.amount_krw
        assert first.amount_krw is not None and low <= first.amount_krw <= high
        assert first.amount_krw % 10_000 == 0
        amounts.add(first.amount_krw)
    assert len(amounts) > 1  # derived from the worker, not one constant


def test_a_casualty_claim_needs_a_casualty_on_file() -> None:
    missing = answer(insurer_check("casualty", "SITI RAHAYU"), AT)
    assert (missing.outcome, codes(missing)) == (CheckOutcome.FAILED, ["NO_CASUALTY_ON_FILE"])
    on_file = answer(insurer_check("casualty", "SITI CASUALTY RAHAYU"), AT)
    assert isinstance(on_file, InsurerCheckCompleted) and on_file.outcome is CheckOutcome.PASSED
    assert on_file.amount_krw is not None and 500_000 <= on_file.amount_krw <= 3_000_000


def test_a_passport_name_with_the_word_unknown_is_not_insured() -> None:
    reply = answer(insurer_check("return_cost", "UNKNOWN SITI"), AT)
    assert isinstance(reply, InsurerCheckCompleted)
    assert (reply.outcome, codes(reply)) == (CheckOutcome.FAILED, ["EPS_INSURANCE_NOT_FOUND"])
    assert reply.amount_krw is None
    # A word, not a substring: a name merely containing the letters is insured.
    assert answer(insurer_check("return_cost", "SITI UNKNOWNA"), AT).outcome is CheckOutcome.PASSED


def test_the_insurer_pays_in_full_in_krw_and_rupiah_on_the_answer_day() -> None:
    reply = answer(payout(400_000), AT, date(2025, 12, 1))
    assert isinstance(reply, InsurerPayoutConfirmed)
    assert reply.outcome is CheckOutcome.PASSED
    # 400,000 KRW at the sandbox rate of 11.40 IDR per KRW.
    assert (reply.paid_krw, reply.paid_idr, reply.paid_on) == (
        400_000,
        4_560_000,
        date(2025, 12, 1),
    )


@pytest.mark.parametrize(
    ("stage", "milestones"),
    [
        ("idea", ["business_permit"]),
        ("starting", ["business_permit", "first_sale"]),
        ("running", ["business_permit", "first_sale"]),
        ("growing", ["business_permit", "first_sale"]),
    ],
)
@pytest.mark.parametrize("organiser", [Agency.DISNAKER, Agency.TRADE_OFFICE])
def test_an_organiser_reports_every_session_attended_and_milestones_by_stage(
    organiser: Agency, stage: str, milestones: list[str]
) -> None:
    request = participation(organiser, stage=stage)
    reply = answer(request, AT)
    assert isinstance(reply, ParticipationReported) and reply.agency is organiser
    assert (reply.outcome, reply.reasons) == (CheckOutcome.PASSED, ())
    assert (reply.sessions_held, reply.sessions_attended) == (3, 3)
    assert [m.kind for m in reply.milestones] == milestones
    # Each reached by the end of the programme: its last session day.
    assert {m.achieved_on for m in reply.milestones} == {date(2025, 12, 15)}


@pytest.mark.parametrize(
    ("stage", "milestones"),
    [
        ("idea", ["business_permit"]),
        ("starting", ["business_permit", "first_sale"]),
        ("running", ["business_permit", "first_sale", "loan_repaid"]),
        ("growing", ["business_permit", "first_sale", "loan_repaid"]),
    ],
)
def test_the_bank_as_organiser_also_reports_the_loan_repaid_of_a_running_business(
    stage: str, milestones: list[str]
) -> None:
    reply = answer(participation(Agency.BANK, stage=stage), AT)
    assert isinstance(reply, ParticipationReported) and reply.outcome is CheckOutcome.PASSED
    assert [m.kind for m in reply.milestones] == milestones


@pytest.mark.parametrize("organiser", list(ORGANISER_EXCHANGES))
def test_a_participant_named_absent_fails_with_participant_absent(organiser: Agency) -> None:
    reply = answer(participation(organiser, name="Siti Absent Rahayu", stage="running"), AT)
    assert isinstance(reply, ParticipationReported)
    assert (reply.outcome, codes(reply)) == (CheckOutcome.FAILED, ["PARTICIPANT_ABSENT"])
    assert "tidak mengikuti" in reply.reasons[0].text.id
    # The sessions were held; none attended, nothing reached.
    assert (reply.sessions_held, reply.sessions_attended, reply.milestones) == (3, 0, ())
    # A word, not a substring: a name merely containing the letters took part.
    present = answer(participation(organiser, name="Siti Absenti"), AT)
    assert present.outcome is CheckOutcome.PASSED


@pytest.mark.parametrize("subject", list(DESK_OF))
def test_a_desk_answers_with_its_subjects_advice_in_the_askers_language(subject: str) -> None:
    advice_id, advice_en = DESK_ADVICE[subject]
    for language, expected in (("id", advice_id), ("en", advice_en)):
        reply = answer(consultation(subject, language), AT)
        assert isinstance(reply, ConsultationReplied) and reply.agency is DESK_OF[subject]
        assert (reply.outcome, reply.reasons, reply.answer) == (CheckOutcome.PASSED, (), expected)
    # Each desk its own advice, never another's.
    others = {DESK_ADVICE[s] for s in DESK_OF if s != subject}
    assert DESK_ADVICE[subject] not in others


def test_rupiah_are_rounded_to_the_nearest_whole_rupiah() -> None:
    assert idr_for(1_234_567) == 14_074_064  # 14,074,063.8
    assert idr_for(5) == 57


# --- timing ----------------------------------------------------------------------------


def test_the_same_request_always_gets_the_same_timing() -> None:
    policy = TimingPolicy(late_rate=0.3, never_rate=0.3, seed=7)
    for _ in range(50):
        request = bank_loan()
        assert timing_of(request, policy) == timing_of(request, TimingPolicy(0.3, 0.3, 7))


def test_the_seed_changes_the_draw() -> None:
    requests = [bank_loan() for _ in range(200)]
    one = [timing_of(r, TimingPolicy(0.5, 0.0, 1)) for r in requests]
    other = [timing_of(r, TimingPolicy(0.5, 0.0, 2)) for r in requests]
    assert one != other


def test_rates_hold_over_many_requests() -> None:
    policy = TimingPolicy(late_rate=0.2, never_rate=0.1, seed=2016)
    loans = [timing_of(bank_loan(), policy) for _ in range(5_000)]
    assert abs(loans.count(Timing.NEVER) / 5_000 - 0.1) < 0.02
    assert abs(loans.count(Timing.LATE) / 5_000 - 0.2) < 0.02
    checks = [timing_of(dukcapil(), policy) for _ in range(5_000)]
    assert abs(checks.count(Timing.LATE) / 5_000 - 0.2) < 0.02


def test_only_loans_payouts_and_consultations_may_never_be_answered() -> None:
    policy = TimingPolicy(late_rate=0.0, never_rate=1.0)
    assert timing_of(bank_loan(), policy) is Timing.NEVER
    assert timing_of(payout(), policy) is Timing.NEVER
    assert timing_of(consultation(), policy) is Timing.NEVER
    # A check, and an organiser's report, always comes in the end.
    for check in (dukcapil(), bank_check(), insurer_check(), participation()):
        assert timing_of(check, policy) is Timing.PROMPT


def test_a_question_with_the_word_unanswered_is_never_answered() -> None:
    silent = consultation(question=f"Kapan dana klaim saya cair? {DESK_SILENT_WORD}")
    assert DESK_SILENT_WORD == "UNANSWERED"
    for policy in (TimingPolicy(), TimingPolicy(late_rate=1.0)):
        assert timing_of(silent, policy) is Timing.NEVER
    terms, calendar = agency_terms()[Agency.REFUND_DESK], indonesian_calendar()
    plan = plan_answer(silent, TimingPolicy(), terms, calendar)
    assert (plan.timing, plan.not_before, plan.on) == (Timing.NEVER, None, None)
    # Any case, as a word; a word merely containing it, or another desk's question, is
    # answered at once.
    assert timing_of(consultation(question="kapan? unanswered"), TimingPolicy()) is Timing.NEVER
    assert timing_of(consultation(question="Status UNANSWEREDS?"), TimingPolicy()) is Timing.PROMPT
    assert timing_of(consultation(), TimingPolicy()) is Timing.PROMPT


def test_a_late_consultation_answer_waits_past_the_desks_escalation() -> None:
    # Asked Mon 1 Dec 2025 10:00 WIB; 3 working days: due end of Thu 4 Dec; 3 more:
    # escalated end of Tue 9 Dec, i.e. 10 Dec 00:00 WIB.
    asked = consultation().model_copy(
        update={"occurred_at": datetime(2025, 12, 1, 10, 0, tzinfo=WIB)}
    )
    terms, calendar = agency_terms()[Agency.CREDIT_DESK], indonesian_calendar()
    plan = plan_answer(asked, TimingPolicy(late_rate=1.0), terms, calendar)
    assert plan.timing is Timing.LATE
    assert plan.not_before == datetime(2025, 12, 10, 0, 0, tzinfo=WIB) + LATE_MARGIN
    reply = answer(asked, plan.not_before, plan.on)
    assert isinstance(reply, ConsultationReplied) and reply.answer == DESK_ADVICE["credit"][0]


def test_no_rates_mean_every_answer_at_once() -> None:
    policy = TimingPolicy()
    assert {timing_of(bank_loan(), policy) for _ in range(500)} == {Timing.PROMPT}


def test_rates_must_be_fractions_that_fit_together() -> None:
    with pytest.raises(ValueError):
        TimingPolicy(late_rate=0.7, never_rate=0.4)
    with pytest.raises(ValueError):
        TimingPolicy(late_rate=-0.1)


def test_a_late_bank_decision_waits_past_deadline_and_escalation_by_the_clock() -> None:
    # Requested Mon 1 Dec 2025 10:00 WIB. 5 working days: due end of Mon 8 Dec; 5 more:
    # escalated end of Mon 15 Dec (no holiday in between), i.e. 16 Dec 00:00 WIB.
    requested = datetime(2025, 12, 1, 10, 0, tzinfo=WIB)
    request = bank_loan(occurred_at=requested)
    terms, calendar = agency_terms()[Agency.BANK], indonesian_calendar()
    plan = plan_answer(request, TimingPolicy(late_rate=1.0), terms, calendar)
    escalated = datetime(2025, 12, 16, 0, 0, tzinfo=WIB)
    assert terms.due_at(requested, calendar) == datetime(2025, 12, 9, 0, 0, tzinfo=WIB)
    assert terms.escalate_at(requested, calendar) == escalated
    assert plan.timing is Timing.LATE and plan.not_before == escalated + LATE_MARGIN
    assert plan.on == date(2025, 12, 16)
    # Against a manual clock: not yet answerable at the deadline, nor at escalation; past
    # the margin it is, and the answer takes effect on that day.
    start = requested - datetime.now(UTC)
    with clock.installed(ManualClock(start)) as manual:
        assert isinstance(manual, ManualClock)
        manual.advance(timedelta(days=7, hours=14, minutes=1))  # past the deadline
        assert clock.now() < plan.not_before
        manual.advance(timedelta(days=7))  # past the escalation
        assert clock.now() > escalated and clock.now() < plan.not_before
        manual.advance(LATE_MARGIN)
        assert clock.now() >= plan.not_before
    reply = answer(request, plan.not_before, plan.on)
    assert isinstance(reply, BankLoanDecided) and reply.disbursed_on == date(2025, 12, 16)


def test_a_late_payout_counts_calendar_days() -> None:
    requested = datetime(2025, 12, 1, 10, 0, tzinfo=WIB)
    terms, calendar = agency_terms()[Agency.INSURER], indonesian_calendar()
    plan = plan_answer(payout(occurred_at=requested), TimingPolicy(1.0), terms, calendar)
    # 14 calendar days, then 14 more: from the end of 29 Dec.
    assert plan.not_before == datetime(2025, 12, 30, 0, 0, tzinfo=WIB) + LATE_MARGIN


def test_a_prompt_answer_takes_effect_on_the_request_day_and_never_has_no_day() -> None:
    terms, calendar = agency_terms()[Agency.BANK], indonesian_calendar()
    prompt = plan_answer(bank_loan(), TimingPolicy(), terms, calendar)
    assert (prompt.timing, prompt.not_before, prompt.on) == (Timing.PROMPT, None, AT.date())
    never = plan_answer(bank_loan(), TimingPolicy(never_rate=1.0), terms, calendar)
    assert (never.timing, never.not_before, never.on) == (Timing.NEVER, None, None)


def test_the_late_margin_is_a_few_real_seconds_under_an_accelerated_clock() -> None:
    assert late_margin(1) == LATE_MARGIN
    assert late_margin(10_000) == timedelta(seconds=30_000)


# --- deferred answers and commit points -------------------------------------------------


def deferred(partition: str, offset: int, minutes: int) -> Deferred[str]:
    return Deferred(partition, offset, AT + timedelta(minutes=minutes), AT.date(), dukcapil(), {})


def test_a_partition_is_committed_only_up_to_its_first_unanswered_request() -> None:
    pending: PendingAnswers[str] = PendingAnswers(limit=10)
    pending.defer(deferred("p0", 3, minutes=20))
    pending.defer(deferred("p0", 5, minutes=10))
    pending.read_to("p0", 8)
    pending.read_to("p1", 4)  # nothing deferred there: all of it
    assert pending.commit_points() == {"p0": 3, "p1": 4}
    pending.committed(pending.commit_points())
    assert pending.commit_points() == {}  # nothing new
    assert [d.offset for d in pending.take_due(AT + timedelta(minutes=15))] == [5]
    assert pending.commit_points() == {}  # offset 3 still waits
    assert [d.offset for d in pending.take_due(AT + timedelta(minutes=20))] == [3]
    assert pending.commit_points() == {"p0": 8}
    assert len(pending) == 0


def test_deferred_answers_are_bounded_and_forgotten_with_their_partition() -> None:
    pending: PendingAnswers[str] = PendingAnswers(limit=2)
    pending.defer(deferred("p0", 1, minutes=5))
    pending.defer(deferred("p0", 1, minutes=5))  # the same record again: held once
    pending.defer(deferred("p1", 0, minutes=1))
    assert (len(pending), pending.room) == (2, 0)
    assert pending.next_due() == AT + timedelta(minutes=1)
    pending.forget(["p1"])
    assert (len(pending), pending.room) == (1, 1)
    assert pending.next_due() == AT + timedelta(minutes=5)
    assert [d.partition for d in pending.take_due(AT + timedelta(hours=1))] == ["p0"]


def test_timing_conventions_steer_one_case_whatever_the_rates() -> None:
    prompt_only = TimingPolicy()
    assert timing_of(dukcapil("9993"), prompt_only) is Timing.LATE
    assert timing_of(bank_check("9993"), prompt_only) is Timing.LATE
    assert timing_of(bank_loan("9994"), prompt_only) is Timing.NEVER
    assert timing_of(bank_check("9994"), prompt_only) is Timing.PROMPT  # only the loan
    silent = payout().model_copy(update={"payee_account_number": "1234560000"})
    assert timing_of(silent, prompt_only) is Timing.NEVER
    assert timing_of(payout(), prompt_only) is Timing.PROMPT
    # A convention wins over the draw, both ways.
    everything_late = TimingPolicy(late_rate=1.0)
    assert timing_of(bank_loan("9994"), everything_late) is Timing.NEVER
